"""What a fixer may consult: the graph and the text of the files it read."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ...graph.model import Graph
from ...model import Finding
from ..edits import Refusal


@dataclass(frozen=True)
class Context:
    graph: Graph
    read: Callable[[str], Optional[str]]  # root-relative path -> text, None when unreadable


def refuse(f: Finding, reason: str) -> Refusal:
    return Refusal(rule=f.rule, fingerprint=f.fingerprint, path=f.path, line=f.line, reason=reason)

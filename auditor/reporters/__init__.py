"""Reporters turn findings (and the graph) into text, JSON, SARIF... They never check anything."""
from __future__ import annotations

from typing import Callable

from ..engine import Report


def get_reporter(name: str) -> Callable[[Report], str]:
    if name == "text":
        from .text import render
    elif name == "json":
        from .json_report import render
    elif name == "sarif":
        from .sarif import render
    elif name == "github":
        from .github import render
    else:
        raise ValueError(f"unknown format {name!r}")
    return render

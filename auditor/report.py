"""What a check produced, as the reporters receive it: the `Report` and how to render it.

The engine builds a `Report`; reporters read one and never import the engine. The output format
`auto` is resolved here (GitHub annotations inside GitHub Actions, text elsewhere), so the
command line and library callers agree on it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Optional

from .graph.model import Graph
from .model import Finding, SourceFile
from .reader import Reader
from .redact import Masker
from .registry import Rule

if TYPE_CHECKING:
    from .config import Config

SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}


@dataclass
class Report:
    root: str
    files: list[SourceFile]
    findings: list[Finding]
    graph: Graph
    reader: Reader = field(repr=False)
    rules: list[Rule] = field(default_factory=list)
    config: Optional["Config"] = field(default=None, repr=False)
    # several stacks, each with its own configuration (engine.check_stacks): (folder, report)
    parts: list[tuple[str, "Report"]] = field(default_factory=list, repr=False)
    # The one masking of every output (see auditor.redact): reporters pass every string through it.
    masker: Masker = field(default_factory=Masker, repr=False)


@dataclass(frozen=True)
class RenderOptions:
    """Everything a reporter may be told besides the report; each format reads what it uses."""

    colour: bool = False                 # text: ANSI colours
    width: Optional[int] = None          # text: wrap messages at this width (None: never)
    quiet: bool = False                  # text: the findings only
    fail_on: str = "error"               # text: the threshold named in the footer
    prefix: Optional[str] = None         # github, sarif: the scanned root inside the repository
    category: Optional[str] = None       # sarif: automationDetails.id
    fixes: Optional[Mapping[str, list[dict]]] = None  # sarif: verified fixes by fingerprint


def summary(report: Report) -> str:
    """`3 findings (1 error, 2 warning, 0 note) in 2 of 7 files` (files with findings, of the
    files read), or "" when there is none."""
    total = len(report.findings)
    if not total:
        return ""
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "note")}
    return (f"{total} finding{'s' if total != 1 else ''} "
            f"({counts['error']} error, {counts['warning']} warning, {counts['note']} note) "
            f"in {len({f.path for f in report.findings})} of {len(report.files)} files")


def resolve_format(fmt: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """`auto`: GitHub annotations inside GitHub Actions, text elsewhere; other names as given."""
    if fmt != "auto":
        return fmt
    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"

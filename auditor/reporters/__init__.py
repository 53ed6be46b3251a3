"""Reporters turn findings (and the graph) into text, JSON, SARIF... They never check anything."""
from __future__ import annotations

from typing import Callable

from ..engine import Report


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


def get_reporter(name: str) -> Callable[[Report], str]:
    if name == "text":
        from .text import render
    elif name == "json":
        from .json_report import render
    elif name == "sarif":
        from .sarif import render
    elif name == "github":
        from .github import render
    elif name == "html":
        from .report_html import render
    else:
        raise ValueError(f"unknown format {name!r}")
    return render

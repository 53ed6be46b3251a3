"""Text for people: findings grouped by file, the offending line shown, colour only on a tty."""
from __future__ import annotations

from itertools import groupby

from ..engine import Report
from . import summary
from ..redact import redact_line

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m", "bold": "\033[1m",
            "dim": "\033[2m", "reset": "\033[0m"}


def render(report: Report, colour: bool = False) -> str:
    c = _COLOURS if colour else {k: "" for k in _COLOURS}
    out: list[str] = []
    for path, group in groupby(report.findings, key=lambda f: f.path):
        out.append(f"{c['bold']}{path}{c['reset']}")
        for f in group:
            out.append(f"  {f.line}:{f.column}  {c[f.severity]}{f.severity}{c['reset']}  "
                       f"{f.rule} {f.message}  {c['dim']}[{f.name}]{c['reset']}")
            snippet = None if f.secret else _line(report, f.path, f.line)
            if snippet is not None and snippet.strip():
                out.append(f"      {c['dim']}|{c['reset']} {redact_line(snippet.rstrip())[:200]}")
            for r in f.related:
                out.append(f"      {c['dim']}-> {r.path}:{r.line}:{r.column} {r.message}{c['reset']}")
        out.append("")
    out.append(summary(report) or f"No findings in {len(report.files)} files.")
    return "\n".join(out) + "\n"


def _line(report: Report, path: str, line: int):
    text, _ = report.reader.read(path)
    if text is None:
        return None
    lines = text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else None

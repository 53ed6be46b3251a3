"""Text for people: findings grouped by file, the offending line shown, colour only on a tty."""
from __future__ import annotations

from itertools import groupby

from ..engine import Report
from . import summary
from ..graph.secrets import scrubber
from ..redact import redact_line

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m", "bold": "\033[1m",
            "dim": "\033[2m", "reset": "\033[0m"}


def render(report: Report, colour: bool = False) -> str:
    c = _COLOURS if colour else {k: "" for k in _COLOURS}
    out: list[str] = []
    lines: dict = {}
    known = scrubber(report.graph)  # secrets far from their key (a command, a table cell)
    for path, group in groupby(report.findings, key=lambda f: f.path):
        out.append(f"{c['bold']}{path}{c['reset']}")
        for f in group:
            out.append(f"  {f.line}:{f.column}  {c[f.severity]}{f.severity}{c['reset']}  "
                       f"{f.rule} {f.message}  {c['dim']}[{f.name}]{c['reset']}")
            snippet = None if f.secret else _line(lines, report, f.path, f.line)
            if snippet is not None and snippet.strip():
                shown = redact_line(known(snippet.rstrip()[:2000]))[:200]
                out.append(f"      {c['dim']}|{c['reset']} {shown}")
            for r in f.related:
                out.append(f"      {c['dim']}-> {r.path}:{r.line}:{r.column} {r.message}{c['reset']}")
        out.append("")
    out.append(summary(report) or f"No findings in {len(report.files)} files.")
    return "\n".join(out) + "\n"


def _line(lines: dict, report: Report, path: str, line: int):
    if path not in lines:  # split each file once, not once per finding
        text, _ = report.reader.read(path)
        lines[path] = text.split("\n") if text is not None else None
    split = lines[path]
    return split[line - 1] if split is not None and 0 < line <= len(split) else None

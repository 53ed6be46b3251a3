"""`--statistics`: how many findings per rule, most frequent first (like ruff's)."""
from __future__ import annotations

from collections import Counter

from ..report import RenderOptions, Report


def render(report: Report, options: RenderOptions = RenderOptions()) -> str:
    counts = Counter((f.rule, f.name, f.severity) for f in report.findings)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0]))
    return "".join(f"{n:>5}  {rule:<8} {name} [{sev}]\n" for (rule, name, sev), n in rows)

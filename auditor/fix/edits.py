"""Line edits, the one shape every fix takes: a text patch keeps comments, quoting, key order
and blank lines around it byte for byte, which a YAML or nginx re-serialiser would not."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional


@dataclass(frozen=True)
class Edit:
    """Replace lines [start, end) (1-based) of `path` by `lines` (each ending in its newline).

    start == end inserts before `start`."""

    path: str
    start: int
    end: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Fix:
    rule: str
    fingerprints: tuple[str, ...]  # the findings it removes
    title: str  # what it does, in one line
    edits: tuple[Edit, ...]
    safe: bool
    reason: str = ""  # why unsafe: what behaviour changes


@dataclass(frozen=True)
class Refusal:
    """A finding a fixer will not touch, and why (reported as a note)."""

    rule: str
    fingerprint: str
    path: str
    line: int
    reason: str


@dataclass
class Proposal:
    fixes: list[Fix] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def overlaps(a: Edit, b: Edit) -> bool:
    if a.path != b.path:
        return False
    if a.start == a.end or b.start == b.end:  # an insertion collides only at the same point or inside
        return a.start == b.start or (a.start < b.start < a.end) or (b.start < a.start < b.end)
    return a.start < b.end and b.start < a.end


def apply(text: str, edits: Iterable[Edit]) -> str:
    """`text` with non-overlapping `edits` of one file applied (bottom-up, so lines stay put)."""
    lines = text.splitlines(keepends=True)
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        lines[e.start - 1:e.end - 1] = list(e.lines)
    return "".join(lines)


def unified_diff(path: str, before: str, after: str, mask: Optional[Callable[[str], str]] = None) -> str:
    mask = mask or (lambda s: s)
    diff = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in diff:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(mask(line))
    return "".join(out)


def line_of(text: str, n: int) -> str:
    lines = text.splitlines(keepends=True)
    return lines[n - 1] if 0 < n <= len(lines) else ""


def newline_of(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n"


def indent_of(line: str) -> str:
    return line[:len(line) - len(line.lstrip(" \t"))]

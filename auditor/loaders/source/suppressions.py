"""Inline suppressions, in every format's comment syntax.

    # auditor: ignore[PORT001] reason        YAML (compose, CloudFormation), env, nginx, HCL
    // auditor: ignore[EXP002] reason        HCL (also `/* auditor: ignore[...] */`)
    <!-- auditor: ignore[SEC002] reason -->  markdown (in a fenced code block: `#` or `//`)

A suppression covers findings on its own line and on the line after it (write it at the end of
the offending line, or alone on the line above). `auditor: ignore-file[...]` anywhere in a file
covers the whole file. The brackets hold rule ids, names or family prefixes, separated by commas;
without brackets, every rule. JSON has no comments: use `per_file_ignores` or a baseline.

Only a real comment counts: the marker must start the line or follow whitespace (nginx also
`;`, `{`, `}`), outside quotes, so `auditor:` in a value or a URL (`https://h/#auditor: x`)
is never a suppression. In markdown, inline code is never a directive, and inside a fenced
code block (where an HTML comment would be shown as code) the code's own `#` or `//` comment is.
"""
from __future__ import annotations

import re
from typing import Optional

from ...model import Loc, Suppression

_DIRECTIVE = re.compile(
    r"auditor:\s*(?P<kind>ignore-file|ignore)(?![\w-])"
    r"(?:\[(?P<rules>[^\]]*)\])?(?P<reason>.*)",
    re.IGNORECASE,
)
# Inside a comment, the directive opens it or follows another comment marker of the same line.
_IN_COMMENT = re.compile(r"(?:^|\s)(?:#+|//+|/\*+)\s*(?=auditor:)", re.IGNORECASE)
_HTML_COMMENT = re.compile(r"<!--\s*(?=auditor:)(?P<body>.*?)(?:-->|$)", re.IGNORECASE)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_RULE_SPLIT = re.compile(r"[,\s]+")

_MARKDOWN = (".md", ".markdown", ".mdx")
_HCL = (".tf", ".hcl", ".tfvars")
_NO_COMMENTS = (".json",)


def syntax_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(_MARKDOWN):
        return "markdown"
    if name.endswith(_HCL):
        return "hcl"
    if name.endswith(_NO_COMMENTS):
        return "none"
    return "hash"  # env, YAML, nginx, and anything else that uses `#`


def find_suppressions(path: str, text: str) -> list[Suppression]:
    if "auditor:" not in text.lower():
        return []  # the common case costs one substring search
    syntax = syntax_of(path)
    if syntax == "none":
        return []
    out = []
    fence: Optional[str] = None
    for number, line in enumerate(text.split("\n"), 1):
        if syntax == "markdown":
            m = _FENCE.match(line)
            if m:
                marker = m.group(1)
                if fence is None:
                    fence = marker
                elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker):]:
                    fence = None
                continue
        if "auditor:" not in line.lower():
            continue
        if syntax == "markdown" and fence is None:
            found = _markdown(line)
        elif syntax == "markdown":
            found = _comment(line, slashes=True, single_quotes=True)
        else:
            found = _comment(line, slashes=syntax == "hcl", single_quotes=syntax != "hcl")
        if found is None:
            continue
        column, directive = found
        rules = tuple(r for r in _RULE_SPLIT.split(directive["rules"] or "") if r)
        reason = directive["reason"]
        for closer in ("-->", "*/"):
            reason = reason.split(closer, 1)[0]
        reason = reason.strip().lstrip(":-—–").strip()
        out.append(Suppression(rules=rules, file_level=directive["kind"].lower() == "ignore-file",
                               reason=reason, loc=Loc(path=path, line=number, column=column)))
    return out


def _markdown(line: str) -> Optional[tuple[int, re.Match]]:
    visible = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
    m = _HTML_COMMENT.search(visible)
    if not m:
        return None
    directive = _DIRECTIVE.match(m.group("body"))
    return (m.start() + 1, directive) if directive else None


def _comment(line: str, *, slashes: bool, single_quotes: bool) -> Optional[tuple[int, re.Match]]:
    start = _comment_start(line, slashes=slashes, single_quotes=single_quotes)
    if start is None:
        return None
    comment = line[start:]
    m = _IN_COMMENT.search(comment)
    if not m:
        return None
    directive = _DIRECTIVE.match(comment, m.end())
    return (start + 1, directive) if directive else None


_OPENS_TOKEN = " \t:=[{(,;"


def _comment_start(line: str, *, slashes: bool, single_quotes: bool) -> Optional[int]:
    """Index where the line's comment (`#`, and `//` or `/*` when `slashes`) starts, outside
    quotes, or None.

    A quote only opens a string at the start of a token (so the apostrophe of `don't` does
    not); HCL strings only use double quotes."""
    quote: Optional[str] = None
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        prev = line[i - 1] if i else " "
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch == '"' or (ch == "'" and single_quotes):
            if prev in _OPENS_TOKEN:
                quote = ch
        elif prev.isspace() or i == 0 or prev in ";{}":
            if ch == "#" or (slashes and line.startswith(("//", "/*"), i)):
                return i
        i += 1
    return None

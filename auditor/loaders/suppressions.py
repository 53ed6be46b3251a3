"""Inline suppressions, in every format's comment syntax.

`# auditor: ignore[PORT001] reason` (YAML, env, nginx, HCL), `// auditor: ignore[...]` (HCL),
`<!-- auditor: ignore[...] -->` (markdown): on the offending line or alone on the line before.
`auditor: ignore-file[...]` anywhere in a file covers the whole file. Without `[...]`, every rule.
"""
from __future__ import annotations

import re

from ..model import Loc, Suppression

_MARK = re.compile(
    r"(?:#|//|<!--|;)\s*auditor:\s*(?P<kind>ignore-file|ignore)\b"
    r"(?:\[(?P<rules>[^\]]*)\])?(?P<reason>[^\n]*)"
)


def find_suppressions(path: str, text: str) -> list[Suppression]:
    if "auditor:" not in text:
        return []  # the common case costs one substring search
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        if "auditor:" not in line:
            continue
        m = _MARK.search(line)
        if not m:
            continue
        rules = tuple(r.strip() for r in (m["rules"] or "").split(",") if r.strip())
        reason = m["reason"].replace("-->", "").strip()
        out.append(Suppression(rules=rules, file_level=m["kind"] == "ignore-file", reason=reason,
                               loc=Loc(path=path, line=number, column=m.start() + 1)))
    return out

"""Which findings the user silenced: inline suppressions, per-file ignores, git-ignored secrets."""
from __future__ import annotations

import fnmatch
from typing import Iterable

from .model import Finding, SourceFile, Suppression
from .registry import Rule, all_rules


def _names(token: str, rules: dict[str, Rule]) -> set[str]:
    t = token.strip()
    if t.upper() in rules:
        return {t.upper()}
    by_name = {r.id for r in rules.values() if t.lower() in (r.name, *r.aliases)}
    return by_name or {i for i in rules if i.startswith(t.upper())}


def covers(s: Suppression, f: Finding, rules: dict[str, Rule]) -> bool:
    if s.loc.path != f.path:
        return False
    if not s.file_level and f.line not in (s.loc.line, s.loc.line + 1):
        return False
    return not s.rules or any(f.rule in _names(t, rules) for t in s.rules)


def apply_suppressions(findings: Iterable[Finding], suppressions: Iterable[Suppression]
                       ) -> tuple[list[Finding], set[Suppression]]:
    """Findings left after inline suppressions, and the suppressions that silenced something."""
    rules = all_rules()
    by_path: dict[str, list[Suppression]] = {}
    for s in suppressions:
        by_path.setdefault(s.loc.path, []).append(s)
    kept, used = [], set()
    for f in findings:
        hits = [s for s in by_path.get(f.path, ()) if covers(s, f, rules)]
        if hits and f.rule != "AUD003":
            used.update(hits)
        else:
            kept.append(f)
    return kept, used


def apply_per_file_ignores(findings: Iterable[Finding], per_file: dict[str, tuple[str, ...]]) -> list[Finding]:
    if not per_file:
        return list(findings)
    rules = all_rules()
    out = []
    for f in findings:
        silenced = any(
            fnmatch.fnmatch(f.path, pattern) and any(f.rule in _names(t, rules) for t in tokens)
            for pattern, tokens in per_file.items()
        )
        if not silenced:
            out.append(f)
    return out


def drop_uncommitted_secrets(findings: Iterable[Finding], files: Iterable[SourceFile]) -> list[Finding]:
    """A git-ignored file (a developer's real `.env`) feeds the graph but is not a committed secret."""
    ignored = {f.path for f in files if f.tracked is False}
    rules = all_rules()
    return [f for f in findings
            if not (f.path in ignored and "committed-secret" in rules.get(f.rule, _NO_RULE).tags)]


class _NoRule:
    tags: tuple[str, ...] = ()


_NO_RULE = _NoRule()

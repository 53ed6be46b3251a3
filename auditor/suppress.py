"""Which findings the user silenced: inline suppressions, per-file ignores, git-ignored secrets."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from .paths import matches
from .model import Finding, SourceFile, Suppression
from .registry import all_rules, lookup

UNUSED_SUPPRESSION = "AUD003"  # never silenced itself: a stale comment must stay visible


@lru_cache(maxsize=None)
def _ids(token: str) -> frozenset[str]:
    return frozenset(r.id for r in lookup(token))


def names(tokens: Iterable[str], rule_id: str) -> bool:
    """Does one of `tokens` (ids, names or family prefixes) name `rule_id`?"""
    return any(rule_id in _ids(t) for t in tokens)


def covers(s: Suppression, f: Finding) -> bool:
    if s.loc.path != f.path:
        return False
    if not s.file_level and f.line not in (s.loc.line, s.loc.line + 1):
        return False
    return not s.rules or names(s.rules, f.rule)


def apply_suppressions(findings: Iterable[Finding], suppressions: Iterable[Suppression]
                       ) -> tuple[list[Finding], set[Suppression]]:
    """Findings left after inline suppressions, and the suppressions that silenced something."""
    by_path: dict[str, list[Suppression]] = {}
    for s in suppressions:
        by_path.setdefault(s.loc.path, []).append(s)
    kept, used = [], set()
    for f in findings:
        hits = [s for s in by_path.get(f.path, ()) if covers(s, f)]
        if hits and f.rule != UNUSED_SUPPRESSION:
            used.update(hits)
        else:
            kept.append(f)
    return kept, used


def path_matches(path: str, pattern: str) -> bool:
    """A pattern, with .gitignore semantics (see `auditor.paths`), against a root-relative path."""
    return matches(path, (pattern,))


def apply_per_file_ignores(findings: Iterable[Finding], per_file: dict[str, tuple[str, ...]]) -> list[Finding]:
    if not per_file:
        return list(findings)
    return [f for f in findings
            if not any(path_matches(f.path, pattern) and names(tokens, f.rule)
                       for pattern, tokens in per_file.items())]


def drop_uncommitted_secrets(findings: Iterable[Finding], files: Iterable[SourceFile]) -> list[Finding]:
    """A git-ignored file (a developer's real `.env`) feeds the graph but is not a committed secret.

    Only rules tagged `committed-secret` are dropped there; tracked files, and untracked files
    that git does not ignore (they are about to be committed), are reported."""
    ignored = {f.path for f in files if f.tracked is False}
    if not ignored:
        return list(findings)
    rules = all_rules()
    return [f for f in findings
            if not (f.path in ignored and f.rule in rules and "committed-secret" in rules[f.rule].tags)]

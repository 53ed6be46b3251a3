"""nginx regexes (`server_name ~...`, `location ~ / ~*`), run in linear time or not at all.

nginx compiles them with PCRE. Python's `re` backtracks: `server_name "~^(a+)+$"` against one
long URL host runs for minutes, `a{4294967296}` raises OverflowError, a thousand nested groups
RecursionError. The scanned tree is hostile, so patterns run on RE2 (google-re2), whose time is
linear in the text and whose memory is capped per pattern. What RE2 cannot run (backreferences,
lookaround, possessive quantifiers, repetitions over 1000), a pattern or a text over the size
limits, and any pattern when RE2 is not installed, give None: unknown, and the graph then does
not claim a route either way.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Optional

_re2: Any = False  # google-re2, imported at the first regex (most runs meet none); None: missing


def _engine() -> Any:
    global _re2
    if _re2 is False:
        try:
            import re2
        except ImportError:  # pragma: no cover - a platform without its wheel: every regex is unknown
            re2 = None
        _re2 = re2
    return _re2

MAX_PATTERN = 4096  # characters of a pattern
MAX_TEXT = 8192  # characters of a host or a path it is matched against
MAX_MEM = 8 << 20  # bytes RE2 may use for one compiled pattern

# PCRE's named group `(?<name>...)` is RE2's `(?P<name>...)` (older RE2 releases know only that).
_PCRE_NAMED = re.compile(r"\(\?<(?=[A-Za-z_])")


class RegexUnknown(Exception):
    """A regex whose match cannot be judged safely: callers treat the question as unknown."""


@lru_cache(maxsize=4096)
def _compile(pattern: str, ignore_case: bool) -> Optional[Any]:
    re2 = _engine()
    if re2 is None or len(pattern) > MAX_PATTERN:
        return None
    options = re2.Options()
    options.max_mem = MAX_MEM
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(_PCRE_NAMED.sub("(?P<", pattern), options)
    except Exception:  # noqa: BLE001 - re2.error, and whatever a binding raises on odd input
        return None


def search(pattern: str, text: str, *, ignore_case: bool = False) -> Optional[bool]:
    """Whether `pattern` matches somewhere in `text` (PCRE semantics as far as RE2 shares them),
    or None when that cannot be judged safely."""
    if len(text) > MAX_TEXT:
        return None
    compiled = _compile(pattern, ignore_case)
    if compiled is None:
        return None
    try:
        return compiled.search(text) is not None
    except Exception:  # noqa: BLE001 - e.g. text RE2 cannot encode (lone surrogates)
        return None


def matches(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """`search`, raising RegexUnknown instead of answering None."""
    found = search(pattern, text, ignore_case=ignore_case)
    if found is None:
        raise RegexUnknown(pattern)
    return found


def required_literals(pattern: str) -> tuple[str, ...]:
    """Lower-case ASCII runs that every match of `pattern` contains (its top-level literal runs
    of 3 or more characters), or () when that cannot be told: a filter that spares running a
    regex against a host that lacks them. Read with Python's parser of the same syntax."""
    return _required_literals(pattern)


@lru_cache(maxsize=4096)
def _required_literals(pattern: str) -> tuple[str, ...]:
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_parse as sre  # type: ignore[no-redef]
    try:
        parsed = sre.parse(_PCRE_NAMED.sub("(?P<", pattern))
    except Exception:  # noqa: BLE001 - what Python cannot read is simply not filtered
        return ()
    runs: list[str] = []
    current: list[str] = []

    def walk(items) -> None:
        for op, arg in items:
            name = getattr(op, "name", str(op))
            if name == "LITERAL" and arg < 128:
                current.append(chr(arg).lower())
                continue
            if name == "SUBPATTERN" and not arg[1] and not arg[2]:  # a plain group: its items in place
                walk(arg[3])
                continue
            runs.append("".join(current))
            current.clear()

    walk(parsed)
    runs.append("".join(current))
    return tuple(r for r in runs if len(r) >= 3)


def compiles(pattern: str) -> bool:
    """Whether RE2 runs `pattern` (caseless, as nginx's server names are matched)."""
    return _compile(pattern, True) is not None


def cannot_match(pattern: str, text: str) -> bool:
    """True only when `search(pattern, text, ignore_case=True)` is surely False: an ASCII text
    lacking one of the pattern's required literals, and a pattern RE2 runs (else the answer
    stays RE2's, or unknown)."""
    needed = required_literals(pattern)
    return bool(needed) and text.isascii() and len(text) <= MAX_TEXT and any(
        r not in text.lower() for r in needed) and _compile(pattern, True) is not None

"""Masking of secret values: the one place every output goes through before showing a value.

What is a secret (key names, token formats, placeholders) is decided in
`auditor.knowledge.secrets`; this module only hides it. When in doubt it masks: a masked
setting costs some readability, a shown secret cannot be taken back.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional
from urllib.parse import urlsplit

from .knowledge.secrets import find_tokens, is_placeholder, is_setting, key_kind


def mask(value: str) -> str:
    """`admin123` -> `ad****23`; short values are fully masked so nothing leaks."""
    if len(value) <= 6:
        return "*" * 4
    keep = 2 if len(value) < 16 else 3
    return f"{value[:keep]}****{value[-keep:]}"


# The password runs to the last `@` of the authority: people do write `p@ss` unescaped.
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^/\s?#]+)@")


def redact_url_passwords(text: str) -> str:
    """Replace the password of every `scheme://user:pass@` in `text` with a mask."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{'*' * 4}@", text)


def url_password(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        return parts.password
    except ValueError:
        return None


# A loose net for key names, on top of `key_kind`: redaction errs on the side of masking.
_LOOSE_SECRET = re.compile(r"pass|pwd|secret|token|api[_\-]?key|apikey|private|credential|auth", re.I)
# `KEY=value`, `KEY: value`, `"key": "value"`, `KEY => value`, and markdown table cells
# `| **KEY** | value |`.
_ASSIGNMENT = re.compile(
    r"(?P<key>[A-Za-z_][\w.\-]*)(?P<close>[*`'\"]*)(?P<sep>\s*(?:=>|=|:|\|)\s*)(?P<open>[*`]*)"
    r"(?:(?P<q>[\"'])(?P<qval>[^\"']*)(?P=q)|(?P<val>\$\{[^}\n]*\}|[^\s\"'`|]+))"
)


def _secret_assignment(key: str, value: str) -> bool:
    if not value or is_placeholder(value):
        return False
    if key_kind(key) is not None:
        return True
    return bool(_LOOSE_SECRET.search(key)) and "://" not in value and not is_setting(value)


def _mask_assignments(text: str, depth: int = 0) -> str:
    def one(m: re.Match) -> str:
        value = m["qval"] if m["q"] else m["val"]
        if value is None:
            return m[0]
        if not _secret_assignment(m["key"], value):
            # The value may hold assignments of its own: `"Description": "token=abc"`, `a=token=abc`;
            # past a few levels (`a=a=a=...`), the value is masked whole: when in doubt, mask.
            start = (m.start("qval") if m["q"] else m.start("val")) - m.start()
            inner = _mask_assignments(value, depth + 1) if depth < 4 else mask(value)
            return m[0][:start] + inner + m[0][start + len(value):]
        shown = f"{m['q']}{mask(value)}{m['q']}" if m["q"] else mask(value)
        return f"{m['key']}{m['close']}{m['sep']}{m['open']}{shown}"

    return _ASSIGNMENT.sub(one, text)


def redact_tokens(text: str) -> str:
    """Mask every known token format (`ghp_...`, `AKIA...`, private key headers) in `text`."""
    spans = sorted(find_tokens(text))
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue  # overlaps a span already masked
        out.append(text[pos:start])
        out.append(mask(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_line(line: str) -> str:
    """A source line safe to show: URL passwords, known tokens and values of secret-named keys
    masked."""
    line = redact_url_passwords(line)
    line = _mask_assignments(line)
    return redact_tokens(line)


class Scrubber:
    """Masks every occurrence of known secret values in any text.

    For outputs that show values far from their key (a compose `command` interpolated with a
    password, a docs table cell): collect the secrets once with `secret_values`, then pass every
    string through the scrubber. Values shorter than `min_length` are left alone, so that a
    weak `admin` does not mask every `admin` of a report.
    """

    def __init__(self, values: Iterable[str], min_length: int = 8):
        kept = sorted({v for v in values if len(v) >= min_length}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, kept))) if kept else None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: mask(m[0]), text)


def secret_values(pairs: Iterable[tuple[Optional[str], str]]) -> set[str]:
    """The secrets among (key, value) pairs: values of secret-named keys, known tokens, and URL
    passwords; placeholders and references left out."""
    found: set[str] = set()
    for key, value in dict.fromkeys(pairs):  # a file repeating one line a million times is judged once
        v = value.strip()
        if not v or is_placeholder(v):
            continue
        # No known token format is shorter than 15 characters (a Slack token): skip the regexes.
        if (key and key_kind(key) is not None and "://" not in v and not is_setting(v)) or (
                len(v) >= 10 and find_tokens(v)):
            found.add(v)
        for m in _USERINFO.finditer(v):
            if not is_placeholder(m["pw"]):
                found.add(m["pw"])
    return found

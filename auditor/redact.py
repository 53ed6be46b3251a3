"""Masking of secret values: the one place every output goes through before showing a value.

What is a secret (key names, token formats, placeholders) is decided in
`auditor.knowledge.secrets`; this module only hides it. When in doubt it masks: a masked
setting costs some readability, a shown secret cannot be taken back.
"""
from __future__ import annotations

import re
import string
from typing import Iterable, Iterator, Optional
from urllib.parse import urlsplit

from .knowledge.secrets import find_tokens, is_placeholder, is_setting, key_kind


def mask(value: str) -> str:
    """`admin123` -> `ad****23`; short values are fully masked so nothing leaks."""
    if len(value) <= 6:
        return "*" * 4
    keep = 2 if len(value) < 16 else 3
    return f"{value[:keep]}****{value[-keep:]}"


# The password runs to the last `@` of the authority: people do write `p@ss` unescaped.
# `_userinfo` finds what `[a-zA-Z][a-zA-Z0-9+.-]*://` followed by this pattern would find, but in
# linear time: the regex alone tries a scheme from every letter of a long word (quadratic).
_AFTER_SCHEME = re.compile(r"(?P<user>[^:/@\s]*):(?P<pw>[^/\s?#]+)@")
_LETTERS = frozenset(string.ascii_letters)
_SCHEME_CHARS = _LETTERS | frozenset(string.digits + "+.-")


def _userinfo(text: str) -> Iterator[tuple[int, int, str, str, str]]:
    """(start, end, scheme with `://`, user, password) of every `scheme://user:password@`."""
    low = 0  # matches do not overlap: a scheme starts at or after the previous match's end
    p = text.find("://")
    while p >= 0:
        r = p
        while r > low and text[r - 1] in _SCHEME_CHARS:
            r -= 1
        start = next((i for i in range(r, p) if text[i] in _LETTERS), -1)
        m = _AFTER_SCHEME.match(text, p + 3) if start >= 0 else None
        if m is None:
            p = text.find("://", p + 3)
            continue
        yield start, m.end(), text[start:p + 3], m["user"], m["pw"]
        low = m.end()
        p = text.find("://", low)


def redact_url_passwords(text: str) -> str:
    """Replace the password of every `scheme://user:pass@` in `text` with a mask."""
    if "://" not in text:
        return text
    out, pos = [], 0
    for start, end, scheme, user, _pw in _userinfo(text):
        out.append(text[pos:start])
        out.append(f"{scheme}{user}:{'*' * 4}@")
        pos = end
    out.append(text[pos:])
    return "".join(out)


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
# A key starts at the first ASCII letter or `_` of a word (`(?<!...)` + `pre`): trying it from
# every letter of a long word would be quadratic.
_ASSIGNMENT = re.compile(
    r"(?<![\w.\-])(?P<pre>(?:[^\WA-Za-z_]|[.\-])*)(?P<key>[A-Za-z_][\w.\-]*)(?P<close>[*`'\"]*)(?P<sep>\s*(?:=>|=|:|\|)\s*)(?P<open>[*`]*)"
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
        if value is None or not value or is_placeholder(value):  # `${VAR:?message}` included
            return m[0]
        if not _secret_assignment(m["key"], value):
            # The value may hold assignments of its own: `"Description": "token=abc"`, `a=token=abc`;
            # past a few levels (`a=a=a=...`), the value is masked whole: when in doubt, mask.
            start = (m.start("qval") if m["q"] else m.start("val")) - m.start()
            inner = _mask_assignments(value, depth + 1) if depth < 4 else mask(value)
            return m[0][:start] + inner + m[0][start + len(value):]
        shown = f"{m['q']}{mask(value)}{m['q']}" if m["q"] else mask(value)
        return f"{m['pre']}{m['key']}{m['close']}{m['sep']}{m['open']}{shown}"

    return _ASSIGNMENT.sub(one, text)


# Command-line flags followed by a credential: `--requirepass X`, `--password=X`, `--api-token X`.
_FLAG = re.compile(r"(?<![\w-])(?P<flag>--?[A-Za-z][\w-]*)(?P<sep>=|[ \t]+)(?P<value>[^\s\"'`,\]\[]+)")
_SECRET_FLAGS = frozenset({"requirepass", "masterauth"})  # redis-server, beside key_kind's names


def _mask_flags(text: str) -> str:
    def one(m: re.Match) -> str:
        name, value = m["flag"].lstrip("-"), m["value"]
        if value.startswith("-") or is_placeholder(value):
            return m[0]
        if name.lower() in _SECRET_FLAGS or key_kind(name) is not None:
            return f"{m['flag']}{m['sep']}{mask(value)}"
        return m[0]

    return _FLAG.sub(one, text) if "-" in text else text


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


_last_line: tuple[str, str] = ("", "")


def redact_line(line: str) -> str:
    """A source line safe to show: URL passwords, known tokens, values of secret-named keys and
    of secret-named command-line flags masked."""
    global _last_line
    if _last_line[0] == line:  # findings come sorted: many on one (long, minified) line in a row
        return _last_line[1]
    shown = redact_tokens(_mask_flags(_mask_assignments(redact_url_passwords(line))))
    _last_line = (line, shown)
    return shown


class Scrubber:
    """Masks every occurrence of known secret values in any text.

    For outputs that show values far from their key (a compose `command` interpolated with a
    password, a docs table cell): collect the secrets once with `secret_values`, then pass every
    string through the scrubber. Values shorter than `min_length` are left alone, so that a
    weak `admin` does not mask every `admin` of a report.
    """

    def __init__(self, values: Iterable[str], min_length: int = 8):
        kept = sorted({v for v in values if len(v) >= max(min_length, 1)}, key=len, reverse=True)
        # Values by their first `width` characters, longest first: at each position of a text
        # one dict lookup finds the values that may start there (an alternation of every value
        # would try each of them at each position: values x characters).
        self._width = len(kept[-1]) if kept else 0
        self._by_head: dict[str, list[str]] = {}
        for v in kept:
            self._by_head.setdefault(v[:self._width], []).append(v)

    def __call__(self, text: str) -> str:
        """`text` with each value masked: leftmost first, the longest value starting there."""
        heads, width = self._by_head, self._width
        if not heads or len(text) < width:
            return text
        out: list[str] = []
        last = i = 0
        end = len(text) - width
        while i <= end:
            candidates = heads.get(text[i:i + width])
            if candidates is not None:
                found = next((v for v in candidates if text.startswith(v, i)), None)
                if found is not None:
                    out.append(text[last:i])
                    out.append(mask(found))
                    i = last = i + len(found)
                    continue
            i += 1
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)


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
        for _start, _end, _scheme, _user, pw in _userinfo(v):
            if not is_placeholder(pw):
                found.add(pw)
    return found

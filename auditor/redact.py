"""Masking of secret values: the one place every output goes through before showing a value."""
from __future__ import annotations

import re
from urllib.parse import urlsplit


def mask(value: str) -> str:
    """`admin123` -> `ad****23`; short values are fully masked so nothing leaks."""
    if len(value) <= 6:
        return "*" * 4
    keep = 2 if len(value) < 16 else 3
    return f"{value[:keep]}****{value[-keep:]}"


_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")


def redact_url_passwords(text: str) -> str:
    """Replace the password of every `scheme://user:pass@` in `text` with a mask."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{'*' * 4}@", text)


def url_password(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        return parts.password
    except ValueError:
        return None


_SECRETISH_ASSIGN = re.compile(
    r"(?P<key>[\w.\-]*(?:pass|pwd|secret|token|api[_\-]?key|apikey|private|credential|auth)[\w.\-]*)"
    r"(?P<sep>\s*[=:]\s*)(?P<q>[\"']?)(?P<val>[^\s\"'#]+)",
    re.I,
)


def redact_line(line: str) -> str:
    """A source line safe to show: URL passwords and values of secret-named keys masked."""
    line = redact_url_passwords(line)
    return _SECRETISH_ASSIGN.sub(lambda m: f"{m['key']}{m['sep']}{m['q']}{mask(m['val'])}", line)

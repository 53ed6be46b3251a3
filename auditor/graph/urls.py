"""Finding URLs in values and splitting them into parts, without ever keeping a password."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional
from urllib.parse import urlsplit

from ..redact import redact_url_passwords, url_userinfo

DEFAULT_PORTS = {
    "http": 80, "ws": 80, "https": 443, "wss": 443, "postgres": 5432, "postgresql": 5432,
    "mysql": 3306, "mariadb": 3306, "redis": 6379, "rediss": 6379, "mongodb": 27017,
    "amqp": 5672, "amqps": 5671, "nats": 4222, "mqtt": 1883, "ftp": 21, "ldap": 389,
    "ldaps": 636, "smtp": 25, "memcached": 11211, "elasticsearch": 9200,
}

_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s,;'\"<>`)\]]+")


@dataclass(frozen=True)
class UrlParts:
    scheme: str
    host: str
    port: Optional[int]
    path: str
    username: Optional[str]
    password: Optional[str]
    start: int  # offset of the URL in the value
    masked: str


def find_urls(value: str) -> tuple[UrlParts, ...]:
    """Every URL in `value` (several may be comma-separated); unparseable ones are skipped."""
    if "://" not in value:
        return ()
    return _find_urls(value)


@lru_cache(maxsize=1 << 16)  # the graph and three SEC rules read the same values, in turn
def _find_urls(value: str) -> tuple[UrlParts, ...]:
    out = []
    for m in _URL.finditer(value):
        text = m.group(0).rstrip(".")
        parts = split_url(text, m.start())
        if parts is not None:
            out.append(parts)
    return tuple(out)


# `scheme://host[:port][/path][?query|#fragment]` with no userinfo and nothing urlsplit would
# treat specially: most URLs of a stack. Read with one match instead of urlsplit and the
# userinfo search (tests/graph/test_url_parts.py: equal to the general path).
_SIMPLE_URL = re.compile(
    r"([A-Za-z][A-Za-z0-9+.\-]*)://([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*\.?)(?::([0-9]{1,5}))?"
    r"(/[A-Za-z0-9._~!$&'()*+,;=:/\-]*)?(?:[?#][^\s\\@]*)?")


def split_url(text: str, start: int = 0) -> Optional[UrlParts]:
    if "@" not in text:
        m = _SIMPLE_URL.fullmatch(text)
        if m is not None and (m[3] is None or int(m[3]) <= 65535):
            scheme = m[1].lower()
            return UrlParts(scheme=scheme, host=m[2].lower(),
                            port=int(m[3]) if m[3] is not None else DEFAULT_PORTS.get(scheme),
                            path=m[4] or "/", username=None, password=None, start=start, masked=text)
    return _split_url(text, start)


def _split_url(text: str, start: int = 0) -> Optional[UrlParts]:
    # The userinfo runs to the last `@` before the host, whatever the password holds (`/`, `?`,
    # `#`, `+`, `=`: base64), which urlsplit would take for the start of the path.
    userinfo = url_userinfo(text)
    if userinfo is not None:
        scheme, _, rest = text.partition("://")
        text_for_host = f"{scheme}://{rest[len(userinfo[0]) + len(userinfo[1]) + 2:]}"  # after `user:pw@`
    else:
        text_for_host = text
    try:
        u = urlsplit(text_for_host)
        host = (u.hostname or "").lower()
        explicit = u.port
    except ValueError:
        return None
    if not host or "$" in host or "{" in host:
        return None
    scheme = u.scheme.lower()
    return UrlParts(
        scheme=scheme, host=host, port=explicit if explicit is not None else DEFAULT_PORTS.get(scheme),
        path=u.path or "/", username=(userinfo[0] if userinfo else u.username) or None,
        password=(userinfo[1] if userinfo else u.password) or None,
        start=start, masked=redact_url_passwords(text),
    )

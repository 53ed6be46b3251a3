"""URL variable roles: which variable names designate the same endpoint.

`VITE_BOOTSTRAPURL`, `NEXT_PUBLIC_BOOTSTRAP_URL` and `bootstrap_url` all name the role
`bootstrap`: framework prefixes that only expose a variable to browser code are dropped, case and
separators are ignored, and a trailing URL/URI/ENDPOINT/ADDR word is removed. A plural
(`RELAY_URLS`) names a list of endpoints, not one, and has no role.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

# Prefixes that front-end build tools require for a variable to reach browser code. They say
# who reads the value, not what it points at. Longest first: NEXT_PUBLIC_ before PUBLIC_.
CLIENT_PREFIXES = tuple(sorted((
    "VITE_", "NEXT_PUBLIC_", "REACT_APP_", "NUXT_PUBLIC_", "NUXT_ENV_", "PUBLIC_", "EXPO_PUBLIC_",
    "GATSBY_", "VUE_APP_", "STORYBOOK_", "SVELTEKIT_PUBLIC_", "ASTRO_PUBLIC_",
), key=len, reverse=True))

# Words that end a URL variable's name without adding meaning (`API_URL` is the `api` endpoint).
URL_SUFFIXES = ("URL", "URI", "ENDPOINT", "ADDR", "ADDRESS", "HREF")
# Their plurals: the value is a list of endpoints.
LIST_SUFFIXES = ("URLS", "URIS", "ENDPOINTS", "ADDRS", "ADDRESSES", "HOSTS", "PEERS", "SERVERS")

# Roles too vague to say two services mean the same endpoint (`BASE_URL` of one service is its
# own base, not another's).
GENERIC_ROLES = frozenset({
    "url", "uri", "endpoint", "addr", "address", "href", "base", "root", "host", "server",
    "public", "site", "app", "self", "home", "web", "service", "default", "target", "link",
})

# Words in a variable name that say the URL is meant to be reached from outside: handed to
# browsers, third parties or users, so it must use the public address.
PUBLIC_FACING_WORDS = (
    "PUBLIC", "EXTERNAL", "EXTERN", "REDIRECT", "CALLBACK", "WEBHOOK", "ORIGIN", "CORS",
    "ALLOWED", "FRONTEND", "SITE", "ROOT_URL", "BASE_URL", "BASEURL", "DOMAIN", "RETURN",
)

_SEPARATORS = re.compile(r"[^A-Z0-9]+")


def _words(key: str) -> str:
    return _SEPARATORS.sub("_", key.upper()).strip("_")


def strip_client_prefix(key: str) -> str:
    upper = _words(key) + "_"
    for prefix in CLIENT_PREFIXES:
        if upper.startswith(prefix) and len(upper) > len(prefix) + 1:
            return upper[len(prefix):].rstrip("_")
    return upper.rstrip("_")


def is_list_key(key: str) -> bool:
    flat = strip_client_prefix(key).replace("_", "")
    return flat.endswith(LIST_SUFFIXES)


@lru_cache(maxsize=8192)
def url_role(key: Optional[str]) -> Optional[str]:
    """The endpoint a variable names, normalised; None for lists and empty names."""
    if not key:
        return None
    if is_list_key(key):
        return None
    flat = strip_client_prefix(key).replace("_", "")
    for suffix in URL_SUFFIXES:
        if flat.endswith(suffix) and len(flat) > len(suffix):
            flat = flat[: -len(suffix)]
            break
    role = flat.lower()
    return role if role and role not in GENERIC_ROLES else None


def is_client_side(key: Optional[str]) -> bool:
    """A variable compiled into browser code: its URLs must be public."""
    return bool(key) and (_words(key) + "_").startswith(CLIENT_PREFIXES)


def is_public_facing(key: Optional[str]) -> bool:
    """A variable whose URL is meant for browsers, users or third parties."""
    if not key:
        return False
    if is_client_side(key):
        return True
    words = _words(key)
    return any(w in words for w in PUBLIC_FACING_WORDS)

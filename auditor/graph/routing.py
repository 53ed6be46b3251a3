"""How nginx picks a server for a host:port and a location for a path (its real matching order)."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from ..model import NginxLocation, NginxServer


def name_matches(pattern: str, host: str) -> bool:
    host = host.lower().rstrip(".")
    p = pattern.lower()
    if p.startswith("~"):
        try:
            return re.search(pattern[1:].strip(), host, re.I) is not None
        except re.error:
            return False
    if p.startswith("*."):
        return host.endswith(p[1:])
    if p.startswith("."):
        return host == p[1:] or host.endswith(p)
    if p.endswith(".*"):
        return host.startswith(p[:-1])
    return p == host


def servers_named(servers: Iterable[NginxServer], host: str) -> list[NginxServer]:
    return [s for s in servers if any(name_matches(n, host) for n in s.server_names)]


def listens_on(server: NginxServer, port: int) -> bool:
    return any(l.port == port and l.unix is None for l in server.listens)


def tls_on(server: NginxServer, port: int) -> bool:
    return any(l.port == port and l.ssl for l in server.listens)


def match_location(locations: Iterable[NginxLocation], path: str) -> Optional[NginxLocation]:
    """nginx's order: exact `=`, then the longest prefix (stop if `^~`), then regexes in order."""
    top = [l for l in locations if l.parent is None and l.modifier != "@"]
    for loc in top:
        if loc.modifier == "=" and loc.path == path:
            return loc
    best: Optional[NginxLocation] = None
    for loc in top:
        if loc.modifier in ("", "^~") and path.startswith(loc.path):
            if best is None or len(loc.path) > len(best.path):
                best = loc
    if best is not None and best.modifier == "^~":
        return best
    for loc in top:
        if loc.modifier in ("~", "~*"):
            try:
                if re.search(loc.path, path, re.I if loc.modifier == "~*" else 0):
                    return loc
            except re.error:
                continue
    return best

"""Host addresses: families, wildcards, loopback, public-ness, and when two binds collide."""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Optional

# Private ranges in the sense that matters here: not reachable from the internet. Documentation
# ranges (TEST-NET) are deliberately NOT here: fixtures use them to stand for public addresses.
_PRIVATE = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
    "100.64.0.0/10", "0.0.0.0/8", "::1/128", "fc00::/7", "fe80::/10", "::/128",
)]

ALL_V4 = "0.0.0.0"
ALL_V6 = "::"


_IP_CHARS = frozenset("0123456789abcdefABCDEF.:[]")


@lru_cache(maxsize=1 << 16)  # every URL host and bind address asks, often the same
def parse_ip(text: str) -> Optional[ipaddress._BaseAddress]:
    if "%" not in text and not _IP_CHARS.issuperset(text):
        return None  # a host name: no exception raised and caught for each (a scope id may be `%eth0`)
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def normalize_bind(address: str, *, ipv6: bool = False) -> str:
    """Canonical bind address: "" stays "" (all interfaces, both families, as Docker binds)."""
    a = address.strip().strip("[]")
    if a in ("", "*"):
        return ALL_V6 if ipv6 else ("" if not address else ALL_V4)
    if a == "localhost":
        return "127.0.0.1"
    ip = parse_ip(a)
    return str(ip) if ip else a


def family(address: str) -> int:
    """4, 6, or 0 for Docker's "" (both families)."""
    if address == "":
        return 0
    ip = parse_ip(address)
    if ip is None:
        return 4
    return ip.version


def is_wildcard(address: str) -> bool:
    return address in ("", ALL_V4, ALL_V6)


def binds_overlap(a: str, b: str) -> bool:
    """Whether two bind addresses of the same port would collide on one host.

    Families are separate (nginx and Docker bind [::] with IPV6_V6ONLY), a wildcard overlaps every
    address of its family, and two distinct specific addresses never collide.
    """
    fa, fb = family(a), family(b)
    if fa and fb and fa != fb:
        return False
    if is_wildcard(a) or is_wildcard(b):
        return True
    return a == b


def reaches(bind: str, via: str) -> bool:
    """Whether a connection to address `via` reaches a socket bound on `bind` (same host)."""
    if bind == "":
        return True
    if bind == ALL_V4:
        return family(via) == 4
    if bind == ALL_V6:
        return family(via) == 6
    return bind == via


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    ip = parse_ip(host)
    return bool(ip and ip.is_loopback)


def is_ip(host: str) -> bool:
    return parse_ip(host) is not None


def is_public_ip(host: str) -> bool:
    ip = parse_ip(host)
    if ip is None:
        return False
    return not any(ip in net for net in _PRIVATE if net.version == ip.version) and not ip.is_multicast


def is_public_bind(address: str) -> bool:
    """A bind that the outside world can reach: a wildcard or a public address."""
    return is_wildcard(address) or is_public_ip(address)


def overlap_bind(a: str, b: str) -> str:
    """The address two overlapping binds collide on, for messages: the narrower of the two.

    Docker's "" (both families) reads as 0.0.0.0, the way `docker ps` shows it first.
    """
    for x, y in ((a, b), (b, a)):
        if not is_wildcard(x):
            return x
        if x == "" and y != "":
            return y
    return a or ALL_V4


def describe_bind(address: str) -> str:
    """A bind in words: "all interfaces" for Docker's "", else the address itself."""
    return "all interfaces" if address == "" else address

"""Compose `ports:` entries, short and long syntax, read as compose-go (docker/go-connections) does.

Short syntax: `[[IP:][HOST]:]CONTAINER[/PROTO]`, where IP may be IPv6 in brackets or bare
(everything before the last two `:`-separated parts), HOST and CONTAINER single ports or ranges.
A range stays one `PortMapping` (`published_end` / `target_end`); `expand_port` gives the
per-port entries `docker compose config` prints.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping, Optional, Union

from ...model import Loc, PortMapping, span_text

__all__ = ["parse_port", "format_port", "expand_port", "valid_ip", "PROTOCOLS"]

PROTOCOLS = ("tcp", "udp", "sctp")
_DIGITS = re.compile(r"[0-9]+\Z")
_LONG_KEYS = {"target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"}
_NOWHERE = Loc(path="")


def valid_ip(text: str) -> bool:
    """An address Go's net.ParseIP accepts: IPv4 dotted quad or IPv6, no zone."""
    if not text or "%" in text:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _port(text: str) -> Optional[int]:
    # strconv.ParseUint(s, 10, 16): digits only, leading zeros allowed, at most 65535
    if not _DIGITS.match(text):
        return None
    value = int(text)
    return value if value <= 65535 else None


def _range(text: str) -> Optional[tuple[int, int]]:
    """`80` or `8000-8010`; like go-connections, parts after a second `-` are ignored."""
    if "-" not in text:
        port = _port(text)
        return None if port is None else (port, port)
    parts = text.split("-")
    start, end = _port(parts[0]), _port(parts[1])
    if start is None or end is None or end < start:
        return None
    return start, end


def _mapping(host_ip: str, host: Optional[tuple[int, int]], target: tuple[int, int], protocol: str,
             mode: str, raw: str, loc: Loc) -> PortMapping:
    return PortMapping(
        host_ip=host_ip,
        published=host[0] if host else None,
        published_end=host[1] if host and host[1] != host[0] else None,
        target=target[0],
        target_end=target[1] if target[1] != target[0] else None,
        protocol=protocol,  # type: ignore[arg-type]
        mode=mode,
        raw=raw,
        loc=loc,
    )


def _short(text: str, raw: str, loc: Loc) -> Union[PortMapping, str]:
    parts = text.split(":")
    container = parts[-1]
    if len(parts) == 1:
        ip, host = "", ""
    elif len(parts) == 2:
        ip, host = "", parts[0]
    else:
        ip, host = ":".join(parts[:-2]), parts[-2]
    port, _, proto = container.partition("/")
    if not port:
        port, proto = "", ""
    elif not proto:
        proto = "tcp"
    proto = proto.lower()
    if proto not in PROTOCOLS:
        return f"invalid protocol {proto!r} in port {text!r} (tcp, udp or sctp)"
    if ip.startswith("["):
        if not (ip.endswith("]") and ip.count("[") == 1 and ip.count("]") == 1):
            return f"invalid IP address {ip!r} in port {text!r}"
        ip = ip[1:-1]
    if ip and not valid_ip(ip):
        return f"invalid IP address {ip!r} in port {text!r}"
    target = _range(port)
    if target is None:
        return f"invalid container port {port!r} in port {text!r}"
    published = None
    if host:
        published = _range(host)
        if published is None:
            return f"invalid host port {host!r} in port {text!r}"
        # a host range for one container port is a pool to pick from; otherwise sizes must match
        if published[1] - published[0] != target[1] - target[0] and target[0] != target[1]:
            return f"host ports {host} and container ports {port} are ranges of different sizes"
    if target[0] == 0:
        return f"port {text!r} has no target port (0)"
    return _mapping(ip, published, target, proto, "ingress", raw, loc)


def _long(spec: Mapping[Any, Any], raw: str, loc: Loc) -> Union[PortMapping, str]:
    unknown = [k for k in spec if k not in _LONG_KEYS and not str(k).startswith("x-")]
    if unknown:
        return f"unknown port option {unknown[0]!r}"
    target_value = spec.get("target")
    if isinstance(target_value, bool) or not isinstance(target_value, (int, str)):
        return "port has no target" if target_value is None else f"invalid target port {target_value!r}"
    target_port = target_value if isinstance(target_value, int) else _port(target_value.strip())
    if target_port is None or not 0 < target_port <= 65535:
        return f"invalid target port {target_value!r}"
    published_value = spec.get("published")
    published = None
    if isinstance(published_value, bool):
        return f"invalid published port {published_value!r}"
    if isinstance(published_value, int):
        if not 0 <= published_value <= 65535:
            return f"invalid published port {published_value!r}"
        published = (published_value, published_value)
    elif isinstance(published_value, str) and published_value != "":
        published = _range(published_value)
        if published is None:
            return f"invalid published port {published_value!r}"
    elif published_value not in (None, ""):
        return f"invalid published port {published_value!r}"
    host_ip = spec.get("host_ip") or ""
    if not isinstance(host_ip, str):
        return f"invalid host_ip {host_ip!r}"
    if host_ip.startswith("[") and host_ip.endswith("]"):
        host_ip = host_ip[1:-1]
    if host_ip and not valid_ip(host_ip):
        return f"invalid host_ip {host_ip!r}"
    protocol = spec.get("protocol") or "tcp"
    if not isinstance(protocol, str) or protocol.lower() not in PROTOCOLS:
        return f"invalid protocol {protocol!r} (tcp, udp or sctp)"
    mode = spec.get("mode") or "ingress"
    if not isinstance(mode, str):
        return f"invalid port mode {mode!r}"
    return _mapping(host_ip, published, (target_port, target_port), protocol.lower(), mode, raw, loc)


def parse_port(spec: Any, loc: Loc = _NOWHERE, raw: Optional[str] = None) -> Union[PortMapping, str]:
    """One `ports:` entry (already interpolated) as a PortMapping, or why it is not one.

    `raw` is the entry as written before interpolation (defaults to the spec's text).
    """
    try:
        if isinstance(spec, bool) or spec is None:
            return f"invalid port {spec!r}"
        if isinstance(spec, int):
            if not 0 < spec <= 65535:
                return f"invalid port {spec}"
            return _mapping("", None, (spec, spec), "tcp", "ingress", str(spec) if raw is None else raw, loc)
        if isinstance(spec, str):
            return _short(spec, spec if raw is None else raw, loc)
        if isinstance(spec, Mapping):
            return _long(spec, "" if raw is None else raw, loc)
        return f"invalid port entry of type {type(spec).__name__}"
    except Exception as exc:  # a loader never raises on input
        return f"invalid port {spec!r}: {exc}"


def format_port(p: PortMapping) -> str:
    """Short syntax for `p` (the mode, when not ingress, cannot be written there and is dropped)."""
    target = f"{p.target}-{p.target_end}" if p.target_end is not None else str(p.target)
    if p.published is None:
        published = ""
    elif p.published_end is not None:
        published = f"{p.published}-{p.published_end}"
    else:
        published = str(p.published)
    proto = "" if p.protocol == "tcp" else f"/{p.protocol}"
    if p.host_ip:
        ip = f"[{p.host_ip}]" if ":" in p.host_ip else p.host_ip
        return f"{ip}:{published}:{target}{proto}"
    if published:
        return f"{published}:{target}{proto}"
    return f"{target}{proto}"


def expand_port(p: PortMapping) -> list[tuple[str, Optional[str], int, str]]:
    """(host_ip, published, target, protocol) per container port, as `docker compose config` lists.

    A host range for a single container port stays one entry with published "a-b".
    """
    start, end = p.target_range
    if p.published is None:
        return [(p.host_ip, None, t, p.protocol) for t in range(start, end + 1)]
    if start == end:
        published = span_text(*(p.published_range or (p.published, p.published)))
        return [(p.host_ip, published, start, p.protocol)]
    return [(p.host_ip, str(p.host_port(t)), t, p.protocol) for t in range(start, end + 1)]

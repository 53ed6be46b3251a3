"""Security-group rules: the helpers every format shares.

Each format module (`aws_json`, `terraform`, `cfn`) reads its syntax and
hands `explode` one entry at a time; `explode` turns an entry into one `SecurityGroupRule` per
source, canonicalising CIDRs, protocols and ports the same way for every format.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Iterable, Optional

from ...model import LoadProblem, Loc, SecurityGroupRule

Rules = list[SecurityGroupRule]
Problems = list[LoadProblem]

# A source as a format reads it: (kind, text). kind "cidr" is canonicalised into cidr4/cidr6.
Source = tuple[str, str]

_PROTOCOL_NUMBERS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "132": "sctp"}
_PROTOCOL_NAMES = {"all": "all", "tcp": "tcp", "udp": "udp", "icmp": "icmp", "icmpv6": "icmpv6", "sctp": "sctp"}


def protocol_name(raw: object) -> Optional[str]:
    """"tcp", "udp", "icmp", "icmpv6", "sctp", "all", or another protocol number; None if invalid."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip().lower()
    if text in _PROTOCOL_NAMES:
        return _PROTOCOL_NAMES[text]
    if text == "-1" or (text.isascii() and text.isdigit() and len(text) <= 3 and int(text) <= 255):
        return _PROTOCOL_NUMBERS.get(str(int(text)), str(int(text)))
    return None


def port_number(raw: object) -> tuple[Optional[int], bool]:
    """(port, ok): an int, an integral float or a decimal string; (None, True) when absent."""
    if raw is None:
        return None, True
    if isinstance(raw, bool):
        return None, False
    if isinstance(raw, float):
        return (int(raw), True) if raw.is_integer() and abs(raw) < 1 << 31 else (None, False)
    if isinstance(raw, int):
        return (raw, True) if abs(raw) < 1 << 31 else (None, False)
    if isinstance(raw, str) and re.fullmatch(r"\s*-?[0-9]{1,10}\s*", raw):
        return int(raw), True
    return None, False


def canonical_cidr(text: str) -> Optional[tuple[str, str]]:
    """(canonical CIDR, "cidr4"|"cidr6"), host bits cleared; None when `text` is no network."""
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    return str(net), "cidr4" if net.version == 4 else "cidr6"


def explode(
    sources: Iterable[Source],
    *,
    loc: Loc,
    problems: Problems,
    protocol: str,
    from_port: Optional[int],
    to_port: Optional[int],
    unresolved: tuple[str, ...] = (),
    **fields: object,
) -> Rules:
    """One rule per source of one entry (permission, block, resource), all at the entry's `loc`."""
    if protocol == "all":
        from_port = to_port = None
        unresolved = tuple(u for u in unresolved if u == "protocol")
    elif protocol in ("icmp", "icmpv6"):
        # -1 is "every type" / "every code"
        from_port = None if from_port == -1 else from_port
        to_port = None if to_port == -1 else to_port
    rules: Rules = []
    for kind, text in sources:
        if kind == "cidr":
            canon = canonical_cidr(text)
            if canon is None:
                problems.append(LoadProblem(rule="AUD001", message=f"invalid CIDR {shown(text)}", loc=loc))
                continue
            text, kind = canon
        rules.append(
            SecurityGroupRule(
                protocol=protocol,
                from_port=from_port,
                to_port=to_port,
                source=text,
                source_kind=kind,  # type: ignore[arg-type]
                unresolved=unresolved,
                loc=loc,
                **fields,  # type: ignore[arg-type]
            )
        )
    return rules


def problem(message: str, loc: Loc) -> LoadProblem:
    return LoadProblem(rule="AUD001", message=message, loc=loc)


def shown(value: object, limit: int = 60) -> str:
    """A value for a message, kept short: inputs can hold huge strings or structures."""
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

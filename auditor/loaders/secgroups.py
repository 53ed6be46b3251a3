"""Security-group rules: format sniffing, dispatch, and the helpers every format shares.

Each format module (`secgroups_json`, `secgroups_terraform`, `secgroups_cfn`) reads its syntax and
hands `explode` one entry at a time; `explode` turns an entry into one `SecurityGroupRule` per
source, canonicalising CIDRs, protocols and ports the same way for every format.
"""
from __future__ import annotations

import ipaddress
import posixpath
import re
from typing import Iterable, Optional

from ..model import LoadProblem, Loc, SecurityGroupRule
from ..reader import Reader

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


# ---------------------------------------------------------------- dispatch

_TF_RESOURCE = re.compile(r'resource\s+"?aws_(?:security_group|security_group_rule|vpc_security_group_(?:ingress|egress)_rule)"?[\s{"]'
                          # a call to the security-group module: its inputs name the rules
                          r'|^\s*(?:ingress_rules|ingress_with_cidr_blocks|ingress_cidr_blocks)\s*=', re.M)


_CFN_RESOURCE_TYPE = re.compile(r'"Type"\s*:\s*"AWS::[A-Za-z0-9]+::')


def sniff_secgroup_format(path: str, text: str) -> Optional[str]:
    """"aws-json", "terraform", "cfn" or None, from the file name and a few substrings."""
    name = path.lower()
    if name.endswith(".json"):
        cfn_type = "AWS::EC2::SecurityGroup" in text
        if "AWSTemplateFormatVersion" in text or _CFN_RESOURCE_TYPE.search(text):
            # a CloudFormation template: ECS services and load balancers also name
            # "SecurityGroups", which does not make them describe-security-groups output
            return "cfn" if cfn_type else None
        if '"SecurityGroups"' in text or '"SecurityGroupRules"' in text or '"IpPermissions"' in text:
            return "aws-json"
        return "cfn" if cfn_type else None
    if name.endswith(".tf"):
        return "terraform" if _TF_RESOURCE.search(text) else None
    if name.endswith((".yaml", ".yml", ".template")):
        return "cfn" if "AWS::EC2::SecurityGroup" in text else None
    return None


def load_secgroups(reader: Reader, path: str) -> tuple[Rules, Problems]:
    """Rules of one file in whichever format it is; ([], []) when it holds no security groups."""
    text, read_problem = reader.read(path)
    if text is None:
        return [], [read_problem] if read_problem else []
    fmt = sniff_secgroup_format(path, text)
    # imported here: the format modules import the helpers above
    from . import secgroups_cfn, secgroups_json, secgroups_terraform

    try:
        if fmt == "aws-json":
            return secgroups_json.rules_from_aws_json(text, path, reader.limits)
        if fmt == "terraform":
            from .secgroups_terraform_values import folder_values, sg_module_preset

            folder = posixpath.dirname(path)
            folders: dict[str, object] = {}

            def load(f: str):
                if f not in folders:
                    folders[f] = folder_values(reader, f, secgroups_terraform.parse_hcl)
                return folders[f]

            return secgroups_terraform.rules_from_terraform(
                text, path, reader.limits.max_depth, folder=load(folder),  # type: ignore[arg-type]
                modules=lambda source: sg_module_preset(source, reader, folder, load))
        if fmt == "cfn":
            return secgroups_cfn.rules_from_cfn(text, path, reader.limits)
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, IndexError) as exc:
        # last line of defence for the loader contract: one odd file must not stop a scan
        # (the exception's text is not shown: it may quote a value of the file)
        return [], [problem(f"could not be loaded ({type(exc).__name__})", Loc(path=path))]
    return [], []

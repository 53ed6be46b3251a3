"""The security groups of `aws ec2 describe-security-group(s|-rules)` output."""
from __future__ import annotations

from typing import Any, Iterator, Optional

from ...reader import Limits
from ..source.json import JsonDoc, PosDict, parse_json
from .common import Problems, Rules, Source, explode, port_number, problem, protocol_name, shown


def rules_from_aws_json(text: str, path: str, limits: Limits = Limits()) -> tuple[Rules, Problems]:
    """Rules of `describe-security-groups` and/or `describe-security-group-rules` output."""
    doc, bad = parse_json(path, text, limits)
    if doc is None:
        return [], [bad] if bad else []
    rules: Rules = []
    problems: Problems = []
    top = doc.value
    if isinstance(top, list):  # output of `--query SecurityGroups` / `--query SecurityGroupRules`
        top = PosDict([("SecurityGroupRules" if _looks_like_rule_list(top) else "SecurityGroups", top)])
        top.offset = -1  # no `{` of its own: members are found from the start of the text
    if not isinstance(top, PosDict):
        return [], [problem("expected an object with SecurityGroups or SecurityGroupRules", doc.loc(top))]
    if "SecurityGroups" not in top and "SecurityGroupRules" not in top:
        problems.append(problem("no SecurityGroups or SecurityGroupRules in this JSON", doc.loc(top)))
    for _, group in _objects(doc, top, "SecurityGroups", problems, "security group"):
        _group_rules(doc, group, rules, problems)
    for _, rule in _objects(doc, top, "SecurityGroupRules", problems, "security group rule"):
        _rule_entry(doc, rule, rules, problems)
    return rules, problems


def _looks_like_rule_list(items: list[Any]) -> bool:
    return any(isinstance(x, dict) and ("SecurityGroupRuleId" in x or "IsEgress" in x) for x in items)


def _objects(doc: JsonDoc, obj: PosDict, key: str, problems: Problems, what: str) -> Iterator[tuple[int, PosDict]]:
    """The objects of list `obj[key]`; an AUD001 for the list or each item of the wrong shape."""
    items = obj.get(key)
    if items is None:
        return
    if not isinstance(items, list):
        problems.append(problem(f"{key} should be a list, not {_kind(items)}", doc.member_loc(obj, key)))
        return
    for i, item in enumerate(items):
        if isinstance(item, PosDict):
            yield i, item
        else:
            article = "an" if what[0] in "aeiouI" else "a"
            problems.append(problem(f"{key}[{i}] should be {article} {what} object, not {_kind(item)}", doc.item_loc(obj, key, i)))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "null" if value is None else "a number"


def _text(doc: JsonDoc, obj: PosDict, key: str, problems: Problems) -> Optional[str]:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    problems.append(problem(f"{key} should be a string, not {_kind(value)}", doc.member_loc(obj, key)))
    return None


def _protocol_ports(doc: JsonDoc, obj: PosDict, problems: Problems) -> Optional[tuple[str, Optional[int], Optional[int]]]:
    protocol = protocol_name(obj.get("IpProtocol"))
    if protocol is None:
        problems.append(problem(f"IpProtocol {shown(obj.get('IpProtocol'))} is not a protocol", doc.loc(obj)))
        return None
    ports = []
    for key in ("FromPort", "ToPort"):
        port, ok = port_number(obj.get(key))
        if not ok:
            problems.append(problem(f"{key} {shown(obj.get(key))} is not a port number", doc.member_loc(obj, key)))
            return None
        ports.append(port)
    return protocol, ports[0], ports[1]


_PERMISSION_SOURCES = (
    # list key, what an entry is, the entry's source key, source kind
    ("IpRanges", "IP range", "CidrIp", "cidr"),
    ("Ipv6Ranges", "IPv6 range", "CidrIpv6", "cidr"),
    ("UserIdGroupPairs", "group pair", "GroupId", "group"),
    ("PrefixListIds", "prefix list", "PrefixListId", "prefix-list"),
)


def _group_rules(doc: JsonDoc, group: PosDict, rules: Rules, problems: Problems) -> None:
    group_id = _text(doc, group, "GroupId", problems) or ""
    group_name = _text(doc, group, "GroupName", problems) or ""
    for key, direction in (("IpPermissions", "ingress"), ("IpPermissionsEgress", "egress")):
        for _, perm in _objects(doc, group, key, problems, "permission"):
            pp = _protocol_ports(doc, perm, problems)
            if pp is None:
                continue
            for list_key, what, source_key, kind in _PERMISSION_SOURCES:
                for _, entry in _objects(doc, perm, list_key, problems, what):
                    source = _text(doc, entry, source_key, problems)
                    if source is None and kind == "group":  # default-VPC pairs may name the group only
                        source = _text(doc, entry, "GroupName", problems)
                    if source is None:
                        problems.append(problem(f"{what} without {source_key}", doc.loc(entry)))
                        continue
                    rules += explode(
                        [(kind, source)],
                        loc=doc.loc(entry),
                        problems=problems,
                        protocol=pp[0],
                        from_port=pp[1],
                        to_port=pp[2],
                        group_id=group_id,
                        group_name=group_name,
                        direction=direction,
                        description=_text(doc, entry, "Description", problems) or "",
                    )


def _rule_entry(doc: JsonDoc, entry: PosDict, rules: Rules, problems: Problems) -> None:
    pp = _protocol_ports(doc, entry, problems)
    if pp is None:
        return
    sources: list[Source] = []
    for key, kind in (("CidrIpv4", "cidr"), ("CidrIpv6", "cidr"), ("PrefixListId", "prefix-list")):
        value = _text(doc, entry, key, problems)
        if value is not None:
            sources.append((kind, value))
    ref = entry.get("ReferencedGroupInfo")
    if isinstance(ref, PosDict):
        group = _text(doc, ref, "GroupId", problems)
        if group is not None:
            sources.append(("group", group))
    elif ref is not None:
        problems.append(problem(f"ReferencedGroupInfo should be an object, not {_kind(ref)}", doc.member_loc(entry, "ReferencedGroupInfo")))
    if not sources:
        problems.append(problem("security group rule without CidrIpv4, CidrIpv6, ReferencedGroupInfo or PrefixListId", doc.loc(entry)))
        return
    egress = entry.get("IsEgress")
    if not isinstance(egress, bool):
        problems.append(problem(f"IsEgress should be true or false, not {shown(egress)}", doc.loc(entry)))
        return
    rules += explode(
        sources,
        loc=doc.loc(entry),
        problems=problems,
        protocol=pp[0],
        from_port=pp[1],
        to_port=pp[2],
        group_id=_text(doc, entry, "GroupId", problems) or "",
        direction="egress" if egress else "ingress",
        description=_text(doc, entry, "Description", problems) or "",
    )

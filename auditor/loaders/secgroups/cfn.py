"""CloudFormation security groups (JSON or YAML templates).

YAML comes from `source/yaml` (positions kept, short-form intrinsics such as `!Ref` turned into
their long form by `cfn_tag`); JSON from `source/json.parse_json`. Both give mappings that
are dicts knowing where they start, so one walk over the template serves both.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ...model import Loc
from ...reader import Limits
from ..source.json import parse_json
from ..source.yaml import YList, YMap, cfn_tag, load_yaml
from .cfn_values import TemplateValues, via_parameters
from .common import Problems, Rules, Source, explode, port_number, problem, protocol_name, shown


class _YamlDoc:
    """A YAML template with the placing methods of `JsonDoc`."""

    def __init__(self, path: str, value: Any):
        self.path, self.value = path, value

    def loc(self, obj: Any) -> Loc:
        return obj.loc if isinstance(obj, (YMap, YList)) else Loc(path=self.path)

    def member_loc(self, obj: Any, key: str) -> Loc:
        """Where `key` of mapping `obj` is written."""
        return obj.key_loc(key) if isinstance(obj, YMap) else self.loc(obj)

    def item_loc(self, obj: Any, key: str, index: int) -> Loc:
        items = obj.get(key) if isinstance(obj, dict) else None
        return items.item_loc(index) if isinstance(items, YList) else self.member_loc(obj, key)


# ---------------------------------------------------------------- templates


def rules_from_cfn(text: str, path: str, limits: Limits = Limits()) -> tuple[Rules, Problems]:
    """Rules of the AWS::EC2::SecurityGroup(Ingress|Egress) resources of one template."""
    doc: Any
    problems: Problems = []
    if path.lower().endswith(".json") or text.lstrip().startswith("{"):
        doc, bad = parse_json(path, text, limits)
        if doc is None:
            return [], [bad] if bad else []
    else:
        value, problems = load_yaml(text, path, limits, on_tag=cfn_tag)
        if value is None:
            return [], problems
        doc = _YamlDoc(path, value)
    rules: Rules = []
    top = doc.value
    if not isinstance(top, dict):
        return [], problems + [problem("a CloudFormation template should be a mapping", doc.loc(top))]
    resources = top.get("Resources")
    if resources is None:
        return [], problems
    values = TemplateValues(top)
    if not isinstance(resources, dict):
        return [], problems + [problem("Resources should be a mapping", doc.member_loc(top, "Resources"))]
    for rkey, resource in resources.items():
        logical_id = str(rkey)  # YAML keys may be numbers
        if not isinstance(resource, dict):
            problems.append(problem(f"resource {shown(logical_id)} should be a mapping", doc.member_loc(resources, rkey)))
            continue
        rtype = resource.get("Type")
        props = resource.get("Properties", {})
        if rtype not in _TYPES:
            continue
        created = values.condition(resource.get("Condition")) if "Condition" in resource else None
        if created is not None and not created[0]:
            continue  # not created with the parameters' defaults
        if not isinstance(props, dict):
            problems.append(problem(f"{logical_id}: Properties should be a mapping", doc.member_loc(resource, "Properties")))
            continue
        if rtype == "AWS::EC2::SecurityGroup":
            group = {"group_id": logical_id, "group_name": _plain(props.get("GroupName"))}
            for key, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")):
                entries = values.branch(props.get(key))
                if entries is None or _intrinsic(entries):  # e.g. an unknown !If: nothing to list
                    continue
                if not isinstance(entries, list):
                    problems.append(problem(f"{logical_id}: {key} should be a list", doc.member_loc(props, key)))
                    continue
                for i, written in enumerate(entries):
                    entry = values.branch(written)
                    if entry is None:
                        continue  # `!Ref AWS::NoValue`, or a branch that adds nothing
                    if isinstance(entry, dict) and not _intrinsic(entry):
                        rules += _rule(doc, entry, direction, group, doc.loc(entry), problems, values)
                    elif not _intrinsic(entry):
                        problems.append(problem(f"{logical_id}: {key}[{i}] should be a mapping", doc.item_loc(props, key, i)))
        else:
            group = {"group_id": _ref_id(props.get("GroupId")), "group_name": _plain(props.get("GroupName"))}
            direction = "ingress" if rtype.endswith("Ingress") else "egress"
            rules += _rule(doc, props, direction, group, doc.member_loc(resources, rkey), problems, values)
    return rules, problems


_TYPES = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
_SOURCES = (
    ("CidrIp", "cidr"),
    ("CidrIpv6", "cidr"),
    ("SourceSecurityGroupId", "group"),
    ("SourceSecurityGroupName", "group"),
    ("SourcePrefixListId", "prefix-list"),
    ("DestinationSecurityGroupId", "group"),
    ("DestinationPrefixListId", "prefix-list"),
)


def _rule(doc: Any, entry: dict[str, Any], direction: str, group: dict[str, str], at: Loc,
          problems: Problems, values: Optional[TemplateValues] = None) -> Rules:
    unresolved: list[str] = []
    used: list[str] = []  # parameters whose defaults the rule's values rest on

    def known(value: Any) -> Any:
        """The value, with intrinsics resolved where the template alone decides them."""
        found = values.resolve(value) if values is not None and _intrinsic(value) else None
        if found is None or isinstance(found[0], (list, dict)):
            return value
        used.extend(found[1])
        return found[0]

    raw = known(entry.get("IpProtocol"))
    if raw is None:
        problems.append(problem("IpProtocol is missing", at))
        return []
    if _intrinsic(raw):
        protocol = _intrinsic_text(raw)
        unresolved.append("protocol")
    else:
        protocol = protocol_name(raw)  # type: ignore[assignment]
        if protocol is None:
            problems.append(problem(f"IpProtocol {shown(raw)} is not a protocol", at))
            return []
    ports = []
    for key, name in (("FromPort", "from_port"), ("ToPort", "to_port")):
        value = known(entry.get(key))
        if _intrinsic(value):
            ports.append(None)
            unresolved.append(name)
            continue
        port, ok = port_number(value)
        if not ok:
            problems.append(problem(f"{key} {shown(value)} is not a port number", doc.member_loc(entry, key)))
            return []
        ports.append(port)
    sources: list[Source] = []
    for key, kind in _SOURCES:
        value = known(entry.get(key)) if kind == "cidr" else entry.get(key)
        if value is None:
            continue
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            sources.append((kind, str(value)))
        elif not _intrinsic(value):
            problems.append(problem(f"{key} should be a string, not {_bounded_json(value, 40)}", doc.member_loc(entry, key)))
        elif kind != "cidr" and _ref_target(value):
            sources.append((kind, _ref_target(value)))  # type: ignore[arg-type]
        else:
            sources.append(("unknown", _intrinsic_text(value)))
    description = entry.get("Description")
    return explode(
        sources,
        loc=at,
        problems=problems,
        protocol=protocol,
        from_port=ports[0],
        to_port=ports[1],
        unresolved=tuple(unresolved),
        direction=direction,
        description=_intrinsic_text(description) if description is not None else "",
        via=via_parameters(tuple(dict.fromkeys(used))),
        **group,
    )


def _intrinsic(value: Any) -> bool:
    """A one-key mapping `Ref`, `Condition` or `Fn::...`: a value CloudFormation computes."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or (isinstance(key, str) and key.startswith("Fn::"))


def _ref_target(value: Any) -> Optional[str]:
    """The logical id a `Ref` or `Fn::GetAtt` points at (`!GetAtt WebSG.GroupId` -> "WebSG")."""
    if not _intrinsic(value):
        return None
    (fn, arg), = value.items()
    if fn == "Ref" and isinstance(arg, str):
        return arg
    if fn == "Fn::GetAtt":
        if isinstance(arg, str) and arg:
            return arg.split(".", 1)[0]
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            return arg[0]
    return None


def _ref_id(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _ref_target(value) or _intrinsic_text(value)


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _intrinsic_text(value: Any, budget: int = 200) -> str:
    """A short, bounded text for any value: `!Ref X`, `!GetAtt A.B`, `!Sub '...'`, else compact JSON."""
    if isinstance(value, str):
        return value
    if _intrinsic(value):
        (fn, arg), = value.items()
        name = fn[4:] if fn.startswith("Fn::") else fn
        if name == "GetAtt" and isinstance(arg, list) and all(isinstance(x, str) for x in arg):
            return f"!GetAtt {'.'.join(arg)}"
        return f"!{name} {_bounded_json(arg, budget)}" if not isinstance(arg, str) else f"!{name} {arg}"
    return _bounded_json(value, budget)


def _bounded_json(value: Any, budget: int) -> str:
    """Compact JSON cut at `budget` characters; shared YAML anchors are never expanded past it."""
    out: list[str] = []
    size = 0
    todo: list[Any] = [value]  # values, or ("raw", text) pieces, in writing order
    while todo and size < budget:
        item = todo.pop()
        if isinstance(item, tuple):
            piece = item[1]
        elif isinstance(item, dict):
            parts: list[Any] = [("raw", "{")]
            for n, (k, v) in enumerate(item.items()):
                parts += [("raw", ("," if n else "") + json.dumps(str(k)) + ":"), v]
            todo += reversed(parts + [("raw", "}")])
            continue
        elif isinstance(item, list):
            parts = [("raw", "[")]
            for n, v in enumerate(item):
                parts += ([("raw", ",")] if n else []) + [v]
            todo += reversed(parts + [("raw", "]")])
            continue
        else:
            piece = json.dumps(item) if isinstance(item, (str, int, float, bool)) or item is None else str(item)
        out.append(piece)
        size += len(piece)
    text = "".join(out)
    return text if size < budget and not todo else text[:budget] + "..."

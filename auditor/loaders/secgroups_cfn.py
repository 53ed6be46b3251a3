"""CloudFormation security groups (JSON or YAML templates).

YAML is built here from libyaml's event stream rather than `yaml.load`: short-form intrinsics
(`!Ref`, `!GetAtt`, `!Sub`...) need no constructors, mappings keep their start lines, anchors
are shared rather than copied (no alias bombs), and nesting and node counts are checked as
events arrive, without recursion.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator, Optional

import yaml

from ..model import LoadProblem, Loc
from ..reader import Limits, Reader
from .secgroups import Problems, Rules, Source, explode, port_number, problem, protocol_name
from .secgroups_json import PosDict, parse_json

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?")


class PosList(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers where each item starts."""

    __slots__ = ("item_pos",)

    def __init__(self) -> None:
        super().__init__()
        self.item_pos: list[tuple[int, int]] = []


class YamlDoc:
    """A YAML document with the same placing methods as `JsonDoc`."""

    def __init__(self, path: str, value: Any):
        self.path, self.value = path, value

    def loc(self, obj: Any) -> Loc:
        if isinstance(obj, PosDict):
            return Loc(path=self.path, line=obj.line, column=obj.column)
        return Loc(path=self.path)

    def member_loc(self, obj: Any, key: str) -> Loc:
        """Where `key` of mapping `obj` is written."""
        pos = obj.key_pos.get(key) if isinstance(obj, PosDict) and obj.key_pos else None
        return Loc(path=self.path, line=pos[0], column=pos[1]) if pos else self.loc(obj)

    def item_loc(self, obj: Any, key: str, index: int) -> Loc:
        items = obj.get(key) if isinstance(obj, PosDict) else None
        if isinstance(items, PosList) and index < len(items.item_pos):
            line, column = items.item_pos[index]
            return Loc(path=self.path, line=line, column=column)
        return self.member_loc(obj, key)


def parse_yaml(path: str, text: str, limits: Limits = Limits()) -> tuple[Optional[YamlDoc], Optional[LoadProblem]]:
    """The first document of `text`, or an AUD001 problem; never raises."""
    try:
        return _build(path, yaml.parse(text, Loader=_Loader), limits)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Loc(path=path, line=mark.line + 1, column=mark.column + 1) if mark else Loc(path=path)
        return None, problem(f"invalid YAML: {exc.problem or exc.context}", loc)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return None, problem(f"invalid YAML: {exc}", Loc(path=path))


class _Frame:
    __slots__ = ("value", "tag", "anchor", "key", "key_pos", "has_key")

    def __init__(self, value: Any, tag: Optional[str], anchor: Optional[str]):
        self.value, self.tag, self.anchor = value, tag, anchor
        self.key: Any = None
        self.key_pos: tuple[int, int] = (1, 1)
        self.has_key = False


def _build(path: str, events: Iterator[Any], limits: Limits) -> tuple[Optional[YamlDoc], Optional[LoadProblem]]:
    anchors: dict[str, Any] = {}
    stack: list[_Frame] = []
    count = 0
    for ev in events:
        count += 1
        if count > limits.max_yaml_nodes:
            return None, _at(path, ev, f"more than {limits.max_yaml_nodes} YAML nodes; not loaded")
        pos = (ev.start_mark.line + 1, ev.start_mark.column + 1) if ev.start_mark else (1, 1)
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= limits.max_depth:
                return None, _at(path, ev, f"nested deeper than {limits.max_depth} levels; not loaded")
            if isinstance(ev, yaml.MappingStartEvent):
                mapping = PosDict()
                mapping.line, mapping.column = pos
                mapping.key_pos = {}
                value: Any = mapping
            else:
                value = PosList()
            stack.append(_Frame(value, ev.tag, ev.anchor))
            continue
        if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            value = _tagged(frame.tag, frame.value)
            if frame.anchor:
                anchors[frame.anchor] = value
        elif isinstance(ev, yaml.ScalarEvent):
            value = _tagged(ev.tag, _scalar(ev))
            if ev.anchor:
                anchors[ev.anchor] = value
        elif isinstance(ev, yaml.AliasEvent):
            if ev.anchor not in anchors:
                return None, _at(path, ev, f"alias *{ev.anchor} names no anchor")
            value = anchors[ev.anchor]
        elif isinstance(ev, yaml.DocumentEndEvent):
            break  # a template is one document
        else:
            continue
        if not stack:
            return YamlDoc(path, value), None
        _attach(stack[-1], value, pos)
    return YamlDoc(path, None), None


def _attach(parent: _Frame, value: Any, pos: tuple[int, int]) -> None:
    if isinstance(parent.value, PosList):
        parent.value.append(value)
        parent.value.item_pos.append(pos)
    elif not parent.has_key:
        parent.key, parent.key_pos, parent.has_key = value, pos, True
    else:
        parent.has_key = False
        if isinstance(parent.key, (str, int, float, bool)) or parent.key is None:  # complex keys are dropped
            key = parent.key if isinstance(parent.key, str) else str(parent.key)
            parent.value[key] = value
            parent.value.key_pos[key] = parent.key_pos


def _at(path: str, ev: Any, message: str) -> LoadProblem:
    mark = ev.start_mark
    return problem(message, Loc(path=path, line=mark.line + 1, column=mark.column + 1) if mark else Loc(path=path))


def _scalar(ev: Any) -> Any:
    value = ev.value
    if ev.tag not in (None, "!", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
        return value
    if ev.tag == "!" or (ev.tag is None and not ev.implicit[0]):  # quoted: a string
        return value
    if value in ("", "~", "null", "Null", "NULL") and ev.tag in (None, "tag:yaml.org,2002:null"):
        return None
    if value in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return value.lower() == "true"
    if len(value) > 40:  # no port or protocol number; and int() refuses very long digit strings
        return value
    if _INT.fullmatch(value):
        return int(value.replace("_", ""))
    if _FLOAT.fullmatch(value):
        return float(value.replace("_", ""))
    return value


def _tagged(tag: Optional[str], value: Any) -> Any:
    """A short-form intrinsic as its long form: `!Ref X` -> {"Ref": "X"}, `!Sub s` -> {"Fn::Sub": s}."""
    if not tag or not tag.startswith("!") or tag == "!":
        return value
    name = tag[1:]
    wrapper = PosDict([(name if name in ("Ref", "Condition") else f"Fn::{name}", value)])
    if isinstance(value, PosDict):
        wrapper.line, wrapper.column = value.line, value.column
    return wrapper


# ---------------------------------------------------------------- templates


def load_cfn(reader: Reader, path: str) -> tuple[Rules, Problems]:
    text, read_problem = reader.read(path)
    if text is None:
        return [], [read_problem] if read_problem else []
    return rules_from_cfn(text, path, reader.limits)


def rules_from_cfn(text: str, path: str, limits: Limits = Limits()) -> tuple[Rules, Problems]:
    """Rules of the AWS::EC2::SecurityGroup(Ingress|Egress) resources of one template."""
    doc: Any
    if path.lower().endswith(".json") or text.lstrip().startswith("{"):
        doc, bad = parse_json(path, text, limits)
    else:
        doc, bad = parse_yaml(path, text, limits)
    if doc is None:
        return [], [bad] if bad else []
    rules: Rules = []
    problems: Problems = []
    top = doc.value
    if not isinstance(top, PosDict):
        return [], [problem("a CloudFormation template should be a mapping", doc.loc(top))]
    resources = top.get("Resources")
    if resources is None:
        return [], []
    if not isinstance(resources, PosDict):
        return [], [problem("Resources should be a mapping", doc.member_loc(top, "Resources"))]
    for logical_id, resource in resources.items():
        if not isinstance(resource, PosDict):
            problems.append(problem(f"resource {logical_id} should be a mapping", doc.member_loc(resources, logical_id)))
            continue
        rtype = resource.get("Type")
        props = resource.get("Properties", PosDict())
        if rtype not in _TYPES:
            continue
        if not isinstance(props, PosDict):
            problems.append(problem(f"{logical_id}: Properties should be a mapping", doc.member_loc(resource, "Properties")))
            continue
        if rtype == "AWS::EC2::SecurityGroup":
            group = {"group_id": logical_id, "group_name": _plain(props.get("GroupName"))}
            for key, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")):
                entries = props.get(key)
                if entries is None or _intrinsic(entries):  # e.g. !If: nothing we can list
                    continue
                if not isinstance(entries, list):
                    problems.append(problem(f"{logical_id}: {key} should be a list", doc.member_loc(props, key)))
                    continue
                for i, entry in enumerate(entries):
                    if isinstance(entry, PosDict) and not _intrinsic(entry):
                        rules += _rule(doc, entry, direction, group, doc.loc(entry), problems)
                    elif not _intrinsic(entry):
                        problems.append(problem(f"{logical_id}: {key}[{i}] should be a mapping", doc.item_loc(props, key, i)))
        else:
            group = {"group_id": _ref_id(props.get("GroupId")), "group_name": _plain(props.get("GroupName"))}
            direction = "ingress" if rtype.endswith("Ingress") else "egress"
            rules += _rule(doc, props, direction, group, doc.member_loc(resources, logical_id), problems)
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


def _rule(doc: Any, entry: PosDict, direction: str, group: dict[str, str], at: Loc, problems: Problems) -> Rules:
    unresolved: list[str] = []
    raw = entry.get("IpProtocol")
    if raw is None:
        problems.append(problem("IpProtocol is missing", at))
        return []
    if _intrinsic(raw):
        protocol = _intrinsic_text(raw)
        unresolved.append("protocol")
    else:
        protocol = protocol_name(raw)  # type: ignore[assignment]
        if protocol is None:
            problems.append(problem(f"IpProtocol {raw!r} is not a protocol", at))
            return []
    ports = []
    for key, name in (("FromPort", "from_port"), ("ToPort", "to_port")):
        value = entry.get(key)
        if _intrinsic(value):
            ports.append(None)
            unresolved.append(name)
            continue
        port, ok = port_number(value)
        if not ok:
            problems.append(problem(f"{key} {value!r} is not a port number", doc.member_loc(entry, key)))
            return []
        ports.append(port)
    sources: list[Source] = []
    for key, kind in _SOURCES:
        value = entry.get(key)
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

"""CloudFormation values known before deployment: parameter defaults, literal mappings,
conditions over them, and the intrinsics that combine them (`Fn::If`, `Fn::Sub`,
`Fn::FindInMap`, `Fn::Join`, `Fn::Select`).

Most stacks are deployed with their parameters' defaults, so `CidrIp: !Ref SSHLocation` with
`SSHLocation: {Default: 0.0.0.0/0}` opens SSH to the world unless someone overrides it. A value
that depends on anything else (pseudo parameters such as `AWS::Region`, resource attributes,
imports, parameters without a default) stays unknown. Each resolved value carries the names of
the parameters whose defaults it rests on, so findings can say why.
"""
from __future__ import annotations

import re
from typing import Any, Optional

# (value, parameters whose defaults it rests on); None: not known statically.
Known = Optional[tuple[Any, tuple[str, ...]]]

_MAX_DEPTH = 24  # intrinsics nest a few levels in real templates; hostile ones are cut here
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def _intrinsic(value: Any) -> Optional[tuple[str, Any]]:
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn in ("Ref", "Condition") or (isinstance(fn, str) and fn.startswith("Fn::")):
            return fn, arg
    return None


class TemplateValues:
    """Resolves values of one template statically."""

    def __init__(self, top: Any):
        params = top.get("Parameters") if isinstance(top, dict) else None
        self.defaults: dict[str, Any] = {}
        for name, spec in (params.items() if isinstance(params, dict) else ()):
            if isinstance(spec, dict) and "Default" in spec:
                default = spec["Default"]
                if isinstance(default, (str, int, float)) and not isinstance(default, bool):
                    self.defaults[str(name)] = default
        mappings = top.get("Mappings") if isinstance(top, dict) else None
        self.mappings = mappings if isinstance(mappings, dict) else {}
        conditions = top.get("Conditions") if isinstance(top, dict) else None
        self.conditions = conditions if isinstance(conditions, dict) else {}

    # -- values ------------------------------------------------------------------

    def resolve(self, value: Any, depth: int = 0) -> Known:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(value, bool) or value is None:
            return (value, ())
        if isinstance(value, (str, int, float)):
            return (value, ())
        call = _intrinsic(value)
        if call is None:
            if isinstance(value, list):
                return self._all(value, depth)
            return None  # a mapping: not a scalar we could use
        fn, arg = call
        if fn == "Ref":
            if isinstance(arg, str) and arg in self.defaults:
                return (self.defaults[arg], (arg,))
            return None
        handler = {
            "Fn::If": self._if, "Fn::Sub": self._sub, "Fn::FindInMap": self._find_in_map,
            "Fn::Join": self._join, "Fn::Select": self._select,
        }.get(fn)
        return handler(arg, depth + 1) if handler else None

    def _all(self, items: list, depth: int) -> Known:
        out, used = [], []
        for item in items:
            known = self.resolve(item, depth + 1)
            if known is None:
                return None
            out.append(known[0])
            used += known[1]
        return (out, _unique(used))

    def _if(self, arg: Any, depth: int) -> Known:
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return None
        cond = self.condition(arg[0], depth)
        if cond is not None:
            chosen = self.resolve(arg[1] if cond[0] else arg[2], depth)
            return None if chosen is None else (chosen[0], _unique(cond[1] + chosen[1]))
        # the condition is unknown: the value is still known when both branches agree
        a, b = self.resolve(arg[1], depth), self.resolve(arg[2], depth)
        if a is not None and b is not None and a[0] == b[0]:
            return (a[0], _unique(a[1] + b[1]))
        return None

    def _sub(self, arg: Any, depth: int) -> Known:
        if isinstance(arg, str):
            text, names = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            text, names = arg[0], arg[1]
        else:
            return None
        used: list[str] = []
        unknown = False

        def one(m: re.Match[str]) -> str:
            nonlocal unknown
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # `${!Literal}` is written as is
            known = self.resolve(names[name], depth) if name in names else (
                self.resolve({"Ref": name}, depth) if "." not in name else None)
            if known is None or not isinstance(known[0], (str, int, float)):
                unknown = True
                return ""
            used.extend(known[1])
            return str(known[0])

        out = _SUB_VAR.sub(one, text)
        return None if unknown else (out, _unique(used))

    def _find_in_map(self, arg: Any, depth: int) -> Known:
        if not (isinstance(arg, list) and len(arg) == 3):
            return None
        table = self.resolve(arg[0], depth)
        if table is None or not isinstance(self.mappings.get(table[0]), dict):
            return None
        mapping = self.mappings[table[0]]
        top = self.resolve(arg[1], depth)
        second = self.resolve(arg[2], depth)
        if second is None:
            return None
        if top is not None:
            row = mapping.get(top[0])
            value = row.get(second[0]) if isinstance(row, dict) else None
            known = self.resolve(value, depth) if value is not None else None
            return None if known is None else (known[0], _unique(top[1] + second[1] + known[1]))
        # an unknown first key (usually the region): known when every row agrees
        values = [row.get(second[0]) for row in mapping.values() if isinstance(row, dict)]
        if values and all(v == values[0] for v in values) and isinstance(values[0], (str, int, float)):
            return (values[0], second[1])
        return None

    def _join(self, arg: Any, depth: int) -> Known:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return None
        parts = self.resolve(arg[1], depth)
        if parts is None or not isinstance(parts[0], list):
            return None
        if not all(isinstance(p, (str, int, float)) for p in parts[0]):
            return None
        return (arg[0].join(str(p) for p in parts[0]), parts[1])

    def _select(self, arg: Any, depth: int) -> Known:
        if not (isinstance(arg, list) and len(arg) == 2):
            return None
        index, items = self.resolve(arg[0], depth), self.resolve(arg[1], depth)
        if index is None or items is None or not isinstance(items[0], list):
            return None
        try:
            i = int(index[0])
        except (TypeError, ValueError):
            return None
        if not 0 <= i < len(items[0]):
            return None
        return (items[0][i], _unique(index[1] + items[1]))

    def branch(self, value: Any, depth: int = 0) -> Any:
        """`value` with `Fn::If` unwrapped where the condition is known, and
        `!Ref AWS::NoValue` as None: what the template writes once deployed with defaults."""
        while depth <= _MAX_DEPTH:
            call = _intrinsic(value)
            if call is None:
                return value
            fn, arg = call
            if fn == "Ref" and arg == "AWS::NoValue":
                return None
            if fn != "Fn::If" or not (isinstance(arg, list) and len(arg) == 3):
                return value
            cond = self.condition(arg[0], depth)
            if cond is None:
                return value
            value = arg[1] if cond[0] else arg[2]
            depth += 1
        return None

    # -- conditions ----------------------------------------------------------------

    def condition(self, name: Any, depth: int = 0) -> Optional[tuple[bool, tuple[str, ...]]]:
        """Whether a named condition holds with the defaults, and the parameters it reads."""
        if not isinstance(name, str) or depth > _MAX_DEPTH:
            return None
        return self._truth(self.conditions.get(name), depth + 1)

    def _truth(self, expr: Any, depth: int) -> Optional[tuple[bool, tuple[str, ...]]]:
        if depth > _MAX_DEPTH:
            return None
        call = _intrinsic(expr)
        if call is None:
            return None
        fn, arg = call
        if fn == "Condition":
            return self.condition(arg, depth)
        if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = self.resolve(arg[0], depth), self.resolve(arg[1], depth)
            if a is None or b is None:
                return None
            return (str(a[0]) == str(b[0]), _unique(a[1] + b[1]))
        if fn == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            inner = self._truth(arg[0], depth + 1)
            return None if inner is None else (not inner[0], inner[1])
        if fn in ("Fn::And", "Fn::Or") and isinstance(arg, list) and arg:
            parts = [self._truth(a, depth + 1) for a in arg]
            if any(p is None for p in parts):
                return None
            values = [p[0] for p in parts]  # type: ignore[index]
            used = _unique([n for p in parts for n in p[1]])  # type: ignore[union-attr]
            return (all(values) if fn == "Fn::And" else any(values), used)
        return None


def _unique(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def via_parameters(names: tuple[str, ...]) -> str:
    """The phrase a finding appends: "by default (parameter SSHLocation)"."""
    if not names:
        return ""
    label = "parameter" if len(names) == 1 else "parameters"
    return f"by default ({label} {', '.join(names)})"

"""Terraform security groups: a small HCL reader for exactly the resources we audit.

Why not python-hcl2: tried here (8.1.4), it took ~12 s for 5,000 rules and a single syntax
error anywhere loses the whole file. This reader tokenises once with one regex, then walks
tokens with explicit stacks (no recursion over input nesting, so 20,000 levels cannot overflow),
and recovers from broken input with AUD001s while keeping every resource it could read.
Values that are expressions (`var.x`, `local.cidrs`, `"${...}"`) are kept as their text.
"""
from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ...model import LoadProblem, Loc
from ...reader import Limits, Lines
from .common import Problems, Rules, Source, explode, port_number, problem, protocol_name, shown
from .terraform_values import FolderValues, Resolver, named_rule, split_cidrs

_MAX_PROBLEMS = 20  # syntax problems reported per file; hostile input could make thousands

# ---------------------------------------------------------------- tokens


class Tokens:
    """Tokens as parallel lists (no object per token: a large file makes hundreds of thousands)."""

    def __init__(self) -> None:
        self.kind: list[str] = []  # "nl", "ident", "num", "str", "op"
        self.text: list[str] = []  # name, operator, number; "str": the value, or a template's source
        # offsets in machine integers: a file of a million braces must not cost a million ints
        self.start: "array[int]" = array("q")
        self.end: "array[int]" = array("q")
        self.templates: set[int] = set()  # "str" tokens holding ${...} / %{...}, or unterminated

    def add(self, kind: str, text: str, start: int, end: int, literal: bool = True) -> None:
        if not literal:
            self.templates.add(len(self.kind))
        self.kind.append(kind)
        self.text.append(text)
        self.start.append(start)
        self.end.append(end)


# Ordered by frequency; each alternative takes at least one character, so scanning always moves on.
# "str" takes simple strings whole; a string with ${...}, %{...} or no end is "tstr", scanned apart.
_TOKEN = re.compile(
    r"""[ \t\f\v\r]*(?:
      (?P<nl>\n)
    | (?P<ident>[^\W\d][\w-]*)
    | (?P<str>"(?:[^"\\\n$%]|\\[^\n]|\$(?!\{)|%(?!\{))*")
    | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<comment>(?:\#|//)[^\n]*)
    | (?P<bcomment>/\*(?:.*?\*/)?)
    | (?P<heredoc><<(?P<indent>-?)(?P<tag>[^\W\d][\w-]*)[ \t\r]*\n)
    | (?P<tstr>")
    | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|.)
    )""",
    re.X | re.S,
)
_IN_STR = re.compile(r'[^"\\\n$%]+')
_IN_TEMPLATE = re.compile(r'[^"{}]+')
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|\$\$\{|%%\{', re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_INTERPOLATION = re.compile(r"(?<![$%])[$%]\{")


def _unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        whole = m.group(0)
        if whole in ("$${", "%%{"):
            return whole[1:]
        code = m.group(1) or m.group(2)
        if code:
            return chr(int(code, 16)) if int(code, 16) <= 0x10FFFF else "\ufffd"
        return _SIMPLE_ESCAPES.get(m.group(3), whole)

    return _ESCAPE.sub(one, raw)


def _scan_template(text: str, pos: int) -> tuple[int, bool]:
    """End of the quoted template whose `"` is at `pos`, and whether it was closed.

    Interpolations may hold braces and quoted strings of their own, so a stack tracks them:
    "s" for inside quotes, an int for the brace depth inside `${ }`.
    """
    n = len(text)
    stack: list[Any] = ["s"]
    i = pos + 1
    while i < n:
        top = stack[-1]
        if top == "s":
            m = _IN_STR.match(text, i)
            if m:
                i = m.end()
                continue
            c = text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                stack.pop()
                i += 1
                if not stack:
                    return i, True
            elif c == "\n":
                return i, False
            elif text.startswith("{", i + 1):
                stack.append(0)
                i += 2
            elif text.startswith(c + "{", i + 1):  # $${ and %%{ are literal
                i += 3
            else:
                i += 1
        else:
            m = _IN_TEMPLATE.match(text, i)
            if m:
                i = m.end()
                continue
            c = text[i]
            if c == '"':
                stack.append("s")
            elif c == "{":
                stack[-1] += 1
            elif top == 0:
                stack.pop()
            else:
                stack[-1] -= 1
            i += 1
    return n, False


class _Issues(list):
    """Syntax issues: the first few kept, the others only counted (garbage makes one per byte)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def append(self, item: tuple[str, int]) -> None:
        self.count += 1
        if len(self) <= _MAX_PROBLEMS:
            super().append(item)


def tokenize(text: str) -> tuple[Tokens, list[tuple[str, int]]]:
    """Tokens (comments dropped, newlines kept: they end attributes) and (message, offset) issues."""
    toks = Tokens()
    issues = _Issues()
    kinds, texts, starts, ends = toks.kind.append, toks.text.append, toks.start.append, toks.end.append
    pos, n = 0, len(text)
    while pos < n:
        resume = n
        for m in _TOKEN.finditer(text, pos):
            kind = m.lastgroup
            if kind == "nl" or kind == "ident" or kind == "op" or kind == "num":
                kinds(kind)
                texts(m.group(kind))
                starts(m.start(kind))
                ends(m.end())
            elif kind == "str":
                body = m.group(kind)[1:-1]
                toks.add("str", _unescape(body) if "\\" in body or "{" in body else body, m.start(kind), m.end())
            elif kind == "bcomment":
                start, body = m.start(kind), m.group(kind)
                if len(body) < 4 or not body.endswith("*/"):
                    issues.append(("unterminated /* comment", start))
                    break
                if "\n" in body:  # a comment spanning lines separates like a newline
                    toks.add("nl", "\n", start, m.end())
            elif kind == "tstr":
                start = m.start(kind)
                resume, closed = _scan_template(text, start)
                if not closed:
                    issues.append(("unterminated string", start))
                body = text[start + 1 : resume - 1 if closed else resume]
                literal = closed and not _INTERPOLATION.search(body)
                toks.add("str", _unescape(body) if literal else body, start, resume, literal)
                break  # the scan resumes past the string
            elif kind == "heredoc":
                resume = _heredoc(text, m, toks, issues)
                break
        else:
            break
        pos = resume
    return toks, issues


def _heredoc(text: str, m: re.Match[str], toks: Tokens, issues: list[tuple[str, int]]) -> int:
    body_start = m.end()
    closing = re.compile(r"^[ \t]*" + re.escape(m.group("tag")) + r"[ \t\r]*$", re.M).search(text, body_start)
    if closing is None:
        issues.append((f"heredoc <<{m.group('tag')} is never closed", m.start("heredoc")))
        body, end = text[body_start:], len(text)
    else:
        body, end = text[body_start : closing.start()], closing.end()
    if m.group("indent"):
        body_lines = body.split("\n")
        widths = [len(l) - len(l.lstrip(" \t")) for l in body_lines if l.strip()]
        cut = min(widths, default=0)
        body = "\n".join(l[cut:] for l in body_lines)
    literal = not _INTERPOLATION.search(body)
    body = body[:-1] if body.endswith("\n") else body
    toks.add("str", body.replace("$${", "${").replace("%%{", "%{") if literal else body, m.start("heredoc"), end, literal)
    return end


# ---------------------------------------------------------------- structure


@dataclass(slots=True)
class Expr:
    kind: str  # "str", "num", "bool", "null", "list", "object", "raw"
    value: Any  # str | int | float | bool | None | list[Expr] | dict[str, Expr] | expression text
    start: int


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    start: int
    attrs: dict[str, Expr] = field(default_factory=dict)
    blocks: list["Block"] = field(default_factory=list)


_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks, self.issues = tokenize(text)
        self.kind, self.tok = self.toks.kind, self.toks.text
        self.match = self._match_brackets()

    def _match_brackets(self) -> list[int]:
        """Index of each opener's closer (-1: unclosed), so skipping a value is one jump."""
        kind, tok = self.kind, self.tok
        match = [-1] * len(kind)
        stack: list[int] = []
        self.depth = 0
        for j, k in enumerate(kind):
            if k != "op":
                continue
            if tok[j] in _OPEN:
                stack.append(j)
                if len(stack) > self.depth:
                    self.depth = len(stack)
            elif tok[j] in _CLOSE and stack:
                opener = stack.pop()
                match[opener] = j
                if _OPEN[tok[opener]] != tok[j]:
                    self.issues.append((f"{tok[opener]!r} closed by {tok[j]!r}", self.toks.start[j]))
        return match

    def _is(self, j: int, op: str) -> bool:
        return self.kind[j] == "op" and self.tok[j] == op

    def parse(self) -> Block:
        kind, tok, start, n = self.kind, self.tok, self.toks.start, len(self.kind)
        root = Block("", [], 0)
        stack = [root]
        i = 0
        while i < n:
            k = kind[i]
            if k == "nl":
                i += 1
                continue
            if k == "ident" and i + 1 < n and self._is(i + 1, "="):
                end = self._value_end(i + 2)
                stack[-1].attrs[tok[i]] = self.expr(i + 2, end)
                i = end
                continue
            if k == "ident":
                j = i + 1
                while j < n and kind[j] in ("str", "ident"):
                    j += 1
                if j < n and self._is(j, "{"):
                    block = Block(tok[i], tok[i + 1 : j], start[i])
                    stack[-1].blocks.append(block)
                    stack.append(block)
                    i = j + 1
                else:  # not a block header: skip the whole run, so a line of names stays linear
                    self.issues.append((f"unexpected {shown(tok[i])}", start[i]))
                    i = j
                continue
            if self._is(i, "}"):
                if len(stack) > 1:
                    stack.pop()
                else:
                    self.issues.append(("unexpected '}'", start[i]))
            elif self._is(i, "{"):  # keep braces balanced inside garbage
                self.issues.append(("unexpected '{'", start[i]))
                stack.append(Block("", [], start[i]))
            else:
                self.issues.append((f"unexpected {shown(tok[i])}" if k != "str" else "unexpected string", start[i]))
            i += 1
        if len(stack) > 1:
            self.issues.append((f"block {stack[1].type or '{'} is never closed", stack[1].start))
        return root

    def _value_end(self, j: int) -> int:
        """Index just past an attribute's value: the newline, or a closer of the enclosing block."""
        kind, tok, n = self.kind, self.tok, len(self.kind)
        while j < n:
            k = kind[j]
            if k == "nl":
                break
            if k == "op":
                if tok[j] in _OPEN:
                    if self.match[j] < 0:
                        self.issues.append((f"{tok[j]!r} is never closed", self.toks.start[j]))
                        while j < n and kind[j] != "nl":  # recover at the end of the line
                            j += 1
                        break
                    j = self.match[j]
                elif tok[j] in _CLOSE:
                    break
            j += 1
        return j

    # -- values ---------------------------------------------------------------

    def expr(self, a: int, b: int, level: int = 0) -> Expr:
        """The value of tokens [a, b): a literal, a list or object of them, or expression text."""
        kind, tok, start = self.kind, self.tok, self.toks.start
        while a < b and kind[a] == "nl":
            a += 1
        while b > a and kind[b - 1] == "nl":
            b -= 1
        if a >= b:
            return Expr("raw", "", self.toks.end[a - 1] if 0 < a <= len(kind) else 0)
        if b - a == 1:
            if kind[a] == "str":
                return Expr("raw" if a in self.toks.templates else "str", tok[a], start[a])
            if kind[a] == "num":
                return Expr("num", _number(tok[a]), start[a])
            if kind[a] == "ident" and tok[a] in ("true", "false"):
                return Expr("bool", tok[a] == "true", start[a])
            if kind[a] == "ident" and tok[a] == "null":
                return Expr("null", None, start[a])
        if b - a == 2 and self._is(a, "-") and kind[a + 1] == "num":
            return Expr("num", -_number(tok[a + 1]), start[a])
        if level < 3 and kind[a] == "op" and tok[a] in ("[", "{") and self.match[a] == b - 1:
            if tok[a] == "[":
                return Expr("list", [self.expr(x, y, level + 1) for x, y in self._split(a + 1, b - 1)], start[a])
            obj = self._object(a + 1, b - 1, level)
            if obj is not None:
                return Expr("object", obj, start[a])
        return Expr("raw", " ".join(self.text[start[a] : self.toks.end[b - 1]].split()), start[a])

    def _split(self, a: int, b: int) -> list[tuple[int, int]]:
        """Token spans of comma-separated items in [a, b)."""
        kind, tok = self.kind, self.tok
        spans, j, item = [], a, a
        while j < b:
            if kind[j] == "op":
                if tok[j] in _OPEN and self.match[j] > 0:
                    j = min(self.match[j], b - 1)
                elif tok[j] == ",":
                    spans.append((item, j))
                    item = j + 1
            j += 1
        if any(k != "nl" for k in kind[item:b]):
            spans.append((item, b))
        return spans

    def _object(self, a: int, b: int, level: int) -> Optional[dict[str, Expr]]:
        """`{ key = value, ... }` (keys names or strings, `=` or `:`); None if it is something else."""
        kind, tok = self.kind, self.tok
        obj: dict[str, Expr] = {}
        j = a
        while j < b:
            if kind[j] == "nl" or self._is(j, ","):
                j += 1
                continue
            if kind[j] not in ("ident", "str") or j + 1 >= b or not (self._is(j + 1, "=") or self._is(j + 1, ":")):
                return None  # e.g. a `for` expression
            end = self._member_end(j + 2, b)
            obj[tok[j]] = self.expr(j + 2, end, level + 1)
            j = end
        return obj

    def _member_end(self, j: int, b: int) -> int:
        """End of an object member's value: a newline or comma outside brackets, or `b`."""
        while j < b:
            if self.kind[j] == "nl" or self._is(j, ","):
                return j
            if self.kind[j] == "op" and self.tok[j] in _OPEN and 0 < self.match[j] < b:
                j = self.match[j]
            j += 1
        return b


def _number(text: str) -> Any:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 1 << 53 else value


def parse_hcl(text: str) -> tuple[Block, list[tuple[str, int]]]:
    """The block tree of an HCL file and (message, offset) syntax issues; never raises."""
    parser = _Parser(text)
    root = parser.parse()
    return root, parser.issues


# ---------------------------------------------------------------- security groups


def rules_from_terraform(text: str, path: str, max_depth: int = Limits().max_depth,
                         folder: Optional[FolderValues] = None,
                         modules: Optional[Callable[[str], Optional[tuple[str, tuple[str, ...]]]]] = None,
                         ) -> tuple[Rules, Problems]:
    """Rules of one file; `folder` holds the variable defaults and locals of its module folder,
    `modules` recognises calls to the security-group module (see secgroups_terraform_values)."""
    lines = Lines(text)

    def loc(offset: int) -> Loc:
        line, column = lines.at(offset)
        return Loc(path=path, line=line, column=column)

    parser = _Parser(text)
    if parser.depth > max_depth:
        return [], [LoadProblem(rule="AUD002", message=f"brackets nested deeper than {max_depth} levels; not read",
                                loc=Loc(path=path))]
    root, issues = parser.parse(), parser.issues
    total = getattr(issues, "count", len(issues))
    problems: Problems = [problem(f"HCL syntax: {msg}", loc(off)) for msg, off in issues[:_MAX_PROBLEMS]]
    if total > _MAX_PROBLEMS:
        problems.append(problem(f"{total - _MAX_PROBLEMS} more HCL syntax problems not shown", loc(issues[_MAX_PROBLEMS][1])))
    rules: Rules = []
    for block in root.blocks:
        if block.type == "module" and block.labels and modules is not None:
            source = _literal(block.attrs.get("source"))
            preset = modules(source) if source else None
            if preset is not None:
                rules += _module_rules(block, preset[1], folder, loc, problems)
            continue
        if block.type != "resource" or len(block.labels) < 2:
            continue
        rtype, name = block.labels[0], block.labels[1]
        if rtype == "aws_security_group":
            group = {"group_id": f"aws_security_group.{name}", "group_name": _literal(block.attrs.get("name"))}
            for inner in block.blocks:
                if inner.type in ("ingress", "egress"):
                    rules += _rule(inner.attrs, _INLINE, inner.type, group, loc(inner.start), problems, folder)
                elif inner.type == "dynamic" and inner.labels[:1] in (["ingress"], ["egress"]):
                    # one rule per source of the `content` template; its values are mostly
                    # iterator references, so they come out as unknown / unresolved
                    for content in inner.blocks:
                        if content.type == "content":
                            rules += _rule(content.attrs, _INLINE, inner.labels[0], group, loc(inner.start), problems)
            for direction in ("ingress", "egress"):
                listed = block.attrs.get(direction)  # the `ingress = [{ ... }]` attribute form
                if listed is not None and listed.kind == "list":
                    for item in listed.value:
                        if item.kind == "object":
                            rules += _rule(item.value, _INLINE, direction, group, loc(item.start), problems, folder)
        elif rtype == "aws_security_group_rule":
            written = block.attrs.get("type")
            kind = _literal(written)
            if kind not in ("ingress", "egress"):
                if written is None or written.kind in ("str", "num", "bool", "null", "list", "object"):
                    problems.append(problem(f'{rtype}.{name}: type should be "ingress" or "egress"', loc(block.start)))
                # else an expression (`each.value.type`): the direction is unknown, not wrong
                continue
            group = {"group_id": _group_ref(block.attrs.get("security_group_id")), "group_name": ""}
            rules += _rule(block.attrs, _RULE, kind, group, loc(block.start), problems, folder)
        elif rtype in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            group = {"group_id": _group_ref(block.attrs.get("security_group_id")), "group_name": ""}
            direction = "ingress" if "ingress" in rtype else "egress"
            rules += _rule(block.attrs, _VPC_RULE, direction, group, loc(block.start), problems, folder)
    return rules, problems


# attribute names per style: protocol, then (attribute, source kind, holds a list)
_INLINE = ("protocol", (("cidr_blocks", "cidr", True), ("ipv6_cidr_blocks", "cidr", True),
                        ("security_groups", "group", True), ("prefix_list_ids", "prefix-list", True)))
_RULE = ("protocol", _INLINE[1] + (("source_security_group_id", "group", False),))
_VPC_RULE = ("ip_protocol", (("cidr_ipv4", "cidr", False), ("cidr_ipv6", "cidr", False),
                             ("referenced_security_group_id", "group", False), ("prefix_list_id", "prefix-list", False)))


def _rule(attrs: dict[str, Expr], style: Any, direction: str, group: dict[str, str], at: Loc,
          problems: Problems, folder: Optional[FolderValues] = None) -> Rules:
    protocol_key, source_keys = style
    resolver = Resolver(folder)
    attrs = {k: resolver.expr(v) for k, v in attrs.items()}
    unresolved: list[str] = []
    raw_protocol = attrs.get(protocol_key)
    if raw_protocol is None:
        problems.append(problem(f"{protocol_key} is missing", at))
        return []
    if raw_protocol.kind in ("str", "num"):
        protocol = protocol_name(raw_protocol.value)
        if protocol is None:
            problems.append(problem(f"{protocol_key} {shown(raw_protocol.value)} is not a protocol", at))
            return []
    else:
        protocol = _text(raw_protocol)
        unresolved.append("protocol")
    ports = []
    for key in ("from_port", "to_port"):
        value = attrs.get(key)
        if value is None or value.kind in ("str", "num", "null"):
            port, ok = port_number(value.value if value else None)
            if not ok:
                problems.append(problem(f"{key} {shown(value.value)} is not a port number", at))  # type: ignore[union-attr]
                return []
        else:
            port = None
            unresolved.append(key)
        ports.append(port)
    sources: list[Source] = []
    for key, kind, many in source_keys:
        if key in attrs:
            sources += _sources(attrs[key], kind, many)
    if attrs.get("self") is not None and attrs["self"].value is True:
        sources.append(("group", group["group_id"]))
    return explode(
        sources,
        loc=at,
        problems=problems,
        protocol=protocol,
        from_port=ports[0],
        to_port=ports[1],
        unresolved=tuple(unresolved),
        direction=direction,
        description=_text(attrs["description"]) if "description" in attrs else "",
        via=resolver.via(),
        **group,
    )


def _module_rules(block: Block, preset: tuple[str, ...], folder: Optional[FolderValues],
                  loc: Callable[[int], Loc], problems: Problems) -> Rules:
    """The ingress rules a call to the security-group module creates from its inputs."""
    name = block.labels[0]
    resolver = Resolver(folder)
    attrs = {k: resolver.expr(v) for k, v in block.attrs.items()}
    if any(attrs.get(k) is not None and attrs[k].kind == "bool" and attrs[k].value is False
           for k in ("create", "create_sg")):
        return []  # `create = false`: the module creates nothing
    group = {"group_id": f"module.{name}", "group_name": _literal(attrs.get("name"))}
    defaults: list[Source] = []
    for key in ("ingress_cidr_blocks", "ingress_ipv6_cidr_blocks"):
        if key in attrs:
            defaults += _sources(attrs[key], "cidr", True)
    named = list(preset)
    listed = attrs.get("ingress_rules")
    if listed is not None and listed.kind == "list":
        named += [str(i.value) for i in listed.value if i.kind == "str"]
    rules: Rules = []

    def add(spec: tuple, sources: list[Source], at: Loc, what: str, description: str) -> None:
        protocol = protocol_name(spec[2])
        if protocol is None or not sources:
            return
        via = f"through module '{name}' ({what})"
        extra = resolver.via()
        rules.extend(explode(sources, loc=at, problems=problems, protocol=protocol,
                             from_port=spec[0], to_port=spec[1], direction="ingress",
                             description=description, via=f"{via} {extra}".strip(), **group))

    for rule_name in dict.fromkeys(named):
        spec = named_rule(rule_name)
        if spec is not None:
            add(spec, defaults, loc(block.start), f"rule {rule_name}", spec[3])
    for key, cidr_key in (("ingress_with_cidr_blocks", "cidr_blocks"),
                          ("ingress_with_ipv6_cidr_blocks", "ipv6_cidr_blocks")):
        entries = attrs.get(key)
        if entries is None or entries.kind != "list":
            continue
        for item in entries.value:
            if item.kind != "object":
                continue
            obj = {k: resolver.expr(v) for k, v in item.value.items()}
            rule_name = _literal(obj.get("rule"))
            if rule_name:
                spec = named_rule(rule_name)
                what = f"rule {rule_name}"
            else:
                ports = [obj.get(k) for k in ("from_port", "to_port", "protocol")]
                if any(p is None or p.kind not in ("str", "num") for p in ports):
                    continue
                low, ok_low = port_number(ports[0].value)
                high, ok_high = port_number(ports[1].value)
                spec = (low, high, str(ports[2].value), "") if ok_low and ok_high else None
                what = key
            if spec is None:
                continue
            written = obj.get(cidr_key)
            if written is None:
                sources = [s for s in defaults if (":" in s[1]) == (cidr_key == "ipv6_cidr_blocks")]
            elif written.kind == "str":
                sources = [("cidr", c) for c in split_cidrs(str(written.value))]
            else:
                sources = [("unknown", _text(written))]
            description = _literal(obj.get("description")) or (spec[3] if len(spec) > 3 else "")
            add(spec, sources, loc(item.start), what, description)
    return rules


def _sources(value: Expr, kind: str, many: bool) -> list[Source]:
    if value.kind == "null":
        return []
    if many and value.kind == "list":
        return [_source(item, kind) for item in value.value if item.kind != "null"]
    if many:  # the whole list is an expression: which sources, and how many, is unknown
        return [("unknown", _text(value))]
    return [_source(value, kind)]


def _source(value: Expr, kind: str) -> Source:
    if value.kind in ("str", "num"):
        return kind, str(value.value)
    if kind == "cidr":  # an expression cannot be canonicalised
        return "unknown", _text(value)
    return kind, _group_ref(value) if kind == "group" else _text(value)


def _text(value: Expr) -> str:
    if value.kind in ("list", "object"):
        return "<structured value>"
    return "" if value.value is None else str(value.value).lower() if value.kind == "bool" else str(value.value)


def _literal(value: Optional[Expr]) -> str:
    return str(value.value) if value is not None and value.kind == "str" else ""


_GROUP_ID_REF = re.compile(r"(aws_security_group\.[^\W\d][\w-]*)(?:\[[^\]]*\])?\.id")


def _group_ref(value: Optional[Expr]) -> str:
    """A group id as written; `aws_security_group.web.id` (or `.web[0].id`) becomes `aws_security_group.web`."""
    if value is None:
        return ""
    text = _text(value)
    m = _GROUP_ID_REF.fullmatch(text.strip())
    return m.group(1) if m else text

"""Terraform security groups: a small HCL reader for exactly the resources we audit.

Why not python-hcl2: tried here (8.1.4), it took ~12 s for 5,000 rules and a single syntax
error anywhere loses the whole file. This reader tokenises once with one regex, then walks
tokens with explicit stacks (no recursion over input nesting, so 20,000 levels cannot overflow),
and recovers from broken input with AUD001s while keeping every resource it could read.
Values that are expressions (`var.x`, `local.cidrs`, `"${...}"`) are kept as their text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Optional

from ..model import LoadProblem, Loc
from ..reader import Lines, Reader
from .secgroups import Problems, Rules, Source, explode, port_number, problem, protocol_name

_MAX_PROBLEMS = 20  # syntax problems reported per file; hostile input could make thousands

# ---------------------------------------------------------------- tokens


class Tok(NamedTuple):
    kind: str  # "nl", "ident", "num", "str", "op"
    text: str  # name, operator, number; for "str" the decoded value, or the raw content of a template
    start: int
    end: int
    literal: bool = True  # "str": no ${...} / %{...} in it


_TOKEN = re.compile(
    r"""[ \t\f\v\r]*(?:
      (?P<nl>\n)
    | (?P<comment>(?:\#|//)[^\n]*)
    | (?P<bcomment>/\*)
    | (?P<heredoc><<(?P<indent>-?)(?P<tag>[^\W\d][\w-]*)[ \t\r]*\n)
    | (?P<str>")
    | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<ident>[^\W\d][\w-]*)
    | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|.)
    | (?P<end>\Z)
    )""",
    re.X | re.S,
)
_STR_FAST = re.compile(r'"((?:[^"\\\n$%]|\\[^\n]|\$(?!\{)|%(?!\{))*)"')
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

    return _ESCAPE.sub(one, raw) if ("\\" in raw or "{" in raw) else raw


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


def tokenize(text: str) -> tuple[list[Tok], list[tuple[str, int]]]:
    """Tokens (comments dropped, newlines kept: they end attributes) and (message, offset) issues."""
    toks: list[Tok] = []
    issues: list[tuple[str, int]] = []
    append = toks.append
    match = _TOKEN.match
    pos, n = 0, len(text)
    while pos < n:
        m = match(text, pos)
        kind = m.lastgroup  # type: ignore[union-attr]
        start, end = m.start(kind), m.end()  # type: ignore[union-attr,arg-type]
        if kind == "nl" or kind == "ident" or kind == "num" or kind == "op":
            append(Tok(kind, m.group(kind), start, end))  # type: ignore[union-attr,arg-type]
        elif kind == "str":
            fast = _STR_FAST.match(text, start)
            if fast:
                end = fast.end()
                append(Tok("str", _unescape(fast.group(1)), start, end))
            else:
                end, closed = _scan_template(text, start)
                if not closed:
                    issues.append(("unterminated string", start))
                body = text[start + 1 : end - 1 if closed else end]
                literal = closed and not _INTERPOLATION.search(body)
                append(Tok("str", _unescape(body) if literal else body, start, end, literal))
        elif kind == "heredoc":
            end = _heredoc(text, m, toks, issues)  # type: ignore[arg-type]
        elif kind == "bcomment":
            close = text.find("*/", end)
            if close < 0:
                issues.append(("unterminated /* comment", start))
                close = n
            if "\n" in text[start:close]:  # a comment spanning lines separates like a newline
                append(Tok("nl", "\n", start, close))
            end = close + 2
        elif kind == "end":
            break
        pos = end
    return toks, issues


def _heredoc(text: str, m: re.Match[str], toks: list[Tok], issues: list[tuple[str, int]]) -> int:
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
    toks.append(Tok("str", body.replace("$${", "${").replace("%%{", "%{") if literal else body, m.start("heredoc"), end, literal))
    return end


# ---------------------------------------------------------------- structure


@dataclass
class Expr:
    kind: str  # "str", "num", "bool", "null", "list", "object", "raw"
    value: Any  # str | int | float | bool | None | list[Expr] | dict[str, Expr] | expression text
    start: int


@dataclass
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
        self.match = self._match_brackets()

    def _match_brackets(self) -> list[int]:
        """Index of each opener's closer (-1: unclosed), so skipping a value is one jump."""
        match = [-1] * len(self.toks)
        stack: list[int] = []
        for j, t in enumerate(self.toks):
            if t.kind != "op":
                continue
            if t.text in _OPEN:
                stack.append(j)
            elif t.text in _CLOSE and stack:
                opener = stack.pop()
                match[opener] = j
                if _OPEN[self.toks[opener].text] != t.text:
                    self.issues.append((f"{self.toks[opener].text!r} closed by {t.text!r}", t.start))
        return match

    def parse(self) -> Block:
        toks, n = self.toks, len(self.toks)
        root = Block("", [], 0)
        stack = [root]
        i = 0
        while i < n:
            t = toks[i]
            if t.kind == "nl":
                i += 1
                continue
            if t.kind == "ident" and i + 1 < n and toks[i + 1].kind == "op" and toks[i + 1].text == "=":
                end = self._value_end(i + 2)
                stack[-1].attrs[t.text] = self.expr(i + 2, end)
                i = end
                continue
            if t.kind == "ident":
                j = i + 1
                while j < n and toks[j].kind in ("str", "ident"):
                    j += 1
                if j < n and toks[j].kind == "op" and toks[j].text == "{":
                    block = Block(t.text, [x.text for x in toks[i + 1 : j]], t.start)
                    stack[-1].blocks.append(block)
                    stack.append(block)
                    i = j + 1
                else:  # not a block header: skip the whole run, so a line of names stays linear
                    self.issues.append((f"unexpected {t.text!r}", t.start))
                    i = j
                continue
            if t.kind == "op" and t.text == "}":
                if len(stack) > 1:
                    stack.pop()
                else:
                    self.issues.append(("unexpected '}'", t.start))
            elif t.kind == "op" and t.text == "{":  # keep braces balanced inside garbage
                self.issues.append(("unexpected '{'", t.start))
                stack.append(Block("", [], t.start))
            else:
                self.issues.append((f"unexpected {t.text!r}" if t.kind != "str" else "unexpected string", t.start))
            i += 1
        if len(stack) > 1:
            self.issues.append((f"block {stack[1].type or '{'} is never closed", stack[1].start))
        return root

    def _value_end(self, j: int) -> int:
        """Index just past an attribute's value: the newline, or a closer of the enclosing block."""
        toks, n = self.toks, len(self.toks)
        while j < n:
            t = toks[j]
            if t.kind == "nl":
                break
            if t.kind == "op":
                if t.text in _OPEN:
                    if self.match[j] < 0:
                        self.issues.append((f"{t.text!r} is never closed", t.start))
                        while j < n and toks[j].kind != "nl":  # recover at the end of the line
                            j += 1
                        break
                    j = self.match[j]
                elif t.text in _CLOSE:
                    break
            j += 1
        return j

    # -- values ---------------------------------------------------------------

    def expr(self, a: int, b: int, level: int = 0) -> Expr:
        """The value of tokens [a, b): a literal, a list or object of them, or expression text."""
        while a < b and self.toks[a].kind == "nl":
            a += 1
        while b > a and self.toks[b - 1].kind == "nl":
            b -= 1
        if a >= b:
            return Expr("raw", "", self.toks[a - 1].end if 0 < a <= len(self.toks) else 0)
        toks = [t for t in self.toks[a:b] if t.kind != "nl"]
        first, start = toks[0], toks[0].start
        if len(toks) == 1:
            if first.kind == "str":
                return Expr("str" if first.literal else "raw", first.text, start)
            if first.kind == "num":
                return Expr("num", _number(first.text), start)
            if first.kind == "ident" and first.text in ("true", "false"):
                return Expr("bool", first.text == "true", start)
            if first.kind == "ident" and first.text == "null":
                return Expr("null", None, start)
        if len(toks) == 2 and first.text == "-" and toks[1].kind == "num":
            return Expr("num", -_number(toks[1].text), start)
        if level < 3 and first.kind == "op" and first.text in ("[", "{") and self.match[a] == b - 1:
            if first.text == "[":
                return Expr("list", [self.expr(x, y, level + 1) for x, y in self._split(a + 1, b - 1)], start)
            obj = self._object(a + 1, b - 1, level)
            if obj is not None:
                return Expr("object", obj, start)
        return Expr("raw", self.source(toks[0].start, toks[-1].end), start)

    def _split(self, a: int, b: int) -> list[tuple[int, int]]:
        """Token spans of comma-separated items in [a, b)."""
        spans, j, item = [], a, a
        while j < b:
            t = self.toks[j]
            if t.kind == "op" and t.text in _OPEN and self.match[j] > 0:
                j = min(self.match[j], b - 1)
            elif t.kind == "op" and t.text == ",":
                spans.append((item, j))
                item = j + 1
            j += 1
        if any(t.kind != "nl" for t in self.toks[item:b]):
            spans.append((item, b))
        return spans

    def _object(self, a: int, b: int, level: int) -> Optional[dict[str, Expr]]:
        """`{ key = value, ... }` (keys names or strings, `=` or `:`); None if it is something else."""
        obj: dict[str, Expr] = {}
        toks, j = self.toks, a
        while j < b:
            t = toks[j]
            if t.kind == "nl" or (t.kind == "op" and t.text == ","):
                j += 1
                continue
            if t.kind not in ("ident", "str") or j + 1 >= b or toks[j + 1].kind != "op" or toks[j + 1].text not in ("=", ":"):
                return None  # e.g. a `for` expression
            end = self._member_end(j + 2, b)
            obj[t.text] = self.expr(j + 2, end, level + 1)
            j = end
        return obj

    def _member_end(self, j: int, b: int) -> int:
        """End of an object member's value: a newline or comma outside brackets, or `b`."""
        while j < b:
            t = self.toks[j]
            if t.kind == "nl" or (t.kind == "op" and t.text == ","):
                return j
            if t.kind == "op" and t.text in _OPEN and 0 < self.match[j] < b:
                j = self.match[j]
            j += 1
        return b

    def source(self, start: int, end: int) -> str:
        return " ".join(self.text[start:end].split())


def _number(text: str) -> Any:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 1 << 53 else value


def parse_hcl(text: str) -> tuple[Block, list[tuple[str, int]]]:
    """The block tree of an HCL file and (message, offset) syntax issues; never raises."""
    parser = _Parser(text)
    root = parser.parse()
    return root, parser.issues


# ---------------------------------------------------------------- security groups


def load_terraform(reader: Reader, path: str) -> tuple[Rules, Problems]:
    text, read_problem = reader.read(path)
    if text is None:
        return [], [read_problem] if read_problem else []
    return rules_from_terraform(text, path)


def rules_from_terraform(text: str, path: str) -> tuple[Rules, Problems]:
    lines = Lines(text)

    def loc(offset: int) -> Loc:
        line, column = lines.at(offset)
        return Loc(path=path, line=line, column=column)

    root, issues = parse_hcl(text)
    problems: Problems = [problem(f"HCL syntax: {msg}", loc(off)) for msg, off in issues[:_MAX_PROBLEMS]]
    if len(issues) > _MAX_PROBLEMS:
        problems.append(problem(f"{len(issues) - _MAX_PROBLEMS} more HCL syntax problems not shown", loc(issues[_MAX_PROBLEMS][1])))
    rules: Rules = []
    for block in root.blocks:
        if block.type != "resource" or len(block.labels) < 2:
            continue
        rtype, name = block.labels[0], block.labels[1]
        if rtype == "aws_security_group":
            group = {"group_id": f"aws_security_group.{name}", "group_name": _literal(block.attrs.get("name"))}
            for inner in block.blocks:
                if inner.type in ("ingress", "egress"):
                    rules += _rule(inner.attrs, _INLINE, inner.type, group, loc(inner.start), problems)
            for direction in ("ingress", "egress"):
                listed = block.attrs.get(direction)  # the `ingress = [{ ... }]` attribute form
                if listed is not None and listed.kind == "list":
                    for item in listed.value:
                        if item.kind == "object":
                            rules += _rule(item.value, _INLINE, direction, group, loc(item.start), problems)
        elif rtype == "aws_security_group_rule":
            kind = _literal(block.attrs.get("type"))
            if kind not in ("ingress", "egress"):
                problems.append(problem(f'{rtype}.{name}: type should be "ingress" or "egress"', loc(block.start)))
                continue
            group = {"group_id": _group_ref(block.attrs.get("security_group_id")), "group_name": ""}
            rules += _rule(block.attrs, _RULE, kind, group, loc(block.start), problems)
        elif rtype in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            group = {"group_id": _group_ref(block.attrs.get("security_group_id")), "group_name": ""}
            direction = "ingress" if "ingress" in rtype else "egress"
            rules += _rule(block.attrs, _VPC_RULE, direction, group, loc(block.start), problems)
    return rules, problems


# attribute names per style: protocol, then (attribute, source kind, holds a list)
_INLINE = ("protocol", (("cidr_blocks", "cidr", True), ("ipv6_cidr_blocks", "cidr", True),
                        ("security_groups", "group", True), ("prefix_list_ids", "prefix-list", True)))
_RULE = ("protocol", _INLINE[1] + (("source_security_group_id", "group", False),))
_VPC_RULE = ("ip_protocol", (("cidr_ipv4", "cidr", False), ("cidr_ipv6", "cidr", False),
                             ("referenced_security_group_id", "group", False), ("prefix_list_id", "prefix-list", False)))


def _rule(attrs: dict[str, Expr], style: Any, direction: str, group: dict[str, str], at: Loc, problems: Problems) -> Rules:
    protocol_key, source_keys = style
    unresolved: list[str] = []
    raw_protocol = attrs.get(protocol_key)
    if raw_protocol is None:
        problems.append(problem(f"{protocol_key} is missing", at))
        return []
    if raw_protocol.kind in ("str", "num"):
        protocol = protocol_name(raw_protocol.value)
        if protocol is None:
            problems.append(problem(f"{protocol_key} {raw_protocol.value!r} is not a protocol", at))
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
                problems.append(problem(f"{key} {value.value!r} is not a port number", at))  # type: ignore[union-attr]
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
        **group,
    )


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


_GROUP_ID_REF = re.compile(r"(aws_security_group\.[^\W\d][\w-]*)\.id")


def _group_ref(value: Optional[Expr]) -> str:
    """A group id as written; `aws_security_group.web.id` becomes the address `aws_security_group.web`."""
    if value is None:
        return ""
    text = _text(value)
    m = _GROUP_ID_REF.fullmatch(text.strip())
    return m.group(1) if m else text

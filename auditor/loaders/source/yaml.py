"""YAML read into plain Python values that remember where every key and value was written.

libyaml (pyyaml's C parser) produces events; this module builds the values itself, iteratively,
so it can bound nesting depth and alias expansion (a "billion laughs" document stops early) and
never recurses. Mappings come back as `YMap` (a dict), sequences as `YList` (a list); both know
the 1-based line/column, explicit tag and original scalar text of each of their entries.

Two scalar schemas: "yaml11" (pyyaml's safe rules, e.g. `yes` is True, `1:20` is 80) and "core"
(how go-yaml v3, hence docker compose, reads: only true/false are booleans, `80:80` stays text,
`010` is octal, `1_000` is 1000).
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable, Literal, Optional

import yaml

from ...model import LoadProblem, Loc
from ...reader import Limits, Lines

Schema = Literal["yaml11", "core"]
TagHook = Callable[[str, Any], Any]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
MERGE = "<<"


class YMap(dict):
    """A mapping; `meta(k)` is (key line, key column, value line, value column, tag, raw text)."""

    __slots__ = ("path", "line", "column", "tag", "_meta")

    def __init__(self, path: str = "", line: int = 1, column: int = 1, tag: Optional[str] = None):
        super().__init__()
        self.path, self.line, self.column, self.tag = path, line, column, tag
        self._meta: dict[Any, tuple] = {}

    def put(self, key: Any, value: Any, meta: tuple) -> None:
        self[key] = value
        self._meta[key] = meta

    def meta(self, key: Any) -> tuple:
        return self._meta.get(key) or (self.line, self.column, self.line, self.column, None, None)

    @property
    def loc(self) -> Loc:
        return Loc(path=self.path, line=self.line, column=self.column)

    def key_loc(self, key: Any) -> Loc:
        m = self.meta(key)
        return Loc(path=self.path, line=m[0], column=m[1])

    def value_loc(self, key: Any) -> Loc:
        m = self.meta(key)
        return Loc(path=self.path, line=m[2], column=m[3])

    def value_tag(self, key: Any) -> Optional[str]:
        return self.meta(key)[4]

    def raw(self, key: Any) -> Optional[str]:
        """The scalar text as written (None for a mapping or sequence value)."""
        return self.meta(key)[5]


class YList(list):
    """A sequence; `meta(i)` is (line, column, tag, raw text) of item i."""

    __slots__ = ("path", "line", "column", "tag", "_meta")

    def __init__(self, path: str = "", line: int = 1, column: int = 1, tag: Optional[str] = None):
        super().__init__()
        self.path, self.line, self.column, self.tag = path, line, column, tag
        self._meta: list[tuple] = []

    def add(self, value: Any, meta: tuple) -> None:
        self.append(value)
        self._meta.append(meta)

    def meta(self, i: int) -> tuple:
        if 0 <= i < len(self._meta):
            return self._meta[i]
        return (self.line, self.column, None, None)

    @property
    def loc(self) -> Loc:
        return Loc(path=self.path, line=self.line, column=self.column)

    def item_loc(self, i: int) -> Loc:
        m = self.meta(i)
        return Loc(path=self.path, line=m[0], column=m[1])

    def raw(self, i: int) -> Optional[str]:
        return self.meta(i)[3]


# ---------------------------------------------------------------- scalars

_CORE_NULL = {"", "~", "null", "Null", "NULL"}
_CORE_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_CORE_SPECIAL = {
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
    "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
}
# strconv.ParseInt(s, 0, 64) forms, as go-yaml v3 tries them (underscores removed first)
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")


def _go_int(text: str) -> int:
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-")
    if len(body) > 1 and body[0] == "0" and body[1] in "xXoObB":
        value = int(body, 0)
    elif len(body) > 1 and body[0] == "0":
        value = int(body, 8)  # YAML 1.1 octal, still read by go-yaml v3
    else:
        value = int(body)
    return sign * value


def resolve_core(text: str) -> Any:
    """A plain scalar read the way go-yaml v3 reads it into an untyped value."""
    if text in _CORE_NULL:
        return None
    if text in _CORE_BOOL:
        return _CORE_BOOL[text]
    first = text[0]
    if first not in "+-.0123456789":
        return text
    if text in _CORE_SPECIAL:
        return _CORE_SPECIAL[text]
    plain = text.replace("_", "")
    if _GO_INT.match(plain):
        value = _go_int(plain)
        if -(2**63) <= value < 2**64:
            return value
    if _GO_FLOAT.match(plain):
        return float(plain)
    return text


_resolver = yaml.resolver.Resolver()
_ctor = yaml.constructor.SafeConstructor()
_YAML11 = {
    _STD + "bool": _ctor.construct_yaml_bool,
    _STD + "int": _ctor.construct_yaml_int,
    _STD + "float": _ctor.construct_yaml_float,
    _STD + "null": _ctor.construct_yaml_null,
}


def resolve_yaml11(text: str) -> Any:
    """A plain scalar read with pyyaml's safe (YAML 1.1) rules; timestamps stay text."""
    tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))
    construct = _YAML11.get(tag)
    if construct is None:
        return text
    try:
        return construct(yaml.ScalarNode(tag, text))
    except ValueError:  # pyyaml's patterns accept a few texts its constructors reject ("0x_")
        return text


def _explicit(tag: str, text: str, schema: Schema) -> Any:
    """A scalar with a standard explicit tag (`!!int "3"`); bad content stays text."""
    kind = tag[len(_STD):]
    if kind == "str":
        return text
    try:
        if schema == "core":
            value = resolve_core(text)
            ok = {"int": int, "float": (float, int), "bool": bool, "null": type(None)}.get(kind)
            if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            return value if ok and isinstance(value, ok) else text
        construct = _YAML11.get(tag)
        return construct(yaml.ScalarNode(tag, text)) if construct else text
    except Exception:
        return text


# ---------------------------------------------------------------- CloudFormation short tags


def cfn_tag(tag: str, value: Any) -> Any:
    """CloudFormation short form to its long form: `!Ref X` -> {"Ref": X}, `!Sub s` -> {"Fn::Sub": s}."""
    name = tag.lstrip("!")
    if name in ("Ref", "Condition"):
        return {name: value}
    if name == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {"Fn::" + name: value}


# ---------------------------------------------------------------- building


class _Abort(Exception):
    def __init__(self, problem: LoadProblem):
        self.problem = problem


class _Frame:
    __slots__ = ("value", "is_map", "key", "key_meta", "size", "anchor", "tag", "merges", "explicit",
                 "skip", "line", "column")

    def __init__(self, value: Any, is_map: bool, anchor: Optional[str], tag: Optional[str], line: int, column: int):
        self.value = value
        self.is_map = is_map
        self.key: Any = _NO_KEY
        self.key_meta: tuple = ()
        self.size = 1
        self.anchor = anchor
        self.tag = tag
        self.merges: list[tuple[Any, int, int]] = []
        self.explicit: set = set()
        self.skip = False  # the pending key was unusable: drop its value
        self.line, self.column = line, column


_NO_KEY = object()
_MERGE_KEY = object()


class _Builder:
    def __init__(self, path: str, limits: Limits, schema: Schema, on_tag: Optional[TagHook]):
        self.path = path
        self.limits = limits
        self.resolve = resolve_core if schema == "core" else resolve_yaml11
        self.schema = schema
        self.on_tag = on_tag
        self.problems: list[LoadProblem] = []
        self.docs: list[tuple[Any, int]] = []
        self.anchors: dict[str, tuple[Any, int, Optional[str], Optional[str]]] = {}
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.alias_nodes = 0
        self.doc_line = 1
        # alias expansion allowed beyond the document's own size: generous for real files,
        # hopeless for an exponential bomb
        self.max_nodes = limits.max_yaml_nodes

    def problem(self, rule: str, message: str, line: int, column: int) -> LoadProblem:
        return LoadProblem(rule=rule, message=message, loc=Loc(path=self.path, line=line, column=column))

    def run(self, text: str) -> None:
        self.where = mark_position(text)
        loader = _Loader(text)
        try:
            self._events(loader)
        finally:
            loader.dispose()

    def _events(self, loader: Any) -> None:
        get = loader.get_event
        stack = self.stack
        max_depth = self.limits.max_depth
        Scalar, Alias = yaml.ScalarEvent, yaml.AliasEvent
        MapStart, SeqStart = yaml.MappingStartEvent, yaml.SequenceStartEvent
        MapEnd, SeqEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent
        resolve = self.resolve
        where = self.where
        while True:
            ev = get()
            if ev is None:
                return
            cls = type(ev)
            if cls is Scalar:
                self.nodes += 1
                mark = ev.start_mark
                line, col = where(mark)
                tag = ev.tag
                text = ev.value
                parent = stack[-1] if stack else None
                if tag is None:
                    if ev.implicit[0]:
                        if text == MERGE and parent is not None and parent.is_map and parent.key is _NO_KEY:
                            self._add(_MERGE_KEY, 1, line, col, None, text)
                            continue
                        value = resolve(text)
                    else:
                        value = text
                elif tag == "!":
                    value, tag = text, None
                elif tag.startswith(_STD):
                    value = _explicit(tag, text, self.schema)
                    tag = None
                else:
                    value = self.on_tag(tag, text) if self.on_tag else text
                if ev.anchor:
                    self.anchors[ev.anchor] = (value, 1, tag, text)
                if parent is not None and not parent.is_map:  # the common case, inlined
                    parent.size += 1
                    container = parent.value
                    list.append(container, value)
                    container._meta.append((line, col, tag, text))
                else:
                    self._add(value, 1, line, col, tag, text)
            elif cls is MapStart or cls is SeqStart:
                self.nodes += 1
                mark = ev.start_mark
                line, col = where(mark)
                if len(stack) >= max_depth:
                    raise _Abort(self.problem(
                        "AUD002", f"nested deeper than {max_depth} levels; not read", line, col))
                tag = ev.tag
                if tag is not None and (tag.startswith(_STD) or tag == "!"):
                    tag = None
                container = YMap(self.path, line, col, tag) if cls is MapStart else YList(self.path, line, col, tag)
                stack.append(_Frame(container, cls is MapStart, ev.anchor, tag, line, col))
                self._check_size(line, col)
            elif cls is MapEnd or cls is SeqEnd:
                frame = stack.pop()
                value = frame.value
                if self.nodes > self.max_nodes:
                    self._check_size(frame.line, frame.column)
                if frame.is_map and frame.merges:
                    self._apply_merges(frame)
                if frame.tag and self.on_tag:
                    value = self.on_tag(frame.tag, value)
                if frame.anchor:
                    self.anchors[frame.anchor] = (value, frame.size, frame.tag, None)
                self._add(value, frame.size, frame.line, frame.column, frame.tag, None)
            elif cls is Alias:
                mark = ev.start_mark
                line, col = where(mark)
                found = self.anchors.get(ev.anchor)
                if found is None:
                    self.problems.append(self.problem("AUD001", f"unknown alias *{ev.anchor}", line, col))
                    self.nodes += 1
                    self._add(None, 1, line, col, None, None)
                    continue
                value, size, tag, raw = found
                self.nodes += size
                self.alias_nodes += size
                self._check_size(line, col)
                self._add(value, size, line, col, tag, raw)
            elif cls is yaml.DocumentStartEvent:
                self.doc_line = where(ev.start_mark)[0]
                self.anchors = {}  # anchors do not cross documents
            elif cls is yaml.StreamEndEvent:
                return

    def _check_size(self, line: int, col: int) -> None:
        if self.nodes > self.max_nodes:
            raise _Abort(self.problem(
                "AUD002", f"more than {self.max_nodes} YAML nodes once aliases are expanded; not read", line, col))
        if self.alias_nodes > 100_000 and self.alias_nodes > 10 * (self.nodes - self.alias_nodes):
            raise _Abort(self.problem(
                "AUD002", f"aliases expand to {self.alias_nodes}+ nodes, far more than the document holds "
                "(alias bomb?); not read", line, col))

    def _add(self, value: Any, size: int, line: int, col: int, tag: Optional[str], raw: Optional[str]) -> None:
        stack = self.stack
        if not stack:
            self.docs.append((value, self.doc_line))
            return
        parent = stack[-1]
        parent.size += size
        container = parent.value
        if not parent.is_map:
            container.add(value, (line, col, tag, raw))
            return
        if parent.key is _NO_KEY:
            if isinstance(value, (dict, list)):
                self.problems.append(self.problem("AUD001", "a mapping or sequence used as a mapping key", line, col))
                parent.key, parent.skip = None, True
                return
            parent.key, parent.key_meta, parent.skip = value, (line, col), False
            return
        key = parent.key
        parent.key = _NO_KEY
        if parent.skip:
            parent.skip = False
            return
        kline, kcol = parent.key_meta
        if key is _MERGE_KEY:
            parent.merges.append((value, line, col))
            return
        if key in parent.explicit:
            first = container.meta(key)
            self.problems.append(self.problem(
                "AUD001", f"mapping key {key!r} already defined at line {first[0]}", kline, kcol))
        parent.explicit.add(key)
        container.put(key, value, (kline, kcol, line, col, tag, raw))

    def _apply_merges(self, frame: _Frame) -> None:
        """`<<` keys: explicit keys win, then earlier merge sources over later ones."""
        target: YMap = frame.value
        for value, line, col in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    self.problems.append(self.problem(
                        "AUD001", "`<<` merge needs a mapping or a list of mappings", line, col))
                    continue
                for k, v in source.items():
                    if k not in target:
                        meta = source.meta(k) if isinstance(source, YMap) else (line, col, line, col, None, None)
                        target.put(k, v, meta)


def mark_position(text: str) -> Callable[[Any], tuple[int, int]]:
    """1-based (line, column) of a libyaml mark. libyaml also breaks lines at NEL, LS and PS
    (U+0085, U+2028, U+2029), which no other reader does (a Latin-1 file's 0x85 byte is a NEL):
    where the text holds one, positions are taken from the mark's character offset instead."""
    if "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return lambda mark: (mark.line + 1, mark.column + 1)
    lines = Lines(text)
    return lambda mark: lines.at(min(max(mark.index, 0), len(text)))


def _yaml_problem(path: str, exc: yaml.YAMLError, where: Callable[[Any], tuple[int, int]]) -> LoadProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = where(mark) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and mark is not None and where(context_mark)[0] != line:
        context_line, context_col = where(context_mark)
        context = f"{context} (line {context_line}, column {context_col})"
    if problem and "maximum nesting depth" in problem:
        # libyaml (PyYAML >= 6.0.3) stops deep flow nesting itself, before the builder's own
        # depth limit sees it: the same limit, so the same finding whichever layer stops it
        return LoadProblem(rule="AUD002", message="nested deeper than 1000 levels, the YAML parser's own limit (libyaml); not read",
                           loc=Loc(path=path, line=line, column=col))
    if problem:
        message = f"{context}, {problem}" if context else str(problem)
    else:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return LoadProblem(rule="AUD001", message=f"invalid YAML: {message}", loc=Loc(path=path, line=line, column=col))


def load_yaml_all(text: str, path: str, limits: Limits = Limits(), *, schema: Schema = "yaml11",
                  on_tag: Optional[TagHook] = None) -> tuple[list[Any], list[LoadProblem]]:
    """Every document of `text` (a list, empty for an empty stream) and the problems met.

    On a syntax error or an exceeded limit the documents are dropped: a half-read file would
    mislead the rules more than a missing one.
    """
    docs, problems = parse_documents(text, path, limits, schema=schema, on_tag=on_tag)
    return docs or [], problems


def parse_documents(text: str, path: str, limits: Limits = Limits(), *, schema: Schema = "yaml11",
                    on_tag: Optional[TagHook] = None) -> tuple[Optional[list[Any]], list[LoadProblem]]:
    """Like `load_yaml_all`, but None (not []) when the text could not be read as YAML."""
    docs, _lines, problems = _load(text, path, limits, schema, on_tag)
    return docs, problems


def load_yaml(text: str, path: str, limits: Limits = Limits(), *, schema: Schema = "yaml11",
              on_tag: Optional[TagHook] = None) -> tuple[Any, list[LoadProblem]]:
    """The first document of `text` (None when empty or unreadable); more documents are AUD001."""
    docs, lines, problems = _load(text, path, limits, schema, on_tag)
    docs = docs or []
    if len(docs) > 1:
        problems.append(LoadProblem(
            rule="AUD001", message=f"{len(docs)} YAML documents in one file; only the first is read",
            loc=Loc(path=path, line=lines[1])))
    return (docs[0] if docs else None), problems


def _load(text: str, path: str, limits: Limits, schema: Schema,
          on_tag: Optional[TagHook]) -> tuple[Optional[list[Any]], list[int], list[LoadProblem]]:
    builder = _Builder(path, limits, schema, on_tag)
    try:
        builder.run(text)
    except _Abort as abort:
        return None, [], builder.problems + [abort.problem]
    except yaml.YAMLError as exc:
        return None, [], builder.problems + [_yaml_problem(path, exc, mark_position(text))]
    except RecursionError:
        return None, [], builder.problems + [LoadProblem(
            rule="AUD002", message="nested too deeply to be read; not read", loc=Loc(path=path))]
    except Exception as exc:  # a loader must never raise: anything else is unreadable input
        return None, [], builder.problems + [LoadProblem(
            rule="AUD001", message=f"invalid YAML ({type(exc).__name__})", loc=Loc(path=path))]
    return [d for d, _ in builder.docs], [line for _, line in builder.docs], builder.problems


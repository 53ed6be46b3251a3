"""JSON with positions: objects that know where they start, and the places of other values.

Positions without a Python-level parser: the C `json` module parses, and one regex pass over
the text records where every `{` is. `object_pairs_hook` runs once per object in the order the
objects close, which is the order their `}` appear, so the k-th call gets the k-th closed `{`.
Positions of non-object values are only needed for error messages and are found by re-walking
the (already valid) text from the enclosing object.
"""
from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any, Iterator, Optional

from ...model import LoadProblem, Loc
from ...reader import Limits, Lines

# A JSON string (closing quote optional, so the pattern always matches and stays linear on
# hostile text) or one bracket.
_SCAN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[{}\[\]]', re.S)
_WS = re.compile(r"[ \t\n\r]*")
_PLAIN = json.JSONDecoder()


class PosDict(dict):  # type: ignore[type-arg]
    """A JSON object / YAML mapping that remembers where it starts (1-based line and column)."""

    __slots__ = ("line", "column", "offset")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = self.column = 1
        self.offset = 0


class JsonDoc:
    """A parsed JSON document plus the text, to place values that are not objects."""

    def __init__(self, path: str, text: str, value: Any, lines: Lines):
        self.path, self.text, self.value, self.lines = path, text, value, lines

    def loc(self, obj: Any) -> Loc:
        if isinstance(obj, PosDict):
            return Loc(path=self.path, line=obj.line, column=obj.column)
        return Loc(path=self.path)

    def _at(self, offset: Optional[int], fallback: Any) -> Loc:
        if offset is None:
            return self.loc(fallback)
        line, column = self.lines.at(offset)
        return Loc(path=self.path, line=line, column=column)

    def _value_offset(self, obj: Any, key: str) -> Optional[int]:
        if not isinstance(obj, PosDict):
            return None
        if obj.offset < 0:
            return _WS.match(self.text).end()  # type: ignore[union-attr]
        return _member_offset(self.text, obj.offset, key)

    def member_loc(self, obj: Any, key: str) -> Loc:
        """Where the value of `obj[key]` starts."""
        return self._at(self._value_offset(obj, key), obj)

    def item_loc(self, obj: Any, key: str, index: int) -> Loc:
        """Where `obj[key][index]` starts."""
        item = obj[key][index]
        if isinstance(item, PosDict):
            return self.loc(item)
        start = self._value_offset(obj, key)
        return self._at(_item_offset(self.text, start, index) if start is not None else None, obj)


def parse_json(path: str, text: str, limits: Limits = Limits()) -> tuple[Optional[JsonDoc], Optional[LoadProblem]]:
    """(document, None), or (None, problem): AUD001 for text that is not JSON, AUD002 past the depth limit."""
    lines = Lines(text)
    closed: list[int] = []  # offsets of `{`, in the order their objects close
    stack: list[int] = []
    for m in _SCAN.finditer(text):
        ch = text[m.start()]
        if ch == '"':
            continue
        if ch in "{[":
            stack.append(m.start())
            if len(stack) > limits.max_depth:
                line, column = lines.at(m.start())
                # over a limit: "not read" (AUD002), as for oversized files and deep YAML
                loc = Loc(path=path, line=line, column=column)
                return None, LoadProblem(rule="AUD002", message=f"nested deeper than {limits.max_depth} levels; not read", loc=loc)
        elif stack:
            opened = stack.pop()
            if ch == "}" and text[opened] == "{":
                closed.append(opened)
    order: Iterator[int] = iter(closed)

    def hook(pairs: list[tuple[str, Any]]) -> PosDict:
        obj = PosDict(pairs)
        obj.offset = next(order, 0)
        obj.line, obj.column = lines.at(obj.offset)
        return obj

    try:
        value = json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        return None, LoadProblem(rule="AUD001", message=f"invalid JSON: {exc.msg}",
                                 loc=Loc(path=path, line=exc.lineno, column=exc.colno))
    except ValueError as exc:  # e.g. an integer over Python's digit limit
        return None, LoadProblem(rule="AUD001", message=f"invalid JSON: {exc}", loc=Loc(path=path))
    except RecursionError:
        return None, LoadProblem(rule="AUD002", message="nested too deeply to be read; not read", loc=Loc(path=path))
    return JsonDoc(path, text, value, lines), None


def _member_offset(text: str, start: int, key: str) -> Optional[int]:
    """Offset of the value of the last `key` member of the object whose `{` is at `start`."""
    if not text.startswith("{", start):
        return None
    found = None
    try:
        i = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        while text[i] == '"':
            name, i = scanstring(text, i + 1)
            i = _WS.match(text, _WS.match(text, i).end() + 1).end()  # type: ignore[union-attr]
            if name == key:
                found = i
            _, i = _PLAIN.raw_decode(text, i)
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
    except (ValueError, IndexError, RecursionError):
        pass
    return found


def _item_offset(text: str, start: int, index: int) -> Optional[int]:
    """Offset of item `index` of the array whose `[` is at `start`."""
    if not text.startswith("[", start):
        return None
    try:
        i = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        for _ in range(index):
            _, i = _PLAIN.raw_decode(text, i)
            i = _WS.match(text, _WS.match(text, i).end() + 1).end()  # type: ignore[union-attr]
        return i
    except (ValueError, IndexError, RecursionError):
        return None

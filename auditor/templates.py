"""Template files: Jinja (`.j2`, `{% if %}`, `{{ var }}`) and Go templates (`{{ .Env.X }}`).

A template is config with holes. Its engine's values are not in the repository (Ansible
inventories, the container's environment at start), so auditor never renders these: it sets the
tags aside and reads what is left, when what is left is still the format.

- statement tags (`{% if %}`, `{{ if .Env.X }}`, `{{ $x := ... }}`, comments) become blanks of
  the same length, so every line and column stays where it was written;
- expression tags (`{{ resolver }}`, `{{ .Env.PORT }}`) become a marker standing for an unknown
  value (for nginx, a variable `$__tpl1__`, which the nginx loader already treats as unknown;
  numbered, so that two unknown values are never taken for the same one);
- each line records the branches it sits in (`{% if %}...{% else %}`), so two assignments in
  exclusive branches are not taken for a duplicate.

When the text outside the tags is not the format (a tag opens a block, a loop writes keys), the
loader skips the file with one note instead of reporting it broken.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Optional

JINJA_SUFFIXES = (".j2", ".jinja", ".jinja2")
GO_SUFFIXES = (".tpl", ".tmpl", ".gotmpl")
NGINX_MARKER = "$__tpl{}__"  # numbered: two unknown values are never taken for equal

_JINJA_STATEMENT = re.compile(r"\{%-?.*?-?%\}|\{#.*?#\}", re.S)
_EXPRESSION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_GO_TAG = re.compile(r"\{\{-?\s*(/\*.*?\*/|\.|\$|if\b|else\b|end\b|range\b|with\b|define\b|block\b|"
                     r"template\b|printf\b|index\b|default\b|toBool\b|or\b|and\b|not\b|eq\b|ne\b)", re.S)
_GO_CONTROL = re.compile(r"\s*(?:(if|range|with|define|block)\b|(else)\b|(end)\b|(/\*)|"
                         r"(\$[\w]*\s*:?=)|(template|break|continue)\b)")
_JINJA_OPEN = {"if", "for", "macro", "block", "filter", "call", "with", "raw", "autoescape", "trans"}
_JINJA_MIDDLE = {"elif", "else"}


@dataclass(frozen=True)
class Neutral:
    """A template's text with its tags set aside, line for line."""

    engine: str  # "jinja" or "go"
    text: str
    branches: tuple[tuple[tuple[int, int], ...], ...]  # per line (0-based): (if-chain, branch) path
    balanced: bool  # every block tag is closed, and nothing closes what was not opened
    expressions: int = 0  # expression tags replaced by the marker


def engine_of(path: str, text: str) -> Optional[str]:
    """"jinja", "go" or None: by the file name, else by the tags the text holds."""
    name = PurePosixPath(path).name.lower()
    go = bool(_GO_TAG.search(text))
    if name.endswith(GO_SUFFIXES) and "{{" in text:
        return "go"
    if name.endswith(JINJA_SUFFIXES):
        return "go" if go and "{%" not in text else "jinja"
    if "{%" in text and _JINJA_STATEMENT.search(text):
        return "jinja"
    if go:
        return "go"
    if _EXPRESSION.search(text):
        return "jinja"
    return None


def exclusive(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """Whether two lines sit in different branches of one if-chain (never both rendered)."""
    for x, y in zip(a, b):
        if x == y:
            continue
        return x[0] == y[0] and x[1] != y[1]
    return False


def neutralize(text: str, engine: str, marker: str = NGINX_MARKER, keep_expressions: bool = False) -> Neutral:
    """The text with statement tags blanked and expressions replaced by `marker` (or kept)."""
    out: list[str] = []
    size = 0
    stack: list[list[int]] = []  # [chain id, branch] of each open block
    chains = expressions = 0
    balanced = True
    events: list[tuple[int, tuple[tuple[int, int], ...]]] = [(0, ())]  # (offset, path from there)
    pos = 0
    for m in _tags(text, engine):
        out.append(text[pos:m.start()])
        size += m.start() - pos
        tag = m.group(0)
        kind = _classify(tag, engine)
        if kind == "expression":
            expressions += 1
            piece = tag if keep_expressions else marker.format(expressions) + "\n" * tag.count("\n")
        else:
            if kind == "open":
                chains += 1
                stack.append([chains, 0])
            elif kind == "middle" and stack:
                stack[-1][1] += 1
            elif kind == "close" and stack:
                stack.pop()
            elif kind in ("middle", "close"):
                balanced = False
            piece = re.sub(r"[^\n]", " ", tag)
        out.append(piece)
        size += len(piece)
        if kind != "expression":
            events.append((size, tuple((c, b) for c, b in stack)))
        pos = m.end()
    out.append(text[pos:])
    result = "".join(out)
    # each line sits in the branch in effect where its first visible character is
    branches: list[tuple[tuple[int, int], ...]] = []
    offset = ev = 0
    for line_text in result.split("\n"):
        at = offset + len(line_text) - len(line_text.lstrip())
        while ev + 1 < len(events) and events[ev + 1][0] <= at:
            ev += 1
        branches.append(events[ev][1])
        offset += len(line_text) + 1
    return Neutral(engine=engine, text=result, branches=tuple(branches),
                   balanced=balanced and not stack, expressions=expressions)


def _tags(text: str, engine: str):
    if engine == "jinja":
        pattern = re.compile(r"\{%-?.*?-?%\}|\{#.*?#\}|\{\{-?.*?-?\}\}", re.S)
    else:
        pattern = re.compile(r"\{\{-?.*?-?\}\}", re.S)
    return pattern.finditer(text)


def _classify(tag: str, engine: str) -> str:
    """"open", "middle", "close", "statement" or "expression"."""
    if engine == "jinja":
        if tag.startswith("{#"):
            return "statement"
        if tag.startswith("{{"):
            return "expression"
        word = re.match(r"\{%-?\s*(\w*)", tag)
        name = word.group(1) if word else ""
        if name in _JINJA_OPEN or (name == "set" and "=" not in tag):  # `{% set x %}...{% endset %}`
            return "open"
        if name in _JINJA_MIDDLE:
            return "middle"
        return "close" if name.startswith("end") else "statement"
    c = _GO_CONTROL.match(" " + tag[2:-2].strip("-").strip())
    if not c:
        return "expression"
    if c.group(1):
        return "open"
    if c.group(2):
        return "middle"  # `{{ else if x }}` goes on with the chain like `{{ else }}`
    return "close" if c.group(3) else "statement"

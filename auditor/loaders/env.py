"""`.env` files, read the way docker compose reads them (compose-go's dotenv, not python-dotenv's).

python-dotenv's `parse_stream` cuts the file into bindings and keeps going after a bad line, so
one broken quote costs one AUD001 instead of the whole file. Each binding's text is then read
with compose's grammar, which decides keys, values and whether the line is acceptable:

- `KEY=value`, `export KEY=value`, and compose's YAML-style `KEY: value`;
- unquoted: up to the end of the line, cut at the first ` #`, trimmed, `${VAR}`/`$VAR` expanded;
- double quotes: may span lines; `\\n \\t \\r \\a \\b \\f \\v \\\\ \\" \\$` and `\\0ooo` escapes,
  then `${VAR}` expansion;
- single quotes: literal except `\\'`; never expanded;
- after a closing quote, the rest of the line is read as a new statement (as compose does);
- a bare `KEY` takes the value of the outer environment in compose: it defines nothing here.

Expansion sees the outer environment first, then the variables defined earlier in the file.
"""
from __future__ import annotations

import io
import re
from collections import ChainMap
from functools import lru_cache
from typing import Iterator, Mapping, Optional

from ..discovery import is_env_template
from ..model import EnvFile, EnvVar, LoadProblem, Loc
from ..reader import Lines, Reader
from .source.fast import LOC_FAST, new_loc
from .source.interpolate import interpolate
from ..templates import GO_SUFFIXES, JINJA_SUFFIXES, engine_of, neutralize

# compose-go's isSpace: blanks that never end a line.
_BLANK = "\t\v\f\r \x85\xa0"
_EXPORT = re.compile(r"export[\t\v\f\r ]+")  # the line break stays (checked against compose)
_KEY_PUNCTUATION = "_.-[]"  # besides letters and digits, any script
_QUOTED = {
    '"': re.compile(r'"((?:\\[\s\S]|[^\\"])*)"'),
    "'": re.compile(r"'((?:\\[\s\S]|[^\\'])*)'"),
}
_ESCAPE = re.compile(r'\\(?:[abcfnrtv$"\\]|0\d{0,3})')
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "c": "\\c", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    '"': '"', "\\": "\\",
    "$": "$$",  # stays a literal dollar through interpolation
}
# Characters that expansion may copy out of variables, per file. `B=$A$A`, `C=$B$B`... doubles
# at each line; compose would exhaust memory, the loader reports the line and goes on.
EXPANSION_BUDGET = 4 << 20


class _TooLarge(Exception):
    pass


class _Metered(Mapping[str, str]):
    """The expansion lookup, charging each value handed out against the file's budget."""

    def __init__(self, layers: Mapping[str, str], budget: int):
        self.layers = layers
        self.left = budget

    def __getitem__(self, key: str) -> str:
        value = self.layers[key]
        if len(value) > self.left:
            raise _TooLarge
        self.left -= len(value)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)


class _Bad(Exception):
    """A statement compose would refuse; the message never quotes the line (it may hold secrets)."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def load_env(reader: Reader, path: str, *, env: Optional[Mapping[str, str]] = None,
             ) -> tuple[EnvFile, list[LoadProblem]]:
    text, problem = reader.read(path)
    if text is None:
        return EnvFile(path=path, template=is_env_template(path)), [problem] if problem else []
    engine = env_template_engine(path, text)
    if engine is None:
        return parse_env(text, path, env=env)
    return _parse_template(text, path, engine, env)


def env_template_engine(path: str, text: str) -> Optional[str]:
    """The template engine of an env file (`.env.j2`, `{% if %}` lines), or None: `{{ var }}`
    values alone are placeholders of an ordinary env file."""
    engine = engine_of(path, text)
    if engine is None:
        return None
    named = path.lower().endswith(JINJA_SUFFIXES + GO_SUFFIXES)
    return engine if named or neutralize(text, engine, keep_expressions=True).text != text else None


_LEADING_TAG = re.compile(r"^([ \t]*)(\{\{.*?\}\})(.*)$", re.M)


def _parse_template(text: str, path: str, engine: str, env: Optional[Mapping[str, str]],
                    ) -> tuple[EnvFile, list[LoadProblem]]:
    """An env template read with its statement tags set aside and `{{ values }}` kept as the
    placeholders they are; a line that a tag writes whole (`{{ extra_env }}`) is unknown."""
    neutral = neutralize(text, engine, keep_expressions=True)
    prepared = _LEADING_TAG.sub(lambda m: " " * len(m.group(0)), neutral.text)
    env_file, problems = parse_env(prepared, path, env=env)
    vars_ = tuple(v.model_copy(update={"branch": neutral.branches[v.loc.line - 1]})
                  if v.loc.line - 1 < len(neutral.branches) else v for v in env_file.vars)
    env_file = env_file.model_copy(update={"vars": vars_})
    if problems:
        # not sure what the rendered file will hold: one note, never a parse error
        first = min(problems, key=lambda p: (p.loc.line, p.loc.column))
        problems = [LoadProblem(
            rule="AUD002", severity="note", loc=first.loc,
            message=f"{'Jinja' if engine == 'jinja' else 'Go'} template: {len(problems)} line(s) do not "
                    "read as KEY=value with the template tags set aside; they were not checked")]
    return env_file, problems


def parse_env(text: str, path: str, *, env: Optional[Mapping[str, str]] = None,
              ) -> tuple[EnvFile, list[LoadProblem]]:
    """Variables of an env file's text, with problems for the statements compose would refuse."""
    if not env:
        # The env loader and compose's interpolation (when no other file comes first) read
        # the same file alike: once is enough.
        env_file, problems = _parse_alone(text, path)
        return env_file, list(problems)
    return _parse(text, path, env)


@lru_cache(maxsize=64)
def _parse_alone(text: str, path: str) -> tuple[EnvFile, tuple[LoadProblem, ...]]:
    env_file, problems = _parse(text, path, None)
    return env_file, tuple(problems)


def _parse(text: str, path: str, env: Optional[Mapping[str, str]]) -> tuple[EnvFile, list[LoadProblem]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as the Reader folds them
    defined: dict[str, str] = {}
    lookup = _Metered(ChainMap(dict(env or {}), defined), EXPANSION_BUDGET)
    found: list[EnvVar] = []
    problems: list[LoadProblem] = []
    index: list[Lines] = []  # built for the first line that is not plain `KEY=value`

    def loc(offset: int) -> Loc:
        if not index:
            index.append(Lines(text))
        line, column = index[0].at(offset)
        return Loc(path=path, line=line, column=column)

    start = 1 if text.startswith("\ufeff") else 0  # python-dotenv drops a BOM
    resume = start  # a quoted value may run past python-dotenv's cut (`A: "x<newline>y"`)
    line, line_start = 1, 0  # the line of `start`, and where that line starts (counted as we go)
    for segment in binding_texts(text[start:]):
        end = start + len(segment)
        simple = _SIMPLE_BINDING.match(segment) if start >= resume else None
        breaks = segment.count("\n")
        if simple:
            # what _statements reads from such a line, without its per-character loop
            key, value = simple.group(1, 2)
            at = simple.start(1)
            before = segment.count("\n", 0, at)  # blank lines ahead of it
            if before:
                found.append(_plain_var(key, value, path, line + before, at - segment.rfind("\n", 0, at)))
            else:
                found.append(_plain_var(key, value, path, line, start + at - line_start + 1))
            defined[key] = value
        else:
            try:
                for key, value, raw, quote, key_start, value_start, stop in _statements(
                        text, max(start, resume), end, lookup):
                    var = EnvVar(key=key, value=value, raw=raw, quote=quote, loc=loc(key_start),
                                 value_loc=loc(value_start))
                    defined[key] = value
                    found.append(var)
                    resume = max(resume, stop)
            except _Bad as bad:
                problems.append(LoadProblem(rule="AUD001", message=str(bad), loc=loc(bad.offset)))
        if breaks:
            line += breaks
            line_start = start + segment.rfind("\n") + 1
        start = end
    return EnvFile(path=path, vars=tuple(found), template=is_env_template(path)), problems


# The fields `_plain_var` sets, in order; if the model changes, the ordinary constructors are used.
# (`model_fields` also builds the classes, which `_build` below instantiates without __init__)
_FAST = (list(EnvVar.model_fields) == ["key", "value", "raw", "quote", "loc", "value_loc", "branch"]
         and LOC_FAST)


def _plain_var(key: str, value: str, path: str, line: int, column: int) -> EnvVar:
    """`EnvVar(key=key, value=value, raw=value, loc=..., value_loc=...)` of a `KEY=value` line.
    Built field by field: the frozen dataclasses' keyword `__init__` (and the tuple check of
    `branch`) cost about three times as much, on each line of a file of 262,144 lines."""
    if not _FAST:
        return EnvVar(key=key, value=value, raw=value, loc=Loc(path=path, line=line, column=column),
                      value_loc=Loc(path=path, line=line, column=column + len(key) + 1))
    return _build(key, value, path, line, column)


def _build(key: str, value: str, path: str, line: int, column: int,
           new=object.__new__, set_=object.__setattr__, var_class=EnvVar) -> EnvVar:
    loc = new_loc(path, line, column)
    value_loc = new_loc(path, line, column + len(key) + 1)
    var = new(var_class)
    set_(var, "key", key)
    set_(var, "value", value)
    set_(var, "raw", value)
    set_(var, "quote", "")
    set_(var, "loc", loc)
    set_(var, "value_loc", value_loc)
    set_(var, "branch", ())
    return var


# `KEY=value` alone on its line, the value with no blank, quote, `$`, `#` or backslash: most lines.
_SIMPLE_BINDING = re.compile(r"\s*([A-Za-z0-9_]+)=([^\s$'\"\\#]*)\n?\Z")


class _Layers(Mapping[str, str]):
    """Lookup through several mappings, the first holding a key wins (no merged copies)."""

    def __init__(self, *layers: Mapping[str, str]):
        self.layers = layers

    def __getitem__(self, key: str) -> str:
        for layer in self.layers:
            if key in layer:
                return layer[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(key in layer for layer in self.layers)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for layer in self.layers for k in layer))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def layered_values(text: str, path: str, base: Mapping[str, str], earlier: Mapping[str, str],
                   ) -> dict[str, str]:
    """The values an env file gives compose's interpolation when it follows `earlier` files:
    each binding's `${VAR}` sees `base` first, then the file's own earlier bindings, then the
    earlier files (what compose does). One pass over the file, whatever its length."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    own: dict[str, str] = {}
    start = resume = 0
    for segment in binding_texts(text):
        end = start + len(segment)
        if end <= resume:
            pass  # inside a quoted value that began in an earlier binding
        elif segment.startswith("\ufeff") and start >= resume:
            # python-dotenv drops a BOM only at the start of a text: read this binding as a
            # text of its own, as a file starting with it would be read.
            env_file, _ = parse_env(segment, path, env=_Layers(base, own, earlier))
            own.update((var.key, var.value) for var in env_file.vars)
        else:
            defined: dict[str, str] = {}
            lookup = _Metered(_Layers(base, own, earlier, defined), EXPANSION_BUDGET)
            try:
                for key, value, *_, stop in _statements(text, max(start, resume), end, lookup, limit=end):
                    defined[key] = value
                    resume = max(resume, stop)
            except _Bad:
                pass
            own.update(defined)
        start = end
    return own


def binding_texts(text: str) -> list[str]:
    """The file cut where python-dotenv cuts its bindings (they tile the text, in order)."""
    return list(_binding_texts(text))


# Without quotes (the only thing that spans lines) and carriage returns, python-dotenv's
# bindings are exactly: the blank run before a line, then the line through its newline.
_PLAIN_BINDING = re.compile(r"\s*[^\n]*\n?")


@lru_cache(maxsize=64)
def _binding_texts(text: str) -> tuple[str, ...]:
    # Cached: compose projects sharing one env file, and the env loader, cut the same text.
    if not any(c in text for c in "'\"\r\ufeff"):
        # its parser costs about 100 us a line: a file of 100,000 lines is cut here instead
        return tuple(_PLAIN_BINDING.findall(text)[:-1]) if text else ()
    # imported here: the package's __init__ brings logging, tempfile and shutil along, which a
    # file without quotes never needs
    from dotenv.parser import parse_stream

    pieces = tuple(b.original.string for b in parse_stream(io.StringIO(text)))
    if "".join(pieces) != text:  # a BOM, which python-dotenv drops: one piece keeps the offsets right
        return (text,)
    return pieces


def _statements(text: str, pos: int, end: int, lookup: Mapping[str, str], limit: Optional[int] = None):
    """compose-go's statement loop over text[pos:end], which ends a text of length `limit`
    (default: `text`'s): yields (key, value, raw, quote, key offset, value offset, end offset),
    raises _Bad."""
    limit = len(text) if limit is None else limit
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            return
        if text[pos] == "#":
            newline = text.find("\n", pos, end)
            pos = end if newline < 0 else newline + 1
            continue
        statement = pos
        export = _EXPORT.match(text, pos, end)
        if export:
            pos = export.end()
            if pos >= limit:
                raise _Bad("line cannot be parsed as KEY=value: nothing after 'export'", statement)
        while pos < end and text[pos] in _BLANK:
            pos += 1
        key_start = pos
        while pos < end and text[pos] not in "=:\n":
            ch = text[pos]
            if ch not in _BLANK and ch not in _KEY_PUNCTUATION and not ch.isalnum():
                raise _Bad("line cannot be parsed as KEY=value: unexpected character in the variable name", statement)
            pos += 1
        if pos >= limit:
            return  # a bare word ending the file: compose reads no name there, and no error
        key = text[key_start:pos].rstrip()
        if " " in key:
            raise _Bad("line cannot be parsed as KEY=value: the variable name contains a space", statement)
        if pos >= end or text[pos] == "\n":
            pos += 1  # bare `KEY`: compose takes it from the outer environment; nothing here
            continue
        pos += 1
        while pos < end and text[pos] in _BLANK:
            pos += 1
        value_start = pos
        quote = text[pos] if pos < end and text[pos] in _QUOTED else ""
        if quote:
            # compose-go reads a quoted value to its closing quote, across python-dotenv's cut.
            m = _QUOTED[quote].match(text, pos)
            if not m:
                raise _Bad("line cannot be parsed as KEY=value (unclosed quote?)", statement)
            # Inside quotes a backslash escapes only the quote itself; others stay for later.
            body = re.sub(r"\\([\s\S])", lambda e: e[1] if e[1] == quote else e[0], m[1])
            raw, pos = m[0], m.end()
            value = body if quote == "'" else _expand(_ESCAPE.sub(_unescape, body), lookup, statement)
        else:
            newline = text.find("\n", pos, end)
            line_end = end if newline < 0 else newline
            raw = text[pos:line_end].split(" #", 1)[0].rstrip()
            value = _expand(raw, lookup, statement)
            pos = line_end
        if not key:
            raise _Bad("line cannot be parsed as KEY=value: no variable name before '='", statement)
        yield key, value, raw, quote, key_start, value_start, pos


def _unescape(match: re.Match) -> str:
    seq = match[0]
    if seq[1] != "0":
        return _SIMPLE_ESCAPES[seq[1]]
    digits = seq[2:]
    # `\0ooo` is Go's `\ooo`: three octal digits, at most 0o377. compose rewrites `\0` to `\`
    # before trying, and keeps the rewritten text when it fails (`\0` -> `\`, `\012` -> `\12`).
    if len(digits) == 3 and all(d in "01234567" for d in digits) and int(digits, 8) <= 0o377:
        return chr(int(digits, 8))
    return "\\" + digits


def _expand(value: str, lookup: Mapping[str, str], statement: int) -> str:
    if "$" not in value:
        return value
    try:
        result = interpolate(value, lookup, EXPANSION_BUDGET)  # this file's budget, metered below
    except _TooLarge:
        raise _Bad(f"value not expanded: expansion in this file passes {EXPANSION_BUDGET} characters",
                   statement) from None
    if result.errors or result.required:
        # compose refuses the whole file on a bad `${...}` or a `${VAR:?message}` left unset.
        raise _Bad("value cannot be interpolated: invalid or failing ${...} expression", statement)
    return result.value

"""nginx syntax: decoded text -> a tree of statements, with crossplane's lexing.

crossplane's own parser only reads by file name and follows includes on disk; we lex text the
Reader already decoded and build the tree here, iteratively, so deep nesting cannot exhaust the
Python stack. Includes are left in the tree as plain statements (see nginx/includes).

Three ways to the same tree, problems and columns: a file that reads plainly is built in one pass
over nginx/lexer's expressions (`_build_plain`); any other goes token by token (`_tokens`), from
nginx/lexer, or from crossplane's own lexer when it holds a `*_by_lua_block` (crossplane's
external lexer). crossplane stays the reference: tests/loaders/test_nginx_lexer.py.
"""
from __future__ import annotations

import re

from typing import Iterator, Optional

from crossplane.errors import NgxParserBaseException
from crossplane.lexer import _lex_file_object

from ...model import LoadProblem, Loc
from ...reader import Lines
from .lexer import (COMMENT, PLAIN, SPECIAL, STATEMENT, STATEMENT_SHIFT, TOKEN, WORD, lex, needs_crossplane,
                    unquote)

# Appended after the text: crossplane's lexer silently stops on an unterminated quote or Lua block
# (it swallows the StopIteration), so seeing this sentinel come back proves the text was lexed whole.
# NUL never occurs in text the Reader accepts.
_END = "\x00"
_TAIL = "\n" + _END + "\n"


class Stmt:
    """One directive: name, arguments, where it is written, and its block (None if `;`-terminated)."""

    __slots__ = ("name", "args", "path", "line", "column", "block")

    def __init__(self, name: str, args: list[str], path: str, line: int, column: int,
                 block: Optional[list["Stmt"]] = None):
        self.name = name
        self.args = args
        self.path = path
        self.line = line
        self.column = column
        self.block = block

    @property
    def loc(self) -> Loc:
        return Loc(path=self.path, line=self.line, column=self.column)

    def __repr__(self) -> str:  # debugging aid
        return f"Stmt({self.name!r}, {self.args!r}, {self.path}:{self.line})"


class _SyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int = 1):
        super().__init__(message)
        self.line = line
        self.column = column


class _TooDeep(_SyntaxError):
    """Blocks nested past the limit: the file is not read (AUD002), like a too-deep YAML file."""


def parse_text(path: str, text: str, max_depth: int = 200) -> tuple[Optional[list[Stmt]], Optional[LoadProblem]]:
    """The statements of one nginx file, or an AUD001 problem (AUD002 past the nesting limit);
    never both, never raises."""
    try:
        if _END in text:
            raise _SyntaxError("binary content (NUL byte)", text.count("\n", 0, text.index(_END)) + 1)
        # an empty or comment-only file is valid nginx (an include target that an application
        # fills in at run time, say): no statements, no problem
        tree = _build_plain(path, text, max_depth) if _plain(text) else None
        return (tree if tree is not None else _build(path, _tokens(text), max_depth)), None
    except _TooDeep as exc:  # a limit, like YAML's and JSON's: AUD002 (not read)
        return None, _problem(path, str(exc), exc.line, exc.column, rule="AUD002")
    except _SyntaxError as exc:
        return None, _problem(path, str(exc), exc.line, exc.column)
    except NgxParserBaseException as exc:  # e.g. a malformed *_by_lua_block
        return None, _problem(path, exc.strerror, exc.lineno or 1)
    except Exception as exc:  # the loader contract: bad input never raises
        return None, _problem(path, f"cannot be parsed ({type(exc).__name__})", 1)


def _problem(path: str, message: str, line: int, column: int = 1, rule: str = "AUD001") -> LoadProblem:
    return LoadProblem(rule=rule, message=f"nginx: {message}",  # type: ignore[arg-type]
                       loc=Loc(path=path, line=max(1, line), column=max(1, column)))


# ---------------------------------------------------------------- tokens


def _tokens(text: str) -> Iterator[tuple[str, int, int, bool]]:
    """(token, line, column, quoted) for each token; comments dropped."""
    if needs_crossplane(text):  # a Lua block: crossplane's lexer has the external lexer for it
        return _tokens_crossplane(text)
    return _tokens_stepwise(text)


def _tokens_stepwise(text: str) -> Iterator[tuple[str, int, int, bool]]:
    """`_tokens_crossplane`'s tokens, columns and errors, from nginx/lexer. A token's column is
    where the lexer found it while `_Columns.locate` would find it there too: its search cursor
    is at the end of the previous token. Otherwise (a token cut by the sentinel, or reported on
    the line after its backslash-newline) `locate` itself is asked, until the cursors agree."""
    size = len(text)
    cursor, in_step = 0, True  # `_Columns.cursor`, and whether it is at the previous token's end
    cols: Optional[_Columns] = None
    last_line = 1
    for token, line, column, quoted, end in lex(text + _TAIL):
        if not quoted and token.endswith(_END):
            rest = token[: -len(_END)]
            if rest:  # a token cut by a backslash at the very end
                cols = cols or _Columns(text)
                cols.cursor = cursor
                yield rest, line, cols.locate(rest, line, False), False
            return
        if in_step and end <= size and (quoted or not token.startswith("\\\n")):
            cursor = end
        else:
            cols = cols or _Columns(text)
            cols.cursor = cursor
            column = cols.locate(token, line, quoted)
            cursor = cols.cursor
            in_step = cursor == end
        last_line = line
        if not quoted and token.startswith("#"):
            continue
        if not quoted and "${" in token and (" " in token or "\t" in token):
            yield from _split_blanks(token, line, column)
            continue
        yield token, line, column, quoted
    cols = cols or _Columns(text)
    cols.cursor = cursor
    raise _unterminated(cols, last_line)


def _tokens_crossplane(text: str) -> Iterator[tuple[str, int, int, bool]]:
    """`_tokens` by crossplane's own lexer (which has the Lua block lexer), columns by `locate`."""
    cols = _Columns(text)
    last_line = 1
    for token, line, quoted in _lex_file_object([text, "\n", _END, "\n"]):
        if not quoted and token.endswith(_END):
            rest = token[: -len(_END)]
            if rest:  # a token cut by a backslash at the very end
                yield rest, line, cols.locate(rest, line, False), False
            return
        column = cols.locate(token, line, quoted)
        last_line = line
        if not quoted and token.startswith("#"):
            continue
        if not quoted and "${" in token and any(c in token for c in " \t"):
            yield from _split_blanks(token, line, column)
            continue
        yield token, line, column, quoted
    raise _unterminated(cols, last_line)


def _split_blanks(token: str, line: int, column: int) -> Iterator[tuple[str, int, int, bool]]:
    # crossplane keeps the blank after a `${VAR}` in the token: `server ${BACKEND}
    # fail_timeout=0;` gives one argument where nginx reads two
    offset = 0
    for part in re.split(r"([ \t]+)", token):
        if part and not part.isspace():
            yield part, line, column + offset, False
        offset += len(part)


def _unterminated(cols: "_Columns", last_line: int) -> _SyntaxError:
    # The lexer stopped before the sentinel: it ran into the end inside a quote or a Lua block.
    line, column, char = cols.next_visible(last_line)
    what = "quoted string" if char in "\"'" else "quoted string or Lua block"
    return _SyntaxError(f"unterminated {what}", line, column)


class _Columns:
    """Columns for the lexer's tokens (crossplane reports lines only), by scanning forward."""

    def __init__(self, text: str):
        self.text = text
        self.starts = Lines(text).starts
        self.cursor = 0

    def _line_span(self, line: int) -> tuple[int, int]:
        i = min(max(line, 1), len(self.starts)) - 1
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)
        return self.starts[i], end

    def locate(self, token: str, line: int, quoted: bool) -> int:
        start, end = self._line_span(line)
        pos = max(self.cursor, start)
        if pos > end:
            pos = start
        text = self.text
        if quoted:
            i = pos
            while i < end and text[i].isspace():
                i += 1
            if i < end and text[i] in "\"'":
                quote, j = text[i], i + 1
                while j < len(text) and text[j] != quote:
                    j += 2 if text[j] == "\\" else 1
                self.cursor = j + 1
                return i - start + 1
            return 1  # a Lua block body: its column is not worth a rescan
        i = text.find(token, pos, end + len(token))
        if i == -1:
            return 1
        self.cursor = i + len(token)
        return i - start + 1

    def next_visible(self, fallback_line: int) -> tuple[int, int, str]:
        """Line, column and character of the first non-blank character after the last token."""
        text, i = self.text, self.cursor
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return fallback_line, 1, ""
        line, column = Lines(text).at(i)
        return line, column, text[i]


# ---------------------------------------------------------------- tree


def _plain(text: str) -> bool:
    """Whether `_build_plain` may read `text`: no Lua block (crossplane's lexer), and no
    backslash-newline, whose token `locate` may place elsewhere (nor a backslash at the end,
    which makes one with the sentinel)."""
    return "\\\n" not in text and not text.endswith("\\") and not needs_crossplane(text)


def _build_plain(path: str, text: str, max_depth: int) -> Optional[list[Stmt]]:
    """`_build(path, _tokens(text), max_depth)` in one pass over nginx/lexer's expressions, for a
    text that reads without a problem; None at the first sign of one (a syntax error, nesting
    past the limit, an unterminated quote), and `_build` then says what it is. Where a
    directive starts, STATEMENT reads a plain one whole; within one, TOKEN reads the rest (so
    arguments are not each tried as the start of a statement). Only a directive's name is
    placed (line, column); `locate`'s columns are the lexer's here (see `_tokens_stepwise`)."""
    root: list[Stmt] = []
    stack: list[list[Stmt]] = [root]
    current: Optional[Stmt] = None
    full = text + _TAIL
    statement, token_at = STATEMENT.match, TOKEN.match
    count, rfind = full.count, full.rfind
    line, counted, line_start = 1, 0, 0  # `line` is the line of offset `counted`
    pos = 0
    while True:
        if current is None:
            m = statement(full, pos)
            if m is None:  # a quote ran into the end
                return None
            group = kind = m.lastindex
        else:
            m = token_at(full, pos)
            if m is None:
                # read whole if the sentinel came back last, as a top-level directive's name
                # (else a quote ran into the end, or the text ended too early)
                return root if current.name == _END and len(stack) == 1 else None
            group = m.lastindex
            kind = group + STATEMENT_SHIFT
        pos = m.end()
        if kind == _PLAIN:
            token = m.group(group)
        elif kind == _SPECIAL:
            token = m.group(group)
            if current is None:
                if token != "}" or len(stack) == 1:
                    return None
                stack.pop()
            elif token == ";":
                stack[-1].append(current)
                current = None
            elif token == "{":
                if len(stack) > max_depth:
                    return None
                current.block = []
                stack[-1].append(current)
                stack.append(current.block)
                current = None
            else:
                return None
            continue
        elif kind == _STATEMENT:  # plain words, then `;` or `{`, where a directive starts
            words = m.group(_WORDS).split()
            start = m.start(_WORDS)
            newlines = count("\n", counted, start)
            if newlines:
                line += newlines
                line_start = rfind("\n", counted, start) + 1
            counted = start
            stmt = Stmt(words[0], words[1:], path, line, start - line_start + 1)
            stack[-1].append(stmt)
            if m.group(_STATEMENT) == "{":
                if len(stack) > max_depth:
                    return None
                stmt.block = []
                stack.append(stmt.block)
            continue
        elif kind == _WORD:
            token = m.group(group)
            if _END in token or ("${" in token and (" " in token or "\t" in token)):
                return None  # cut by the sentinel, or a `${` word that `_tokens` splits at blanks
        elif kind == _COMMENT:
            continue
        else:
            token = m.group(group)[1:-1]
            if "\\" in token:
                token = unquote(token, m.group(group)[0])
        if current is not None:
            current.args.append(token)
            continue
        start = m.start(group)
        newlines = count("\n", counted, start)
        if newlines:
            line += newlines
            line_start = rfind("\n", counted, start) + 1
        counted = start
        current = Stmt(token, [], path, line, start - line_start + 1)


# STATEMENT's groups: the words and the `;` or `{` after them, then TOKEN's
_WORDS, _STATEMENT = 1, 2
_PLAIN, _SPECIAL, _COMMENT, _WORD = (g + STATEMENT_SHIFT for g in (PLAIN, SPECIAL, COMMENT, WORD))


def _build(path: str, tokens: Iterator[tuple[str, int, int, bool]], max_depth: int) -> list[Stmt]:
    root: list[Stmt] = []
    stack: list[tuple[list[Stmt], Optional[Stmt]]] = [(root, None)]  # (children, the block's stmt)
    current: Optional[Stmt] = None  # the directive whose arguments are being read
    last_line = 1
    for token, line, column, quoted in tokens:
        last_line = line
        special = not quoted and token in ("{", "}", ";")
        if current is None:
            if not special:
                current = Stmt(token, [], path, line, column)
            elif token == "}":
                if len(stack) == 1:
                    raise _SyntaxError('unexpected "}"', line, column)
                stack.pop()
            else:
                raise _SyntaxError(f'unexpected "{token}"', line, column)
        elif not special:
            current.args.append(token)
        elif token == ";":
            stack[-1][0].append(current)
            current = None
        elif token == "{":
            if len(stack) > max_depth:
                raise _TooDeep(f"blocks nested deeper than {max_depth} levels; not read", line, column)
            current.block = []
            stack[-1][0].append(current)
            stack.append((current.block, current))
            current = None
        else:
            raise _SyntaxError(f'unexpected "}}": "{current.name}" is not terminated by ";"', line, column)
    if current is not None:
        raise _SyntaxError(f'unexpected end of file: "{current.name}" is not terminated by ";"',
                           current.line, current.column)
    if len(stack) > 1:
        opened = stack[-1][1]
        assert opened is not None
        raise _SyntaxError(f'unexpected end of file, expecting "}}": the "{opened.name}" block '
                           f"opened here is not closed (end of file at line {last_line})",
                           opened.line, opened.column)
    return root

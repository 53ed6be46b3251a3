"""nginx/lexer against crossplane's own lexer, token by token; the nginx loader's tokens, columns
and errors through it against those through crossplane.

crossplane stays the reference: `lex` must give what `crossplane.lexer._lex_file_object` gives
(text, line, quoted) on any text it handles, and `syntax._tokens` (the fast path) what
`syntax._tokens_crossplane` gives, errors included. scripts/compare_nginx_lexer.py runs the same
comparisons on real repositories.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from unittest import mock

import pytest
from crossplane.lexer import EXTERNAL_LEXERS, _lex_file_object
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from auditor.loaders.nginx import syntax
from auditor.loaders.nginx.lexer import lex, needs_crossplane

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# Pieces of nginx and of everything the lexer treats specially: blanks of every kind (Unicode ones
# too), newlines alone and after a backslash, both quotes and escaped quotes, comments, braces,
# `${...}` with and without its closing brace or with blanks inside, Lua blocks and Lua comments.
FRAGMENTS = [
    "server", "listen", "80", "location", "/api/", "proxy_pass", "http://app:3000", "~*", "\\.php$",
    "a", "b", "$", "$x", "${", "${a}", "${a b}", "${a}b", "${a};", "$\\{", "\\$", "\\${x}", "}", "{", ";",
    '"', "'", '"q s"', "'q'", '\\"', "\\'", '"a\\"b"', "\\", "\\\\", "\\\n", "\\ ", "\\;", "\\{", "\\}",
    "#", "# c", "#x;", "a#b", " ", "  ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85",
    "\u00a0", "\u2028", "\u3000", "é", "ü", "\u4e2d", "\U0001f600",
    "content_by_lua_block", "set_by_lua_block $v", "access_by_lua_block", "-- lua", "-", "ngx.say('}')",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=40).map("".join)
nginxish = texts.filter(lambda t: "\x00" not in t)


def reference(text: str) -> list[tuple[str, int, bool]]:
    return list(_lex_file_object([text]))


def ours(text: str) -> list[tuple[str, int, bool]]:
    return [(token, line, quoted) for token, line, _column, quoted, _end in lex(text)]


def outcome(tokens) -> list:
    """Every token, then the error that ended them (type, message, line, column), if any."""
    out = []
    try:
        for token in tokens:
            out.append(token)
    except Exception as exc:  # noqa: BLE001 - the error is part of what is compared
        out.append((type(exc).__name__, str(exc), getattr(exc, "line", None),
                    getattr(exc, "column", None), getattr(exc, "lineno", None)))
    return out


# ---------------------------------------------------------------- the lexer itself


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("server { listen 80; }")
@example("a ${b c} d")           # the blank after `${b` joins the word
@example("a ${b}\nc;")           # so does the newline after `}`
@example("a${b}${c} d;")
@example("\\\nx;")                # reported on the line after the backslash-newline
@example("# c \\\nx;")           # a comment ends at a backslash-newline
@example('"open')                 # dropped at the end
@example("word")                  # dropped at the end: nothing ends it
@example("${x")
@example("a\\")
@example('a"b c"d "e\\"f" \'g\\\'h\' "i\\\'j"')
def test_lex_is_crossplanes_lexer(text):
    if needs_crossplane(text):
        return  # the Lua block lexer is crossplane's alone; syntax._tokens hands these texts over
    assert ours(text) == reference(text)


@given(texts)
@settings(max_examples=500, deadline=None)
@example('"\\\n"\\\n')  # a quoted token whose text starts with a backslash-newline
def test_columns_and_ends_are_where_the_token_is_written(text):
    if needs_crossplane(text):
        return
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    for token, line, column, quoted, end in lex(text):
        # crossplane counts an unquoted word that starts with `\<newline>` on the next line
        start = starts[line - 1 - (token.startswith("\\\n") and not quoted)] + column - 1
        if quoted:
            assert text[start] in "\"'" and text[end - 1] == text[start]
        else:
            assert text[start:end] == token


def test_blanks_are_strs_blanks():
    # the expression's `\s` must be `str.isspace`, with which crossplane tests each character
    space = re.compile(r"\s")
    assert [c for c in range(sys.maxunicode + 1) if chr(c).isspace() != bool(space.fullmatch(chr(c)))] == []


def test_every_external_lexer_hands_the_text_to_crossplane():
    assert EXTERNAL_LEXERS, "crossplane registers its Lua block lexer on import"
    for name in EXTERNAL_LEXERS:
        assert needs_crossplane(f"location / {{ {name} {{ }} }}")
    assert not needs_crossplane("location / { content_by_lua_file x.lua; }")


# ---------------------------------------------------------------- the loader's tokens


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nginxish)
@example("server {\n  listen 80;\n  server_name a b;\n}\n")
@example('x "open\n')
@example("x 'a' \"b\" c")
@example("a\\")                    # cut by the end
@example("a ${b}")                 # `${b}` and the sentinel's newline are one token
@example("\\\nx \\\ny;\nz;")        # reported on the next line: `locate` is asked
@example("server { content_by_lua_block { ngx.say('}') } }")
@example("content_by_lua_block {")
@example("set_by_lua_block $v { return 1 }")
def test_loader_tokens_are_those_through_crossplane(text):
    expected = outcome(syntax._tokens_crossplane(text))
    assert outcome(syntax._tokens(text)) == expected
    if not needs_crossplane(text):
        assert outcome(syntax._tokens_stepwise(text)) == expected


@settings(max_examples=600, deadline=None)
@given(nginxish)
def test_parse_text_is_the_same_through_crossplane(text):
    assert _parsed(text) == _parsed(text, crossplane=True)


# Well-formed configurations (the files the fast path reads whole): directives with plain,
# quoted, `$`/`${}` and odd arguments, nested blocks, comments and blanks of every kind between.
_BLANKS = st.sampled_from([" ", "\t", "\n", "  ", "\n\n  ", " # note\n", "#\n", "\r\n", "\u00a0", "\x0b"])
_NAMES = st.sampled_from(["server", "listen", "location", "proxy_pass", "x", "é", "a#b", '"q"', "'n m'", "${A}"])
_ARGS = st.sampled_from(["80", "/api/", "http://app:3000", "$host", "a$b", "$", "${A}", "${A}x", "a${B}", "x#y",
                         'a"b', '"a b"', "'c'", '"q\\"x"', "'\\''", '""', "\\$x", "~*", "\\.php$"])


def _statement(inner):
    return st.tuples(_NAMES, st.lists(st.tuples(_BLANKS, _ARGS), max_size=3), _BLANKS,
                     st.one_of(st.just(None), st.lists(st.tuples(_BLANKS, inner), max_size=4))).map(
        lambda t: t[0] + "".join(b + a for b, a in t[1]) + t[2]
        + (";" if t[3] is None else "{" + "".join(b + s for b, s in t[3]) + "\n}"))


_LEAF = st.tuples(_NAMES, st.lists(st.tuples(_BLANKS, _ARGS), max_size=3)).map(
    lambda t: t[0] + "".join(b + a for b, a in t[1]) + ";")
configs = st.lists(st.tuples(_BLANKS, st.recursive(_LEAF, _statement, max_leaves=12)), max_size=6).map(
    lambda parts: "".join(b + s for b, s in parts))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
@example("server {\n  listen 80;\n  location / { proxy_pass http://a:1; }\n}\n")
def test_well_formed_configurations_are_the_same_through_crossplane(text):
    assert _parsed(text) == _parsed(text, crossplane=True)
    if not re.search(r"\$\{[^}\s]*\}?[ \t]", text):  # else `_tokens` splits a word: its path
        assert syntax._build_plain("x.conf", text, 4) is not None or _parsed(text)[1] is not None


def _parsed(text: str, crossplane: bool = False):
    if crossplane:
        with mock.patch.object(syntax, "_tokens", syntax._tokens_crossplane), \
                mock.patch.object(syntax, "_plain", lambda text: False):
            tree, problem = syntax.parse_text("x.conf", text, max_depth=4)
    else:
        tree, problem = syntax.parse_text("x.conf", text, max_depth=4)
    return _dump(tree), problem


def _dump(tree):
    if tree is None:
        return None
    return [(s.name, s.args, s.path, s.line, s.column, _dump(s.block)) for s in tree]


def _fixture_texts() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*")
                  if p.is_file() and (p.suffix in (".conf", ".template", ".txt") or "nginx" in p.name))


@pytest.mark.parametrize("path", _fixture_texts(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_files(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if "\x00" in text:
        pytest.skip("NUL byte: refused before lexing")
    assert outcome(syntax._tokens(text)) == outcome(syntax._tokens_crossplane(text))
    if not needs_crossplane(text):
        assert ours(text) == reference(text)

"""nginx tokens exactly as crossplane's lexer gives them, from one compiled regular expression.

`crossplane.lexer._lex_file_object` reads a character at a time through three generators; on a
thousand-service stack that was most of the nginx loader's time. `lex` gives the same tokens
(text, line, quoted) in one C scan per token, plus each token's column and end offset. What
crossplane does, and so what this does (tests/loaders/test_nginx_lexer.py compares the two on
generated texts and on every real nginx file of the corpus):

- a backslash and the character after it are one character everywhere (`\\;` is no `;`), and
  kept as written, except that in a quoted string `\\"` (`\\'`) becomes the quote;
- a line counts from the character that holds its newline: a token that starts with a
  backslash-newline is reported on the next line;
- `#` starts a comment only where no token is under way; the comment ends before the newline
  (or backslash-newline) and is a token of its own;
- a quote starts a quoted string only where no token is under way (`a"b"` is one word), and the
  string ends at the same quote; a word ends at a blank or at `{`, `}`, `;`;
- `${` inside a word (after `$` or `\\$`) reads on, blanks excluded, until a `}`; then one more
  character joins the word whatever it is, a blank included (`${A} b` is one word `${A} b`);
- at the end of the text, a word still under way and an open quote or comment are dropped
  silently (crossplane swallows the end of input).

Directives that crossplane hands to an external lexer (the `*_by_lua_block` family) are not
handled here: callers check `needs_crossplane` first and use crossplane for those texts.
"""
from __future__ import annotations

import re
from typing import Iterator

from crossplane.lexer import EXTERNAL_LEXERS

# `${...}` with what follows it: up to a `}` (alone or escaped), or a blank (which joins the word),
# or the end of the text (then the word is dropped); a `}` may take one blank along.
_BRACES = r"\\?\$\{[^\s\\}]*(?:\\[^}][^\s\\}]*)*(?:\\?\}\s?|\s|\\?\Z)"
# The alternatives start with different characters, so their order is only a matter of speed:
# the most frequent first.
_PLAIN_RUN = r"[^\s\\{};$]*(?:\$(?!\{)[^\s\\{};$]*)*"
TOKEN = re.compile(
    r"\s*(?:"
    # 1: a plain word (most of them): no backslash, no `${`, ended by a blank or `{`, `}`, `;`
    rf"((?:[^\s\\#\"'{{}};$]|\$(?!\{{)){_PLAIN_RUN})(?=[\s{{}};])"
    r"|([{};])"                                       # 2: a token of its own
    r"|(#[^\\\n]*(?:\\[^\n][^\\\n]*)*)(?:\n|\\\n)"     # 3: a comment, its end of line consumed
    r'|("[^"\\]*(?:\\[\s\S][^"\\]*)*")'               # 4: a double-quoted string
    r"|('[^'\\]*(?:\\[\s\S][^'\\]*)*')"               # 5: a single-quoted string
    rf"|((?:{_BRACES}|\\[\s\S]|\\\Z|[^\s\\#\"'{{}};])"  # 6: any word: its first character,
    rf"(?:[^\s\\{{}};$]+|{_BRACES}|\\[\s\S]|\\\Z|\$)*)"  #    then the rest
    r")")
PLAIN, SPECIAL, COMMENT, DOUBLE, SINGLE, WORD = 1, 2, 3, 4, 5, 6  # TOKEN's groups

# For a reader that wants statements (syntax._build_plain): up to nine plain words and the `;` or
# `{` after them in one match (group 1 the words, 2 the `;` or `{`), else TOKEN's alternatives
# (their groups numbered 2 higher). Bounded, so that a long run of words that does not end well
# costs each word a look at the next nine only.
_PLAIN_WORD = rf"(?:[^\s\\#\"'{{}};$]|\$(?!\{{)){_PLAIN_RUN}(?=[\s{{}};])"
STATEMENT = re.compile(rf"\s*(?:({_PLAIN_WORD}(?:\s+{_PLAIN_WORD}){{0,8}})\s*([;{{])|" + TOKEN.pattern[6:])
STATEMENT_SHIFT = 2


def unquote(body: str, quote: str) -> str:
    """A quoted string's text: only its own quote loses the backslash before it."""
    return body.replace("\\" + quote, quote)


def needs_crossplane(text: str) -> bool:
    """Whether `text` may name a directive that crossplane lexes with an external lexer."""
    return _EXTERNAL_HINT in text or (bool(_OTHER_NAMES) and any(name in text for name in _OTHER_NAMES))


# crossplane registers the Lua block directives, all `*_by_lua_block`: one substring test rules
# them out; a name of any other form would be looked for on its own.
_EXTERNAL_HINT = "_by_lua_block"
_OTHER_NAMES = tuple(name for name in EXTERNAL_LEXERS if _EXTERNAL_HINT not in name)


def lex(text: str) -> Iterator[tuple[str, int, int, bool, int]]:
    """(token, line, column, quoted, end offset) for each token crossplane's lexer yields for
    `text` (which must not need crossplane, see `needs_crossplane`). The column is where the
    token is written (its opening quote, for a quoted string), 1-based on the line that holds
    its first character."""
    match = TOKEN.scanner(text).match
    count, rfind = text.count, text.rfind
    size = len(text)
    line, counted, line_start = 1, 0, 0  # `line` is the line of offset `counted`
    while True:
        m = match()
        if m is None:  # the end, or an open quote or comment at the end
            return
        kind = m.lastindex
        start = m.start(kind)
        newlines = count("\n", counted, start)
        if newlines:
            line += newlines
            line_start = rfind("\n", counted, start) + 1
        counted = start
        token = m.group(kind)
        if kind == PLAIN or kind == WORD:
            end = m.end()
            if end == size:  # still under way at the end of the text: crossplane drops it
                return
            # a backslash-newline first counts its newline before the token starts
            yield (token, line + 1 if token.startswith("\\\n") else line, start - line_start + 1, False, end)
        elif kind == SPECIAL:
            yield (token, line, start - line_start + 1, False, start + 1)
        elif kind == COMMENT:
            yield (token, line, start - line_start + 1, False, m.end(COMMENT))
        else:
            body = token[1:-1]
            if "\\" in body:
                body = unquote(body, token[0])
            yield (body, line, start - line_start + 1, True, m.end())

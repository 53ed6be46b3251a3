"""The one-scan hint in front of the token formats: it never hides a token a format finds."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.knowledge import secrets as k


def _naive_format(value: str):
    if not value or len(value) < 16:
        return None
    return next((label for label, p in k.TOKEN_FORMATS
                 if label not in k.IDENTIFIER_TOKENS and p.search(value)), None)


def test_each_format_loses_only_its_lookbehind():
    for _label, pattern in k.TOKEN_FORMATS:
        loose = k._without_lookbehind(pattern.pattern)
        head = pattern.pattern[:len(pattern.pattern) - len(loose)]
        assert pattern.pattern.endswith(loose)
        assert head == "" or (head.startswith("(?<!") and head.endswith(")") and re.compile(head))


_FORMATS = st.sampled_from([p for _l, p in k.TOKEN_FORMATS])
_GLUE = st.text(alphabet="aZ09_-.:/= \n@+", max_size=6)


@st.composite
def _texts(draw):
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(_GLUE))
        parts.append(draw(st.from_regex(draw(_FORMATS), fullmatch=False)))
    parts.append(draw(_GLUE))
    return "".join(parts)


@given(_texts())
@settings(max_examples=300, deadline=None)
def test_the_hint_hides_no_token(text):
    k.token_format.cache_clear()
    assert k.token_format(text) == _naive_format(text)
    assert k.has_token(text) == any(p.search(text) for _l, p in k.TOKEN_FORMATS)
    assert sorted(k.find_tokens(text)) == sorted(
        m.span() for _l, p in k.TOKEN_FORMATS for m in p.finditer(text))


def test_long_values_are_searched_format_by_format():
    token = "ghp_" + "F" * 36
    long = "x" * (k._HINT_MAX + 1) + " " + token
    assert k.has_token(long) and k.find_tokens(long)
    assert not k.has_token("x " * 5000)

"""The one-match reading of simple URLs gives exactly what the general path (urlsplit and the
userinfo search) gives."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.graph.urls import _split_url, split_url

PIECES = st.sampled_from([
    "http", "https", "HTTP", "ws", "postgres", "redis", "x+y", "a.b-c", "://", ":", "/", "//", "?", "#",
    "@", "host", "Example.COM", "api", ".", "..", "-", "_", "8080", "65535", "65536", "0", "99999",
    "%20", "$", "{", "}", "[", "]", "::1", "\\", "~", "a=b&c", " ", "\t", "é", "x", "1", "00080",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=10).map("".join), st.integers(0, 50))
def test_simple_reading_equals_the_general_one(text, start):
    assert split_url(text, start) == _split_url(text, start), text


def test_typical_urls():
    for url in ["http://grafana:3000/login", "https://api.example.com", "redis://cache:6379/0",
                "http://web.g012.example.net/path?q=1#top", "https://example.com.:8443/"]:
        assert split_url(url) == _split_url(url), url


LABEL = st.text(alphabet="abcXYZ019-_", min_size=1, max_size=6)


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["http", "HTTPS", "ws", "postgres", "a+b.c-d", "1x"]),
       st.lists(LABEL, min_size=1, max_size=4).map(".".join), st.sampled_from(["", "."]),
       st.one_of(st.none(), st.integers(0, 70000).map(str), st.just("")),
       st.text(alphabet="abc/._~!$&'()*+,;=:-%@", max_size=12),
       st.sampled_from(["", "?", "?a=b", "#f", "?q=1#x", "?a@b", "?x y"]))
def test_structured_urls(scheme, host, dot, port, path, tail):
    text = f"{scheme}://{host}{dot}" + (f":{port}" if port is not None else "") + \
        (("/" + path) if path else "") + tail
    assert split_url(text) == _split_url(text), text

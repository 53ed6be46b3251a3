"""The routing index's filter of regex names by literal pieces changes no answer."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.graph.routing import RegexUnknown, ServerIndex
from auditor.model import Loc, NginxListen, NginxServer

NAMES = st.sampled_from([
    "app.example.com", "api.example.com", "*.example.com", ".example.org", "www.*",
    r"~^(?<sub>[a-z]+)\.g001\.example\.net$", r"~^(?<sub>[a-z]+)\.g002\.example\.net$",
    r"~^api-[0-9]+\.example\.com$", r"~example", r"~^(a+)+$", r"~^x{2,}\.shop$", "~.*", "_",
    r"~^(www\.)?abc\.io$", r"~\bbad(?<=x)", r"~^mixed\.Case\.COM$",
])
HOSTS = st.one_of(
    st.sampled_from(["app.example.com", "a.g001.example.net", "zz.g002.example.net", "api-12.example.com",
                     "example.org", "x.example.org", "www.thing", "aaaa", "xxx.shop", "abc.io",
                     "www.abc.io", "MIXED.case.com", "api.example.com.", "ümlaut.example.com", "g001"]),
    st.text(alphabet="abcgx0129.-", min_size=0, max_size=20),
)


def _server(i: int, names: list[str]) -> NginxServer:
    loc = Loc(path="site.conf", line=i + 1)
    return NginxServer(id=f"site.conf:{i}", server_names=tuple(names), loc=loc,
                       listens=(NginxListen(port=80, loc=loc),))


def _answer(call):
    try:
        return [s.id for s in call()]
    except RegexUnknown:
        return "unknown"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(NAMES, min_size=1, max_size=3), min_size=1, max_size=8), st.lists(HOSTS, max_size=6))
def test_index_answers_as_the_scan(name_lists, hosts):
    servers = [_server(i, names) for i, names in enumerate(name_lists)]
    index = ServerIndex(servers)
    unfiltered = ServerIndex(servers)
    unfiltered._by_gram = {}  # every regex tried against every host, as without the filter
    for host in hosts:
        assert _answer(lambda: index.named(host)) == _answer(lambda: unfiltered.named(host)), host


def test_many_regex_servers_meet_only_hosts_with_their_literal():
    """One regex server per site: a host is tried only against the regexes whose rare literal
    piece it holds, and still finds its server."""
    servers = [_server(i, [rf"~^(?<sub>[a-z]+)\.g{i:03d}\.example\.net$"]) for i in range(200)]
    index = ServerIndex(servers)
    assert [s.id for s in index.named("web.g123.example.net")] == ["site.conf:123"]
    assert index.named("web.example.net") == []
    assert len(index._regex_candidates("web.g123.example.net")) < 5

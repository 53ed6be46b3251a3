"""Arguments of single nginx directives: `listen`, `proxy_pass`/`grpc_pass`, upstream `server`, `location`.

IPv6 addresses are stored without brackets; ports that are not literal numbers (`${PORT}` in a
template) are 0 for a listen and None for a target.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional

from ...model import Loc, NginxListen, ProxyTarget, UpstreamServer

_ALL_V4 = ("", "*", "0.0.0.0")
_LISTEN_FLAGS_DEFAULT = frozenset(("default_server", "default"))

# Variables that hold the request URI: written straight after a host (`http://app$request_uri`)
# they are the path, not part of the host name.
_URI_VARS = re.compile(r"\$\{?(?:request_uri|uri|document_uri|is_args|args|query_string)\b\}?")
_AUTHORITY = re.compile(r"(\[[^\]]*\]|[^:/?]*)(?::(\d+|\$\{?\w+\}?))?(.*)\Z", re.S)


def _digits(text: str) -> bool:
    """ASCII digits only: `str.isdigit` is also true of `²`, which `int` refuses."""
    return text.isascii() and text.isdigit()


def _port(text: Optional[str]) -> Optional[int]:
    return int(text) if text and _digits(text) and len(text) <= 6 else None


def parse_listen(args: list[str], loc: Loc) -> NginxListen:
    raw = " ".join(args)
    spec = args[0] if args else ""
    opts = {a.lower() for a in args[1:]}
    flags = dict(ssl="ssl" in opts, http2="http2" in opts,
                 default_server=not opts.isdisjoint(_LISTEN_FLAGS_DEFAULT), raw=raw, loc=loc)
    if spec.startswith("unix:"):
        return NginxListen(address="", port=0, unix=spec[5:], **flags)
    if spec.startswith("["):
        close = spec.find("]")
        host = spec[1:close] if close > 0 else spec[1:]
        rest = spec[close + 1:] if close > 0 else ""
        port = _port(rest[1:]) if rest.startswith(":") else (80 if not rest else None)
        return NginxListen(address=host, port=port or 0, ipv6=True, **flags)
    if _digits(spec):
        return NginxListen(address="", port=int(spec), **flags)
    host, sep, port_text = spec.rpartition(":")
    if not sep:  # an address alone listens on 80, a `${VAR}` alone is a port we cannot know
        host, port = ("", 0) if "$" in spec else (spec, 80)
    else:
        port = _port(port_text) or 0
    return NginxListen(address="" if host in _ALL_V4 else host, port=port, **flags)


def parse_target(raw: str, loc: Loc, upstreams: Mapping[str, str], default_scheme: str = "") -> ProxyTarget:
    """A `proxy_pass` (or `grpc_pass`) URL; `upstreams` maps lower-cased upstream names to names."""
    has_variables = "$" in raw
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = default_scheme, raw
    scheme = scheme.lower()
    if rest.startswith("unix:"):  # http://unix:/run/app.sock:/uri
        sock, colon, path = rest[5:].partition(":")
        return ProxyTarget(raw=raw, scheme=scheme, host="unix:" + sock, path=path if colon else "",
                           has_variables=has_variables, loc=loc)
    if "@" in rest:
        at = rest.rfind("@", 0, min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest)))
        if at >= 0:  # `user:password@` (nginx refuses it): neither host nor path, and never shown
            rest = rest[at + 1:]
    m = _AUTHORITY.match(rest)
    host, port_text, path = (m.group(1), m.group(2), m.group(3)) if m else (rest, None, "")
    if host.startswith("["):
        host = host[1:-1] if host.endswith("]") else host[1:]
    elif "$" in host:
        uri = _URI_VARS.search(host)
        if uri and uri.start() > 0:
            host, path = host[: uri.start()], host[uri.start():] + path
    upstream = upstreams.get(host.lower()) if host else None
    return ProxyTarget(raw=raw, scheme=scheme, host=host, port=_port(port_text), path=path,
                       has_variables=has_variables, upstream=upstream, loc=loc)


def parse_upstream_server(args: list[str], loc: Loc) -> UpstreamServer:
    raw = " ".join(args)
    spec = args[0] if args else ""
    if spec.startswith("unix:"):
        return UpstreamServer(host=spec, raw=raw, loc=loc)
    if spec.startswith("["):
        close = spec.find("]")
        rest = spec[close + 1:] if close > 0 else ""
        return UpstreamServer(host=spec[1:close] if close > 0 else spec[1:],
                              port=_port(rest[1:]) if rest.startswith(":") else None, raw=raw, loc=loc)
    host, sep, port_text = spec.rpartition(":")
    if not sep:
        return UpstreamServer(host=spec, raw=raw, loc=loc)
    return UpstreamServer(host=host, port=_port(port_text), raw=raw, loc=loc)


_MODIFIERS = ("=", "~*", "~", "^~")


def parse_location(args: list[str]) -> tuple[str, str]:
    """(modifier, path) of `location [modifier] path`; named locations keep their `@`."""
    if len(args) >= 2 and args[0] in _MODIFIERS:
        return args[0], " ".join(args[1:])
    spec = " ".join(args)
    if spec.startswith("@"):
        return "@", spec
    for mod in _MODIFIERS:  # nginx also accepts the modifier glued to the path: `=/health`
        if spec.startswith(mod) and len(spec) > len(mod):
            return mod, spec[len(mod):]
    return "", spec

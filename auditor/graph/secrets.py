"""Every secret value the graph holds, so that each output can mask it wherever it shows up
(an interpolated `command`, a docs table cell, a message) and not only beside its key."""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from ..knowledge.secrets import is_default_credential, secret_key
from ..redact import Scrubber, secret_values
from .model import Graph

# Command-line flags whose argument is a credential although their name does not say so in
# words `secret_key` knows: redis-server --requirepass/--masterauth, and redis-cli -a.
_SECRET_FLAGS = frozenset({"requirepass", "masterauth"})
_REDIS_CLI_FLAGS = frozenset({"a"})
# Authorization schemes written before a credential in a header value (`Bearer <token>`).
_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest", "apikey"})


def _argv_pairs(args: Iterable[str]) -> Iterator[tuple[Optional[str], str]]:
    """(flag, value) pairs of a command line: `--password X`, `--password=X`, `-a X`; each
    argument is also split on blanks, for `sh -c "redis-server --requirepass X"`."""
    args = list(args)
    words = [w for arg in args for w in dict.fromkeys((arg, *arg.split())) if w]
    flags = _SECRET_FLAGS | (_REDIS_CLI_FLAGS if any("redis-cli" in w for w in words) else frozenset())

    def secret_flag(word: str) -> bool:
        name = word.lstrip("-")
        return word.startswith("-") and bool(name) and (name.lower() in flags or secret_key(name))

    for arg in args:
        yield None, arg
    for flag, value in zip(words, words[1:]):
        if "=" not in flag and secret_flag(flag) and not value.startswith("-"):
            yield "password", value
    for word in words:
        name, eq, value = word.partition("=")
        if eq and value and secret_flag(name):
            yield "password", value


def _header_pairs(headers: Iterable[tuple[str, str]]) -> Iterator[tuple[Optional[str], str]]:
    for name, value in headers:
        yield name, value
        scheme, _, credential = value.strip().partition(" ")
        if credential and scheme.lower() in _AUTH_SCHEMES and secret_key(name):
            yield name, credential.strip()


def _pairs(graph: Graph) -> Iterator[tuple[Optional[str], str]]:
    for env in graph.env_files:
        for v in env.vars:
            yield v.key, v.value
            yield v.key, v.raw
    for s in graph.services:
        for e in s.environment:
            if e.value:
                yield e.key, e.value
        yield from _argv_pairs(s.command)
        if s.healthcheck is not None:
            yield from _argv_pairs(s.healthcheck.test)
    servers = [server for config in graph.nginx for server in config.servers]
    servers += [live.server for live in graph.live.nginx] if graph.live is not None else []
    for server in servers:
        for location in server.locations:
            if location.proxy_pass is not None:
                yield None, location.proxy_pass.raw  # `http://user:pass@host`
            yield from _header_pairs(location.proxy_set_header)
            yield from _header_pairs(location.add_header)
    for config in graph.nginx:
        for upstream in config.upstreams:
            for member in upstream.servers:
                yield None, member.raw
    for doc in graph.docs:
        for m in doc.mentions:
            yield m.key, m.text.partition("=")[2] if m.key else m.text
        for table in doc.tables:
            for row in table.rows:
                # A two-column "key | value" shape is the common way docs state a variable.
                for key, value in zip(row.cells, row.cells[1:]):
                    yield key, value


def scrubber(graph: Graph, min_length: int = 4, *, defaults: bool = True) -> Scrubber:
    """`defaults=False` leaves well-known default credentials (`postgres`, `admin123`) alone:
    they are public knowledge and, as ordinary words, would blank names out of messages."""
    values = graph.derived("secret_values", lambda g: frozenset(secret_values(_pairs(g))))
    if not defaults:
        values = {v for v in values if not is_default_credential(v)}
    return Scrubber(values, min_length=min_length)

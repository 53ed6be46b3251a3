"""Every secret value the graph holds, so that each output can mask it wherever it shows up
(an interpolated `command`, a docs table cell, a message) and not only beside its key."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator, Optional

from ..knowledge.docs_vocabulary import column_role, synonyms
from ..knowledge.secrets import is_default_credential, is_setting, secret_key
from ..redact import Masker, distinctive, secret_values
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
    if any("mysql" in w or "mariadb" in w for w in words):  # `mysqladmin -uroot -pS3cret`
        for word in words:
            if word.startswith("-p") and len(word) > 2 and not word.startswith("-p="):
                yield "password", word[2:]
                yield "password", word  # glued: `-pS3` as a whole value, however short S3 is
    for word in words:
        name, eq, value = word.partition("=")
        if eq and value and secret_flag(name):
            yield "password", value


def _header_pairs(headers: Iterable[tuple[str, str]]) -> Iterator[tuple[Optional[str], str]]:
    for name, value in headers:
        scheme, _, credential = value.strip().partition(" ")
        if credential and scheme.lower() in _AUTH_SCHEMES and secret_key(name):
            # Only the credential: masking `Bearer X` whole would keep its last characters.
            yield name, credential.strip()
        else:
            yield name, value


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
            yield from _table_pairs(table)


_ROLES = synonyms()


def _table_pairs(table) -> Iterator[tuple[Optional[str], str]]:
    """A docs table row that names a secret variable (`| DB_PASSWORD | prod | S3cr3t! |`): its
    value is the cell of the "value" column when the headers say which; otherwise every later
    cell that could be a credential (not a word like `prod`, not a number)."""
    roles = _column_roles(table.headers)
    value_columns = [i for i, role in enumerate(roles) if role == "value"]
    for row in table.rows:
        for i, key in enumerate(row.cells):
            if not secret_key(key.strip("*` ")):
                continue
            later = [j for j in range(i + 1, len(row.cells))]
            chosen = [j for j in later if j in value_columns] if value_columns else [
                j for j in later if distinctive(row.cells[j].strip("`* ")) and not is_setting(row.cells[j])]
            for j in chosen:
                yield "password", row.cells[j].strip("`* ")
            break
        for cell in row.cells:
            yield None, cell  # tokens and URL passwords in any cell


@lru_cache(maxsize=1024)  # tables of one document repeat their headers
def _column_roles(headers: tuple[str, ...]) -> list[Optional[str]]:
    return [column_role(h, _ROLES) for h in headers]


def secret_values_of(graph: Graph) -> frozenset[str]:
    """Every secret value the graph holds (computed once per graph)."""
    return graph.derived("secret_values", lambda g: frozenset(secret_values(_pairs(g))))


def masker(graph: Graph) -> Masker:
    """The one masker of every output: every secret value the graph holds, of any length, except
    well-known default credentials (`postgres`, `admin123`): public knowledge, and as ordinary
    words they would blank names out of every report (SEC003 reports them where they are set)."""
    return graph.derived("masker", lambda g: Masker(
        (v for v in secret_values_of(g) if not is_default_credential(v)), names=structural_names(g)))


def structural_names(graph: Graph) -> set[str]:
    """Names the inputs give things (services, containers, projects, networks, volumes, folders
    and files): messages name them, and a secret equal to one is not masked where it stands as
    that name (see `Masker`)."""
    names: set[str] = set()
    for p in graph.projects:
        names.update((p.name, *p.networks, *p.volumes))
        for s in p.services:
            names.update((s.name, s.container_name or "", s.hostname or ""))
            names.update(n.name for n in s.networks)
    for f in graph.files:
        names.update(f.path.split("/"))
    return names


def scrubber(graph: Graph, min_length: int = 1, *, defaults: bool = True) -> Masker:
    """Former name of `masker`, kept for callers outside the engine."""
    return masker(graph)

"""Joins of the facts read from docs tables with the config: which service a row names, which
ports a server answers on, which places set a variable.

DRF001 asks these questions of every row; the answers are the graph's, so a rule only compares.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..knowledge.docs_vocabulary import fold
from ..model import EnvVar, Loc, NginxServer, Service, VariableFact
from .model import Graph, ProxyLink


_NOT_NAME = re.compile(r"[^a-z0-9]")


def norm(name: str) -> str:
    """A name as docs and config are compared: `SDK Relay`, `sdk_relay` and `sdk-relay` are one."""
    return _NOT_NAME.sub("", fold(name))


class ServiceIndex:
    """Compose services by normalised name and container_name."""

    def __init__(self, graph: Graph):
        self.by_name: dict[str, list[Service]] = {}
        self.by_container: dict[str, list[Service]] = {}
        for s in graph.services:
            self.by_name.setdefault(norm(s.name), []).append(s)
            if s.container_name:
                self.by_container.setdefault(norm(s.container_name), []).append(s)

    def find(self, name: str, container: str = "") -> list[Service]:
        """The services a row names: by service name, else by container name (either column)."""
        for key, table in ((name, self.by_name), (name, self.by_container),
                           (container, self.by_container), (container, self.by_name)):
            if key and norm(key) and table.get(norm(key)):
                return table[norm(key)]
        return []


def service_index(graph: Graph) -> ServiceIndex:
    return graph.derived("docs-service-index", ServiceIndex)


def serves(server: NginxServer, domain: str) -> bool:
    """Whether `server` answers for `domain` by one of its names (exact or leading wildcard)."""
    for name in server.server_names:
        n = name.lower()
        if n == domain or (n.startswith("*.") and domain.endswith(n[1:])) or (n.startswith(".") and
                                                                                (domain == n[1:] or domain.endswith(n))):
            return True
    return False


def server_ports(graph: Graph, server: NginxServer) -> set[int]:
    """The ports a server answers on: its listens, and for an nginx in a compose service the host
    ports published to them (docs name the port clients use)."""
    ports = {l.port for l in server.listens if l.unix is None}
    config = graph.config_of(server.id)
    runner = graph.service(config.runs_in) if config and not config.on_host else None
    for m in runner.ports if runner else ():
        ports |= {h for p in ports.copy() if (h := m.host_port(p)) is not None}
    return ports


def link_reaches_port(graph: Graph, link: ProxyLink, port: int) -> bool:
    """Whether a proxy link goes to `port`: the port it names, its container port, or the host
    port that container port is published on."""
    if port in (link.port, link.container_port):
        return True
    s = graph.service(link.service)
    if s is None or link.container_port is None:
        return False
    return any(m.host_port(link.container_port) == port for m in s.ports)


@dataclass(frozen=True)
class Definition:
    """A place that sets a variable: its value, who sets it (an env file, a service), where."""

    value: str
    where: str
    loc: Loc
    key: str


def definitions(graph: Graph, fact: VariableFact) -> list[Definition]:
    """Each place that sets the row's key; only the named service's own when it sets it."""
    services = service_index(graph).find(fact.service) if fact.service else []
    own: list[Definition] = []
    for s in services:
        own.extend(_compose_definitions(graph, s, fact.key))
        if not own:
            files = {r.path for r in s.env_files}
            own.extend(Definition(v.value, env.path, v.loc, v.key) for env in graph.env_files
                       if env.path in files for v in _last(env.vars, fact.key))
    found = own or [Definition(v.value, env.path, v.loc, v.key) for env in graph.env_files
                    if not env.template for v in _last(env.vars, fact.key)]
    if not own:
        for s in graph.services:
            found.extend(_compose_definitions(graph, s, fact.key))
    return list({(d.loc.path, d.loc.line, d.loc.column): d for d in found}.values())


def _compose_definitions(graph: Graph, s: Service, key: str) -> list[Definition]:
    """The service's `environment` entry for `key`, with the env-file line its `${VAR}` most
    likely came from (a variable of the project's interpolation env files holding that value)."""
    out = []
    project = graph.project_of(s.key)
    sources = set(project.env_sources) if project else set()
    for e in s.environment:
        if e.key != key or e.value is None:
            continue
        out.append(Definition(e.value, f"service '{s.name}'", e.loc, key))
        out.extend(Definition(v.value, env.path, v.loc, v.key) for env in graph.env_files
                   if env.path in sources for v in env.vars
                   if v.value == e.value and len(e.value) >= 8)
    return out


def _last(variables: tuple[EnvVar, ...], key: str) -> list[EnvVar]:
    hits = [v for v in variables if v.key == key]
    return hits[-1:]

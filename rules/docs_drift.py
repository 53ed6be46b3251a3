"""DRF001: a fact stated in a docs table disagrees with the config.

The facts come from graph.doc_facts (read by loaders/docs/facts through the docs vocabulary);
which service, server or variable a row is about is the graph's answer (auditor.graph.docs).
"""
from __future__ import annotations

from typing import Iterator, Optional

from auditor.graph.docs import (ServiceIndex, definitions, link_reaches_port, serves, server_ports,
                                service_index)
from auditor.graph.live import bind_key
from auditor.graph.model import Graph, ProxyLink
from auditor.graph.ports import each_port
from auditor.knowledge.secrets import secret_key, token_format
from auditor.model import (DocPort, PortMapping, Problem, Related, RouteFact, Service, ServicePortsFact,
                           VariableFact, span_text)
from auditor.redact import mask, redact_url_passwords
from auditor.registry import rule

from .drift_text import at_address, listing


@rule("DRF001", "docs-drift", "warning",
      "A fact stated in a docs table (service port, route target, variable value) disagrees with the config.",
      tags=("drift", "docs"))
def docs_drift(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reads the tables of markdown docs whose column headers say what they hold (English and
    French out of the box: "Service", "Container", "Port Local", "Port Interne", "Route",
    "Destination", "Domaine", "Variable", "Valeur", ...; extend them with
    `[docs] synonyms = {host_port = ["Port Hôte"]}` in `.auditor.toml`) and compares each fact
    with the config:
    - a service row: the host ports it publishes and their bind address (`127.0.0.1:3005`,
      `0.0.0.0:8000`, `-` for none), its container ports, or a bare "Port" that must be one of
      them, against the compose service (found by name or `container_name`);
    - a route row: that the nginx server of the domain (a domain column, or a host name in the
      table's heading) has the location, and that it proxies to the port and service the row names;
    - a variable row: the value against the env files and compose environments that set it.
    Reported at the table row, with the config as related location. Rows that cannot be
    understood, and rows about things the config does not know (external services, dashboards,
    scripts, volumes), are skipped.

    ## Why is this bad?
    People operate the stack from the docs: they open the documented port in the firewall, curl
    the documented address, hunt an outage on the documented route. A doc that drifted from the
    config sends them to the wrong place, and hides changes nobody reviewed.

    ## Example
    ```markdown
    | Service | Port Local     | Port Interne |
    |---------|----------------|--------------|
    | grafana | 127.0.0.1:3005 | 3000         |
    ```
    ```yaml
    grafana:
      ports: ["127.0.0.1:3006:3000"]   # the doc says 3005
    ```

    ## How to fix
    Decide which side is right and change the other one; keep the docs table next to the change
    in the same commit.
    """
    index = service_index(graph)
    for fact in graph.doc_facts:
        if isinstance(fact, ServicePortsFact):
            yield from _service_fact(graph, index, fact)
        elif isinstance(fact, RouteFact):
            yield from _route_fact(graph, index, fact)
        elif isinstance(fact, VariableFact):
            yield from _variable_fact(graph, index, fact)



# ---------------------------------------------------------------- service rows


def _mapping_text(m: PortMapping) -> str:
    ip = m.host_ip
    published = span_text(m.published, m.published_end) if m.published is not None else ""
    out = f"{at_address(ip, published)}:{span_text(m.target, m.target_end)}" if published else span_text(m.target, m.target_end)
    return out + (f"/{m.protocol}" if m.protocol != "tcp" else "")


def _doc_port_text(p: DocPort) -> str:
    return at_address(p.address, span_text(p.port, p.port_end)) + (f"/{p.protocol}" if p.protocol else "")


def _service_fact(graph: Graph, index: ServiceIndex, fact: ServicePortsFact) -> Iterator[Problem]:
    candidates = index.find(fact.service, fact.container)
    if not candidates:
        return  # not a service of this config
    checks = (("host_ports", fact.host_ports, _host_ports_drift),
              ("container_ports", fact.container_ports, _container_ports_drift),
              ("ports", fact.ports, _any_port_drift))
    for what, doc_ports, compare in checks:
        if doc_ports is None:
            continue
        drifts = [compare(s, doc_ports) for s in candidates]
        if any(d is None for d in drifts):
            continue  # agrees with one of the services it may be about
        s, (config_side, related) = candidates[0], drifts[0]
        if config_side == "":
            continue  # compose does not say: nothing to compare with
        doc_side = _doc_side(what, doc_ports)
        yield Problem(
            message=f"docs say service '{s.name}' {doc_side}, but compose {config_side}",
            loc=fact.loc, related=related, key=f"{fact.loc.path}|{what}|{s.name}|{doc_side}",
        )


def _doc_side(what: str, ports: tuple[DocPort, ...]) -> str:
    shown = listing(_doc_port_text(p) for p in ports)
    if what == "host_ports":
        return f"publishes host port(s) {shown}" if ports else "publishes no host port"
    if what == "container_ports":
        return f"uses container port(s) {shown}" if ports else "uses no container port"
    return f"uses port(s) {shown}"


def _published(s: Service) -> list[tuple[PortMapping, int]]:
    return [(m, p) for m in s.ports if m.published is not None
            for p in each_port(*m.published_range)]  # type: ignore[misc]


def _host_ports_drift(s: Service, doc: tuple[DocPort, ...]) -> Optional[tuple[str, tuple[Related, ...]]]:
    """None when the docs' host ports are the service's; else (compose side, related)."""
    if s.network_mode == "host" or any(m.published is None for m in s.ports):
        # host network: the process binds the host's ports itself, compose does not say which
        return "", ()  # ephemeral or unresolved host ports: compose does not say which
    config = _published(s)

    def stated(m: PortMapping, port: int) -> bool:
        return any(d.port <= port <= (d.port_end or d.port) and (not d.address or bind_key(d.address) == bind_key(m.host_ip))
                   and (d.protocol is None or d.protocol == m.protocol) for d in doc)

    def declared(d: DocPort, port: int) -> bool:
        return any(p == port and (not d.address or bind_key(d.address) == bind_key(m.host_ip))
                   and (d.protocol is None or d.protocol == m.protocol) for m, p in config)

    missing = [d for d in doc if not all(declared(d, p) for p in each_port(*d.range))]
    extra = [m for m, p in config if not stated(m, p)]
    if not missing and not extra:
        return None
    shown = listing(at_address(m.host_ip, span_text(*m.published_range)) + ("" if m.protocol == "tcp" else f"/{m.protocol}")
                  for m in s.ports if m.published is not None)  # type: ignore[misc]
    side = f"publishes {shown}" if s.ports and shown != "none" else "publishes no host port"
    related = tuple(Related.at(m.loc, "published here") for m in s.ports) or (Related.at(s.loc, "the service"),)
    return side, related


def _container_ports(s: Service) -> set[int]:
    out = {p for m in s.ports for p in each_port(*m.target_range)}
    return out | set(s.expose)


def _container_ports_drift(s: Service, doc: tuple[DocPort, ...]) -> Optional[tuple[str, tuple[Related, ...]]]:
    config = _container_ports(s)
    if not config:
        return "", ()  # compose declares no container port: it does not say
    documented = {p for d in doc for p in each_port(*d.range)}
    if documented == config:
        return None
    related = tuple(Related.at(m.loc, "container port here") for m in s.ports) or (Related.at(s.loc, "the service"),)
    return f"declares {listing(str(p) for p in sorted(config))}", related


def _any_port_drift(s: Service, doc: tuple[DocPort, ...]) -> Optional[tuple[str, tuple[Related, ...]]]:
    if not doc:
        return None  # a bare "-": not a claim about one side or the other
    config = _container_ports(s) | {p for _, p in _published(s)}
    if not config:
        return "", ()
    if all(p in config for d in doc for p in each_port(*d.range)):
        return None
    shown = listing([_mapping_text(m) for m in s.ports] + [f"{p} (expose)" for p in s.expose])
    related = tuple(Related.at(m.loc, "port here") for m in s.ports) or (Related.at(s.loc, "the service"),)
    return f"declares {shown}", related


# ---------------------------------------------------------------- route rows


def _same_route(a: str, b: str) -> bool:
    return a == b or a.rstrip("/") == b.rstrip("/")


def _route_fact(graph: Graph, index: ServiceIndex, fact: RouteFact) -> Iterator[Problem]:
    servers = [s for c in graph.nginx for s in c.servers]
    if fact.domain:
        servers = [s for s in servers if serves(s, fact.domain)]
        if not servers:
            return  # a domain this repo's nginx does not serve: not ours to check
    where = f"route {fact.path}" + (f" of {fact.domain}" if fact.domain else "")
    if fact.listen_port is not None:
        on_port = [s for s in servers if fact.listen_port in server_ports(graph, s)]
        if not on_port:
            if fact.domain:
                ports = sorted({p for s in servers for p in server_ports(graph, s)})
                yield Problem(
                    message=f"docs say {where} is served on port {fact.listen_port}, but nginx serves "
                            f"{fact.domain} on port(s) {listing(str(p) for p in ports)}",
                    loc=fact.loc, related=tuple(Related.at(s.loc, "server here") for s in servers),
                    key=f"{fact.loc.path}|route-port|{fact.domain}|{fact.path}|{fact.listen_port}")
            return
        servers = on_port
        where += f" on port {fact.listen_port}"
    locations = [(s, l) for s in servers for l in s.locations if _same_route(l.path, fact.path)]
    if not locations:
        if fact.domain:
            yield Problem(
                message=f"docs say {where} exists, but no nginx server for {fact.domain} has a location "
                        f"{fact.path}",
                loc=fact.loc, related=tuple(Related.at(s.loc, "server here") for s in servers),
                key=f"{fact.loc.path}|route-missing|{fact.domain}|{fact.listen_port}|{fact.path}")
        return
    links = [l for s, loc in locations for l in graph.proxy_links
             if l.server == s.id and l.location == loc.path]
    if not links:
        return  # the location redirects or serves files: the row's destination is not compared
    wanted = index.find(fact.destination) if fact.destination else []
    wanted_keys = {s.key for s in wanted}
    port_ok = fact.destination_port is None or any(link_reaches_port(graph, l, fact.destination_port) for l in links)
    resolved = [l for l in links if l.service]
    name_ok = not wanted or not resolved or any(l.service in wanted_keys for l in resolved)
    if port_ok and name_ok:
        return
    said = " ".join(x for x in (f"'{wanted[0].name}'" if wanted else "",
                                f"port {fact.destination_port}" if fact.destination_port else "") if x)
    actual = listing(_link_text(graph, l) for l in links)
    yield Problem(
        message=f"docs say {where} goes to {said}, but nginx proxies it to {actual}",
        loc=fact.loc, related=tuple(Related.at(l.loc, "proxied here") for l in links),
        key=f"{fact.loc.path}|route-target|{fact.domain}|{fact.listen_port}|{fact.path}|{said}")


def _link_text(graph: Graph, link: ProxyLink) -> str:
    target = f"{link.host}:{link.port}" if link.port is not None else link.host
    if link.service:
        return f"{target} (service '{graph.service_name(link.service)}')"
    return target


# ---------------------------------------------------------------- variable rows


def _variable_fact(graph: Graph, index: ServiceIndex, fact: VariableFact) -> Iterator[Problem]:
    found = definitions(graph, fact)
    if not found:
        return  # set nowhere in the config: not ours to check
    wanted = _unquote(fact.value)
    if any(d.value == wanted for d in found):
        return
    secret = (secret_key(fact.key) or bool(token_format(wanted))
              or any(bool(token_format(d.value)) for d in found))
    by_value: dict[str, list[str]] = {}
    for d in found:
        wheres = by_value.setdefault(d.value, [])
        if d.where not in wheres:
            wheres.append(d.where)
    sets = "; ".join(f"{' and '.join(wheres)} set{'s' if len(wheres) == 1 else ''} {_shown(v, secret)}"
                     for v, wheres in list(by_value.items())[:3])
    yield Problem(
        message=f"docs say {fact.key} is {_shown(wanted, secret)}, but {sets}",
        loc=fact.loc, related=tuple(Related.at(d.loc, f"{d.key} set here") for d in found),
        key=f"{fact.loc.path}|variable|{fact.key}|{fact.service}", secret=secret)


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"`":
        return v[1:-1]
    return v


def _shown(value: str, secret: bool) -> str:
    return f"'{mask(value)}'" if secret else f"'{redact_url_passwords(value)}'"

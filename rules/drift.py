"""DRF: drift between what is told in one place and what another says.

DRF001 compares the facts of docs tables (graph.doc_facts, read by loaders/docs/facts through
the docs vocabulary) with the config; DRF002 compares live snapshots (graph.live, `--live DIR`)
with the declared config.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator, Optional

from auditor.graph import addresses as addr
from auditor.graph.live import pair_servers, server_keys
from auditor.graph.model import Graph, ProxyLink
from auditor.knowledge.docs_vocabulary import fold
from auditor.knowledge.secrets import secret_key, token_format
from auditor.model import (DocPort, LiveContainer, LivePort, Loc, NginxLocation, NginxServer,
                           PortMapping, Problem, Related, RouteFact, SecurityGroupRule, Service,
                           ServicePortsFact, VariableFact, span_text)
from auditor.redact import mask, redact_url_passwords
from auditor.registry import rule

_MAX_EXPAND = 1024  # ports of one range compared one by one


def _norm(name: str) -> str:
    """A name as docs and config are compared: `SDK Relay`, `sdk_relay` and `sdk-relay` are one."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


def _wild(address: str) -> str:
    """Bind addresses compared by what they open: every wildcard is one."""
    a = address.strip().strip("[]")
    return "*" if a in ("", "*", "0.0.0.0", "::") else addr.normalize_bind(a)


def _ports(lo: int, hi: int) -> range:
    return range(lo, min(hi, lo + _MAX_EXPAND) + 1)


def _show_ip(address: str, port: str) -> str:
    return f"{address}:{port}" if address else port


def _list(items: Iterable[str]) -> str:
    unique = list(dict.fromkeys(items))
    return ", ".join(unique) if unique else "none"


# ================================================================ DRF001 docs drift


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
    index = _ServiceIndex(graph)
    for fact in graph.doc_facts:
        if isinstance(fact, ServicePortsFact):
            yield from _service_fact(graph, index, fact)
        elif isinstance(fact, RouteFact):
            yield from _route_fact(graph, index, fact)
        elif isinstance(fact, VariableFact):
            yield from _variable_fact(graph, index, fact)


class _ServiceIndex:
    """Compose services by normalised name and container_name."""

    def __init__(self, graph: Graph):
        self.by_name: dict[str, list[Service]] = {}
        self.by_container: dict[str, list[Service]] = {}
        for s in graph.services:
            self.by_name.setdefault(_norm(s.name), []).append(s)
            if s.container_name:
                self.by_container.setdefault(_norm(s.container_name), []).append(s)

    def find(self, name: str, container: str = "") -> list[Service]:
        for key, table in ((name, self.by_name), (name, self.by_container),
                           (container, self.by_container), (container, self.by_name)):
            if key and _norm(key) and table.get(_norm(key)):
                return table[_norm(key)]
        return []


# ---------------------------------------------------------------- service rows


def _mapping_text(m: PortMapping) -> str:
    ip = m.host_ip
    published = span_text(m.published, m.published_end) if m.published is not None else ""
    out = f"{_show_ip(ip, published)}:{span_text(m.target, m.target_end)}" if published else span_text(m.target, m.target_end)
    return out + (f"/{m.protocol}" if m.protocol != "tcp" else "")


def _doc_port_text(p: DocPort) -> str:
    return _show_ip(p.address, span_text(p.port, p.port_end)) + (f"/{p.protocol}" if p.protocol else "")


def _service_fact(graph: Graph, index: _ServiceIndex, fact: ServicePortsFact) -> Iterator[Problem]:
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
    shown = _list(_doc_port_text(p) for p in ports)
    if what == "host_ports":
        return f"publishes host port(s) {shown}" if ports else "publishes no host port"
    if what == "container_ports":
        return f"uses container port(s) {shown}" if ports else "uses no container port"
    return f"uses port(s) {shown}"


def _published(s: Service) -> list[tuple[PortMapping, int]]:
    return [(m, p) for m in s.ports if m.published is not None
            for p in _ports(*m.published_range)]  # type: ignore[misc]


def _host_ports_drift(s: Service, doc: tuple[DocPort, ...]) -> Optional[tuple[str, tuple[Related, ...]]]:
    """None when the docs' host ports are the service's; else (compose side, related)."""
    if s.network_mode == "host" or any(m.published is None for m in s.ports):
        # host network: the process binds the host's ports itself, compose does not say which
        return "", ()  # ephemeral or unresolved host ports: compose does not say which
    config = _published(s)

    def stated(m: PortMapping, port: int) -> bool:
        return any(d.port <= port <= (d.port_end or d.port) and (not d.address or _wild(d.address) == _wild(m.host_ip))
                   and (d.protocol is None or d.protocol == m.protocol) for d in doc)

    def declared(d: DocPort, port: int) -> bool:
        return any(p == port and (not d.address or _wild(d.address) == _wild(m.host_ip))
                   and (d.protocol is None or d.protocol == m.protocol) for m, p in config)

    missing = [d for d in doc if not all(declared(d, p) for p in _ports(*d.range))]
    extra = [m for m, p in config if not stated(m, p)]
    if not missing and not extra:
        return None
    shown = _list(_show_ip(m.host_ip, span_text(*m.published_range)) + ("" if m.protocol == "tcp" else f"/{m.protocol}")
                  for m in s.ports if m.published is not None)  # type: ignore[misc]
    side = f"publishes {shown}" if s.ports and shown != "none" else "publishes no host port"
    related = tuple(Related.at(m.loc, "published here") for m in s.ports) or (Related.at(s.loc, "the service"),)
    return side, related


def _container_ports(s: Service) -> set[int]:
    out = {p for m in s.ports for p in _ports(*m.target_range)}
    return out | set(s.expose)


def _container_ports_drift(s: Service, doc: tuple[DocPort, ...]) -> Optional[tuple[str, tuple[Related, ...]]]:
    config = _container_ports(s)
    if not config:
        return "", ()  # compose declares no container port: it does not say
    documented = {p for d in doc for p in _ports(*d.range)}
    if documented == config:
        return None
    related = tuple(Related.at(m.loc, "container port here") for m in s.ports) or (Related.at(s.loc, "the service"),)
    return f"declares {_list(str(p) for p in sorted(config))}", related


def _any_port_drift(s: Service, doc: tuple[DocPort, ...]) -> Optional[tuple[str, tuple[Related, ...]]]:
    if not doc:
        return None  # a bare "-": not a claim about one side or the other
    config = _container_ports(s) | {p for _, p in _published(s)}
    if not config:
        return "", ()
    if all(p in config for d in doc for p in _ports(*d.range)):
        return None
    shown = _list([_mapping_text(m) for m in s.ports] + [f"{p} (expose)" for p in s.expose])
    related = tuple(Related.at(m.loc, "port here") for m in s.ports) or (Related.at(s.loc, "the service"),)
    return f"declares {shown}", related


# ---------------------------------------------------------------- route rows


def _serves(server: NginxServer, domain: str) -> bool:
    for name in server.server_names:
        n = name.lower()
        if n == domain or (n.startswith("*.") and domain.endswith(n[1:])) or (n.startswith(".") and
                                                                                (domain == n[1:] or domain.endswith(n))):
            return True
    return False


def _same_route(a: str, b: str) -> bool:
    return a == b or a.rstrip("/") == b.rstrip("/")


def _route_fact(graph: Graph, index: _ServiceIndex, fact: RouteFact) -> Iterator[Problem]:
    servers = [s for c in graph.nginx for s in c.servers]
    if fact.domain:
        servers = [s for s in servers if _serves(s, fact.domain)]
        if not servers:
            return  # a domain this repo's nginx does not serve: not ours to check
    where = f"route {fact.path}" + (f" of {fact.domain}" if fact.domain else "")
    if fact.listen_port is not None:
        on_port = [s for s in servers if fact.listen_port in _server_ports(graph, s)]
        if not on_port:
            if fact.domain:
                ports = sorted({p for s in servers for p in _server_ports(graph, s)})
                yield Problem(
                    message=f"docs say {where} is served on port {fact.listen_port}, but nginx serves "
                            f"{fact.domain} on port(s) {_list(str(p) for p in ports)}",
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
    port_ok = fact.destination_port is None or any(_link_reaches_port(graph, l, fact.destination_port) for l in links)
    resolved = [l for l in links if l.service]
    name_ok = not wanted or not resolved or any(l.service in wanted_keys for l in resolved)
    if port_ok and name_ok:
        return
    said = " ".join(x for x in (f"'{wanted[0].name}'" if wanted else "",
                                f"port {fact.destination_port}" if fact.destination_port else "") if x)
    actual = _list(_link_text(graph, l) for l in links)
    yield Problem(
        message=f"docs say {where} goes to {said}, but nginx proxies it to {actual}",
        loc=fact.loc, related=tuple(Related.at(l.loc, "proxied here") for l in links),
        key=f"{fact.loc.path}|route-target|{fact.domain}|{fact.listen_port}|{fact.path}|{said}")


def _server_ports(graph: Graph, server: NginxServer) -> set[int]:
    """The ports a server answers on: its listens, and for an nginx in a compose service the host
    ports published to them (docs name the port clients use)."""
    ports = {l.port for l in server.listens if l.unix is None}
    config = graph.config_of(server.id)
    runner = graph.service(config.runs_in) if config and not config.on_host else None
    for m in runner.ports if runner else ():
        ports |= {h for p in ports.copy() if (h := m.host_port(p)) is not None}
    return ports


def _link_reaches_port(graph: Graph, link: ProxyLink, port: int) -> bool:
    if port in (link.port, link.container_port):
        return True
    s = graph.service(link.service)
    if s is None or link.container_port is None:
        return False
    return any(m.host_port(link.container_port) == port for m in s.ports)


def _link_text(graph: Graph, link: ProxyLink) -> str:
    target = f"{link.host}:{link.port}" if link.port is not None else link.host
    if link.service:
        return f"{target} (service '{graph.service_name(link.service)}')"
    return target


# ---------------------------------------------------------------- variable rows


def _variable_fact(graph: Graph, index: _ServiceIndex, fact: VariableFact) -> Iterator[Problem]:
    definitions = _definitions(graph, index, fact)
    if not definitions:
        return  # set nowhere in the config: not ours to check
    wanted = _unquote(fact.value)
    if any(d.value == wanted for d in definitions):
        return
    secret = (secret_key(fact.key) or bool(token_format(wanted))
              or any(bool(token_format(d.value)) for d in definitions))
    by_value: dict[str, list[str]] = {}
    for d in definitions:
        wheres = by_value.setdefault(d.value, [])
        if d.where not in wheres:
            wheres.append(d.where)
    sets = "; ".join(f"{' and '.join(wheres)} set{'s' if len(wheres) == 1 else ''} {_shown(v, secret)}"
                     for v, wheres in list(by_value.items())[:3])
    yield Problem(
        message=f"docs say {fact.key} is {_shown(wanted, secret)}, but {sets}",
        loc=fact.loc, related=tuple(Related.at(d.loc, f"{d.key} set here") for d in definitions),
        key=f"{fact.loc.path}|variable|{fact.key}|{fact.service}", secret=secret)


class _Definition:
    def __init__(self, value: str, where: str, loc: Loc, key: str):
        self.value, self.where, self.loc, self.key = value, where, loc, key


def _definitions(graph: Graph, index: _ServiceIndex, fact: VariableFact) -> list[_Definition]:
    """Each place that sets the key; only the named service's own when it sets it."""
    services = index.find(fact.service) if fact.service else []
    own: list[_Definition] = []
    for s in services:
        own.extend(_compose_definitions(graph, s, fact.key))
        if not own:
            files = {r.path for r in s.env_files}
            own.extend(_Definition(v.value, env.path, v.loc, v.key) for env in graph.env_files
                       if env.path in files for v in _last(env.vars, fact.key))
    found = own or [_Definition(v.value, env.path, v.loc, v.key) for env in graph.env_files
                    if not env.template for v in _last(env.vars, fact.key)]
    if not own:
        for s in graph.services:
            found.extend(_compose_definitions(graph, s, fact.key))
    return list({(d.loc.path, d.loc.line, d.loc.column): d for d in found}.values())


def _compose_definitions(graph: Graph, s: Service, key: str) -> list[_Definition]:
    """The service's `environment` entry for `key`, with the env-file line its `${VAR}` most
    likely came from (a variable of the project's interpolation env files holding that value)."""
    out = []
    project = graph.project_of(s.key)
    sources = set(project.env_sources) if project else set()
    for e in s.environment:
        if e.key != key or e.value is None:
            continue
        out.append(_Definition(e.value, f"service '{s.name}'", e.loc, key))
        out.extend(_Definition(v.value, env.path, v.loc, v.key) for env in graph.env_files
                   if env.path in sources for v in env.vars
                   if v.value == e.value and len(e.value) >= 8)
    return out


def _last(variables, key: str) -> list:
    hits = [v for v in variables if v.key == key]
    return hits[-1:]


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"`":
        return v[1:-1]
    return v


def _shown(value: str, secret: bool) -> str:
    return f"'{mask(value)}'" if secret else f"'{redact_url_passwords(value)}'"


# ================================================================ DRF002 live drift


@rule("DRF002", "live-drift", "warning",
      "A live snapshot (--live) disagrees with the declared config.", tags=("drift", "live"))
def live_drift(graph: Graph, ignore_processes: Iterable[str] = ()) -> Iterator[Problem]:
    """
    ## What it does
    Compares what an operator captured on the running host or account (`auditor check PATH
    --live DIR`) with what the repo declares, and reports each difference, naming both sides:
    - `aws ec2 describe-security-groups` / `describe-security-group-rules`: ingress rules open
      live that no declared rule (Terraform, CloudFormation, JSON) opens, and declared rules
      missing live; CIDRs compared in canonical form, groups paired by id or name;
    - `docker compose ps --format json` (array or JSON Lines) / `docker inspect`: ports a
      container publishes that its compose service does not declare (or on another address),
      declared ports it does not publish, containers no service declares, services not running;
    - `nginx -T`: servers, listen ports and locations (and what each location does) that differ
      from the repo's nginx files, each live block compared with its own copy (same file and
      order, then same name and port), so two blocks sharing a name and port are not mixed up;
    - `ss -ltnp`: listeners on the host that nothing declares (system daemons such as sshd
      aside: `knowledge/host_processes.py`, option `ignore_processes`), and declared listeners
      that are absent. Ports already compared through a container or nginx snapshot are left to it.

    Snapshot paths: root-relative when DIR is inside the scanned root, else `live:<path in DIR>`.

    ## Why is this bad?
    The repo is what gets reviewed, rebuilt and audited; the host is what attackers see. A port
    opened by hand in the console, a container restarted with an extra `-p`, a site edited on the
    server: each is exposure nobody reviewed, and the next deploy silently undoes (or keeps) it.

    ## Example
    ```json
    {"SecurityGroups": [{"GroupId": "sg-0aa6", "GroupName": "web", "IpPermissions": [
      {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
       "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    ```
    The live group opens tcp/8080 to the world; the Terraform of group `web` does not.

    ## How to fix
    Bring the two back together: declare the change in the repo (and review it), or undo it on
    the host or in the account; then capture fresh snapshots.

    ## Options
    - `ignore_processes` (default `[]`): process names whose `ss -ltnp` listeners are never
      reported, beside the system daemons of `knowledge/host_processes.py`.
    """
    live = graph.live
    if live is None:
        return
    if live.has("describe-security-groups"):
        yield from _sg_drift(graph, live)
    if live.has("docker-compose-ps", "docker-inspect"):
        yield from _container_drift(graph, live)
    if live.has("nginx-T"):
        yield from _nginx_drift(graph, live)
    if live.has("ss"):
        yield from _listener_drift(graph, live, set(ignore_processes))


def _snapshot(live, *formats: str) -> str:
    return ", ".join(s.path for s in live.snapshots if s.format in formats)


def _snapshot_loc(live, *formats: str) -> Loc:
    first = next(s for s in live.snapshots if s.format in formats)
    return Loc(path=first.path)


# ---------------------------------------------------------------- security groups


def _rule_text(r: SecurityGroupRule) -> str:
    if r.protocol == "all":
        what = "all traffic"
    elif r.from_port is None or r.from_port == r.to_port or r.to_port is None:
        what = f"{r.protocol}/{r.from_port}" if r.from_port is not None else f"{r.protocol} (all ports)"
    elif r.all_ports:
        what = f"{r.protocol} (all ports)"
    else:
        what = f"{r.protocol}/{r.from_port}-{r.to_port}"
    return f"{what} from {r.source}"


def _group_text(r: SecurityGroupRule) -> str:
    if r.group_name and r.group_id and r.group_name != r.group_id:
        return f"'{r.group_name}' ({r.group_id})"
    return f"'{r.group_name or r.group_id}'" if (r.group_name or r.group_id) else "a security group"


def _sg_matches(d: SecurityGroupRule, l: SecurityGroupRule) -> bool:
    """Whether declared rule `d` opens what live rule `l` opens (unresolved fields match anything)."""
    if d.direction != l.direction:
        return False
    if "protocol" not in d.unresolved and d.protocol != l.protocol:
        return False
    if l.protocol != "all":
        for field in ("from_port", "to_port"):
            if field not in d.unresolved and getattr(d, field) != getattr(l, field):
                return False
    if d.source_kind == "unknown":
        return True  # an expression (variable, local): it may be this source
    if d.source_kind == "group" and not d.source.startswith("sg-"):
        return l.source_kind == "group"  # a Terraform reference stands for some group id
    return d.source == l.source


def _sg_drift(graph: Graph, live) -> Iterator[Problem]:
    declared = [r for r in graph.sg_rules if r.direction == "ingress"]
    observed = [r for r in live.sg_rules if r.direction == "ingress"]
    live_ids = {r.group_id for r in live.sg_rules if r.group_id}
    live_names = {r.group_name for r in live.sg_rules if r.group_name}
    decl_ids = {r.group_id for r in graph.sg_rules if r.group_id}
    decl_names = {r.group_name for r in graph.sg_rules if r.group_name}
    paired = [r for r in declared if r.group_id in live_ids or (r.group_name and r.group_name in live_names)]
    if paired:
        # Groups on both sides are compared; others belong to another stack or were not captured.
        declared = paired
        observed = [r for r in observed if r.group_id in decl_ids or (r.group_name and r.group_name in decl_names)]
    files = _list(dict.fromkeys(r.loc.path for r in graph.sg_rules)) if graph.sg_rules else ""
    snapshot = _snapshot(live, "describe-security-groups")
    for l in observed:
        if any(_sg_matches(d, l) for d in declared):
            continue
        repo = f"no declared rule ({files}) does" if files else "the repo declares no security-group rules"
        yield Problem(
            message=f"live security group {_group_text(l)} opens {_rule_text(l)}, but {repo}",
            loc=l.loc, related=tuple(Related.at(d.loc, "declared rule of this group") for d in declared
                                     if (d.group_id and d.group_id == l.group_id)
                                     or (d.group_name and d.group_name == l.group_name))[:1],
            key=f"sg-live|{l.group_id or l.group_name}|{_rule_text(l)}")
    if not observed and not paired:
        return  # nothing captured to compare the declared rules with
    for d in declared:
        if any(_sg_matches(d, l) for l in observed):
            continue
        yield Problem(
            message=f"declared rule of {_group_text(d)} opens {_rule_text(d)}, but the live security "
                    f"groups ({snapshot}) do not",
            loc=d.loc, related=(Related.at(_snapshot_loc(live, "describe-security-groups"), "live snapshot"),),
            key=f"sg-declared|{d.group_id or d.group_name}|{_rule_text(d)}")


# ---------------------------------------------------------------- containers


def _live_port_text(p: LivePort) -> str:
    return f"{p.host_ip or '0.0.0.0'}:{p.published}->{p.target}/{p.protocol}"


def _declared_text(m: PortMapping, port: int) -> str:
    """`port` is one `m` publishes."""
    return f"{m.host_ip or '0.0.0.0'}:{port}->{m.container_port(port)}/{m.protocol}"


def _declared_ports(s: Service) -> list[tuple[tuple[str, int, int, str], PortMapping, int]]:
    out: list[tuple[tuple[str, int, int, str], PortMapping, int]] = []
    if s.network_mode == "host":
        return out  # Docker ignores `ports:` on the host network: nothing is published
    for m in s.ports:
        if m.published is None:
            continue
        lo, hi = m.published_range  # type: ignore[misc]
        for p in _ports(lo, hi):
            out.append(((_wild(m.host_ip), p, m.container_port(p), m.protocol), m, p))
    return out


def _match_containers(graph: Graph, live) -> tuple[dict[str, list[LiveContainer]], list[LiveContainer]]:
    """Live containers by service key, and those no service declares."""
    by_project = {(p.name, s.name): s for p in graph.projects for s in p.services}
    by_name: dict[str, list[Service]] = {}
    by_container = {s.container_name: s for s in graph.services if s.container_name}
    for s in graph.services:
        by_name.setdefault(s.name, []).append(s)
    matched: dict[str, list[LiveContainer]] = {}
    orphans: list[LiveContainer] = []
    for c in live.containers:
        s = by_project.get((c.project, c.service)) or by_container.get(c.name)
        if s is None and c.service and len(by_name.get(c.service, ())) == 1:
            s = by_name[c.service][0]
        if s is None:
            s = _default_name(graph, c.name)
        if s is None:
            orphans.append(c)
        else:
            matched.setdefault(s.key, []).append(c)
    return matched, orphans


def _default_name(graph: Graph, name: str) -> Optional[Service]:
    """The service of a container named the compose way: `<project>-<service>-<n>` (or `_`)."""
    m = re.match(r"^(?P<rest>.+)[-_]\d+$", name)
    if not m:
        return None
    for p in graph.projects:
        for sep in ("-", "_"):
            if m["rest"].startswith(p.name + sep):
                wanted = m["rest"][len(p.name) + 1:]
                hit = next((s for s in p.services if s.name == wanted), None)
                if hit is not None:
                    return hit
    return None


def _container_drift(graph: Graph, live) -> Iterator[Problem]:
    snapshot = _snapshot(live, "docker-compose-ps", "docker-inspect")
    matched, orphans = _match_containers(graph, live)
    for key, containers in matched.items():
        s = graph.service(key)
        assert s is not None
        running = [c for c in containers if c.state in ("", "running")]
        if not running:
            published = [_declared_text(m, p) for _, m, p in _declared_ports(s)]
            if published:
                c = containers[0]
                yield Problem(
                    message=f"compose service '{s.name}' publishes {_list(published)}, but its container "
                            f"'{c.name}' is {c.state} in the live snapshot ({snapshot})",
                    loc=s.loc, related=(Related.at(c.loc, "live container"),),
                    key=f"container-down|{key}")
            continue
        yield from _ports_drift(s, key, running, snapshot)
    for c in orphans:
        if c.ports and c.state in ("", "running"):
            yield Problem(
                message=f"live container '{c.name}' publishes {_list(_live_port_text(p) for p in c.ports)}, "
                        f"but no compose service declares it",
                loc=c.loc, key=f"container-orphan|{c.name}")
    projects = {graph.project_of(k).id for k in matched if graph.project_of(k)}  # type: ignore[union-attr]
    for p in graph.projects:
        if p.id not in projects:
            continue  # the snapshot does not cover this project
        for s in p.services:
            if s.key in matched or not s.active_by_default:
                continue
            published = [_declared_text(m, port) for _, m, port in _declared_ports(s)]
            if published:
                yield Problem(
                    message=f"compose service '{s.name}' publishes {_list(published)}, but no container of "
                            f"it runs in the live snapshot ({snapshot})",
                    loc=s.loc, related=(Related.at(_snapshot_loc(live, "docker-compose-ps", "docker-inspect"),
                                                 "live snapshot"),),
                    key=f"container-missing|{s.key}")


def _ports_drift(s: Service, key: str, containers: list[LiveContainer], snapshot: str) -> Iterator[Problem]:
    declared = _declared_ports(s)
    declared_keys = {k for k, _, _ in declared}
    ephemeral = {(_wild(m.host_ip), m.target, m.protocol) for m in s.ports if m.published is None}
    live_ports = [(c, p) for c in containers for p in c.ports]
    live_keys = {(_wild(p.host_ip), p.published, p.target, p.protocol) for _, p in live_ports}
    reported: set[int] = set()
    seen: set[tuple] = set()
    for c, p in live_ports:
        k = (_wild(p.host_ip), p.published, p.target, p.protocol)
        if k in declared_keys or (k[0], p.target, p.protocol) in ephemeral or k in seen:
            continue
        seen.add(k)
        same_port = [(m, port) for dk, m, port in declared if dk[1] == p.published and dk[3] == p.protocol]
        if same_port:
            reported.add(p.published)
            m, port = same_port[0]
            yield Problem(
                message=f"container '{c.name}' publishes {_live_port_text(p)} live, but compose declares "
                        f"{_declared_text(m, port)} for service '{s.name}'",
                loc=p.loc, related=(Related.at(m.loc, "declared here"),),
                key=f"port-differs|{key}|{_live_port_text(p)}")
        else:
            yield Problem(
                message=f"container '{c.name}' publishes {_live_port_text(p)} live, but compose does not "
                        f"declare it for service '{s.name}'",
                loc=p.loc, related=(Related.at(s.loc, "service declared here"),),
                key=f"port-extra|{key}|{_live_port_text(p)}")
    names = _list(c.name for c in containers)
    for k, m, port in declared:
        if k in live_keys or port in reported:
            continue
        yield Problem(
            message=f"compose publishes {_declared_text(m, port)} for service '{s.name}', but the running "
                    f"container '{names}' does not ({snapshot})",
            loc=m.loc, related=(Related.at(containers[0].loc, "live container"),),
            key=f"port-missing|{key}|{_declared_text(m, port)}")


# ---------------------------------------------------------------- nginx


def _server_text(keys: Iterable[tuple[str, int]]) -> str:
    names = _list(sorted({n or "(no server_name)" for n, _ in keys}))
    ports = _list(str(p) for p in sorted({p for _, p in keys}))
    return f"{names} on port(s) {ports}"


def _action(loc: NginxLocation) -> str:
    if loc.proxy_pass is not None:
        return f"proxies to {loc.proxy_pass.raw}"
    if loc.returns:
        return f"returns {loc.returns}"
    if loc.root:
        return f"serves files from {loc.root}"
    return "has no proxy_pass, return or root"


def _loc_id(loc: NginxLocation) -> str:
    return f"{loc.modifier} {loc.path}".strip()


def _repo_servers(graph: Graph, live_keys: set[tuple[str, int]]) -> list[NginxServer]:
    """The servers of the repo's nginx instance the dump is most likely of (most shared keys)."""
    groups: dict[str, list[NginxServer]] = {}
    for c in graph.nginx:
        group = "" if c.on_host else c.runs_in
        groups.setdefault(group, []).extend(c.servers)
    if not groups:
        return []
    best = max(sorted(groups), key=lambda g: (len(set().union(*(server_keys(s) for s in groups[g])) & live_keys), g == ""))
    return groups[best]


def _nginx_drift(graph: Graph, live) -> Iterator[Problem]:
    snapshot = _snapshot(live, "nginx-T")
    live_servers = list(live.nginx)
    live_keys = set().union(*(server_keys(ls.server) for ls in live_servers)) if live_servers else set()
    repo = _repo_servers(graph, live_keys)
    repo_keys = set().union(*(server_keys(s) for s in repo)) if repo else set()
    for ls in live_servers:
        keys = server_keys(ls.server)
        shared = keys & repo_keys
        if not shared:
            yield Problem(
                message=f"live nginx serves {_server_text(keys)} ({ls.file}), but the repo's nginx does not",
                loc=ls.server.loc, key=f"nginx-live-server|{sorted(keys)}")
            continue
        for n, port in sorted(keys - repo_keys):
            listen = next((l for l in ls.server.listens if l.port == port), None)
            yield Problem(
                message=f"live nginx serves {n or '(no server_name)'} on port {port} ({ls.file}), but the "
                        f"repo's nginx does not",
                loc=listen.loc if listen else ls.server.loc, key=f"nginx-live-port|{n}|{port}")
    for s in repo:
        keys = server_keys(s)
        shared = keys & live_keys
        if not shared:
            yield Problem(
                message=f"the repo's nginx serves {_server_text(keys)}, but the live nginx ({snapshot}) does not",
                loc=s.loc, related=(Related.at(_snapshot_loc(live, "nginx-T"), "live snapshot"),),
                key=f"nginx-repo-server|{sorted(keys)}")
            continue
        for n, port in sorted(keys - live_keys):
            listen = next((l for l in s.listens if l.port == port), None)
            yield Problem(
                message=f"the repo's nginx serves {n or '(no server_name)'} on port {port}, but the live "
                        f"nginx ({snapshot}) does not",
                loc=listen.loc if listen else s.loc, key=f"nginx-repo-port|{n}|{port}")
    # Each live block against its own copy in the repo (graph.live pairs them), so that two
    # blocks sharing a name and port are not compared with each other.
    for pair in pair_servers(live_servers, repo):
        yield from _locations_drift(pair.live, pair.repo, pair.direction)


def _locations_drift(ls, s: NginxServer, direction: str = "both") -> Iterator[Problem]:
    name = _list(sorted({n or "(no server_name)" for n, _ in server_keys(s) & server_keys(ls.server)}))
    live_locs = {_loc_id(l): l for l in ls.server.locations}
    repo_locs = {_loc_id(l): l for l in s.locations}
    for ident, l in live_locs.items() if direction in ("both", "live") else ():
        r = repo_locs.get(ident)
        if r is None:
            yield Problem(
                message=f"live nginx location {ident} of {name} ({ls.file}) {_action(l)}, but the repo's "
                        f"server has no such location",
                loc=l.loc, related=(Related.at(s.loc, "the repo's server"),),
                key=f"nginx-live-location|{name}|{ident}")
        elif _action(l) != _action(r):
            yield Problem(
                message=f"live nginx location {ident} of {name} ({ls.file}) {_action(l)}, but in the repo it "
                        f"{_action(r)}",
                loc=l.loc, related=(Related.at(r.loc, "the repo's location"),),
                key=f"nginx-location-differs|{name}|{ident}|{_action(l)}|{_action(r)}")
    for ident, r in repo_locs.items() if direction in ("both", "repo") else ():
        if ident not in live_locs:
            yield Problem(
                message=f"the repo's nginx location {ident} of {name} {_action(r)}, but the live nginx "
                        f"({ls.file}) has no such location",
                loc=r.loc, related=(Related.at(ls.server.loc, "the live server"),),
                key=f"nginx-repo-location|{name}|{ident}")


# ---------------------------------------------------------------- host listeners


def _ss_compatible(declared: str, observed: str) -> bool:
    if observed == "*":
        return declared in ("", addr.ALL_V4, addr.ALL_V6)
    if declared == "":
        return observed in (addr.ALL_V4, addr.ALL_V6)
    return addr.normalize_bind(observed) == declared


def _listener_drift(graph: Graph, live, ignore: set[str]) -> Iterator[Problem]:
    from auditor.knowledge.host_processes import SYSTEM_ADDRESSES, SYSTEM_PORTS, SYSTEM_PROCESSES

    snapshot = _snapshot(live, "ss")
    containers = live.has("docker-compose-ps", "docker-inspect")
    dumped = live.has("nginx-T")
    # Ports a more precise snapshot already compares: left to it.
    explained = {(p.published, p.protocol) for c in live.containers for p in c.ports} if containers else set()
    if dumped:
        explained |= {(l.port, "tcp") for ls in live.nginx for l in ls.server.listens if l.unix is None}
    skip = SYSTEM_PROCESSES | ignore
    seen: set[tuple[str, int, str]] = set()
    for o in live.listeners:
        k = (o.address, o.port, o.protocol)
        if k in seen:
            continue
        seen.add(k)
        system = not o.process and (o.port in SYSTEM_PORTS or o.address in SYSTEM_ADDRESSES)
        if o.process in skip or system or (o.port, o.protocol) in explained:
            continue
        if any(d.covers(o.port) and d.protocol == o.protocol and _ss_compatible(d.address, o.address)
               for d in graph.listeners):
            continue
        who = f"process '{o.process}'" if o.process else "a process"
        yield Problem(
            message=f"{who} listens on {_show_ip(o.address, str(o.port))}/{o.protocol} on the live host, "
                    f"but nothing in the repo declares that port (no compose port, no nginx listen)",
            loc=o.loc, key=f"ss-extra|{o.address}|{o.port}|{o.protocol}")
    proxied = any(o.process == "docker-proxy" for o in live.listeners)
    protocols = {o.protocol for o in live.listeners}
    for d in graph.listeners:
        if not d.active or d.protocol not in protocols:
            continue
        if d.kind == "compose" and (containers or not proxied):
            continue  # compared through the container snapshot, or Docker publishes without a proxy
        if d.kind == "nginx" and dumped:
            continue
        missing = [p for p in _ports(d.port, d.port_end)
                   if not any(o.port == p and o.protocol == d.protocol and _ss_compatible(d.address, o.address)
                              for o in live.listeners)]
        if not missing:
            continue
        owner = f"compose service '{graph.service_name(d.service)}'" if d.kind == "compose" else "the repo's nginx"
        shown = _show_ip(d.address or "0.0.0.0", _list(str(p) for p in missing[:8]))
        yield Problem(
            message=f"{owner} declares a listener on {shown}/{d.protocol}, but nothing listens there in the "
                    f"live snapshot ({snapshot})",
            loc=d.loc, related=(Related.at(_snapshot_loc(live, "ss"), "live snapshot"),),
            key=f"ss-missing|{d.kind}|{d.service}|{d.address}|{d.port}|{d.protocol}")

"""DRF002: a live snapshot (--live) disagrees with the declared config.

What pairs with what (containers with services, live with declared security groups, the dump's
nginx with the repository's) is the graph's answer (auditor.graph.live); this rule compares.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from auditor.graph.live import (bind_key, declared_ports, match_containers, pair_groups, pair_servers,
                                repo_servers, rule_matches, server_keys, ss_compatible)
from auditor.graph.model import Graph
from auditor.graph.ports import each_port
from auditor.model import LiveContainer, LivePort, Loc, NginxLocation, NginxServer, PortMapping, Problem, Related
from auditor.model import SecurityGroupRule, Service
from auditor.registry import rule

from .drift_text import at_address, listing


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


def _sg_drift(graph: Graph, live) -> Iterator[Problem]:
    pairing = pair_groups(graph, live)
    declared, observed, paired = pairing.declared, pairing.observed, pairing.paired
    files = listing(dict.fromkeys(r.loc.path for r in graph.sg_rules)) if graph.sg_rules else ""
    snapshot = _snapshot(live, "describe-security-groups")
    for l in observed:
        if any(rule_matches(d, l) for d in declared):
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
        if any(rule_matches(d, l) for l in observed):
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


def _container_drift(graph: Graph, live) -> Iterator[Problem]:
    snapshot = _snapshot(live, "docker-compose-ps", "docker-inspect")
    matched, orphans = match_containers(graph, live)
    for key, containers in matched.items():
        s = graph.service(key)
        assert s is not None
        running = [c for c in containers if c.state in ("", "running")]
        if not running:
            published = [_declared_text(m, p) for _, m, p in declared_ports(s)]
            if published:
                c = containers[0]
                yield Problem(
                    message=f"compose service '{s.name}' publishes {listing(published)}, but its container "
                            f"'{c.name}' is {c.state} in the live snapshot ({snapshot})",
                    loc=s.loc, related=(Related.at(c.loc, "live container"),),
                    key=f"container-down|{key}")
            continue
        yield from _ports_drift(s, key, running, snapshot)
    for c in orphans:
        if c.ports and c.state in ("", "running"):
            yield Problem(
                message=f"live container '{c.name}' publishes {listing(_live_port_text(p) for p in c.ports)}, "
                        f"but no compose service declares it",
                loc=c.loc, key=f"container-orphan|{c.name}")
    projects = {graph.project_of(k).id for k in matched if graph.project_of(k)}  # type: ignore[union-attr]
    for p in graph.projects:
        if p.id not in projects:
            continue  # the snapshot does not cover this project
        for s in p.services:
            if s.key in matched or not s.active_by_default:
                continue
            published = [_declared_text(m, port) for _, m, port in declared_ports(s)]
            if published:
                yield Problem(
                    message=f"compose service '{s.name}' publishes {listing(published)}, but no container of "
                            f"it runs in the live snapshot ({snapshot})",
                    loc=s.loc, related=(Related.at(_snapshot_loc(live, "docker-compose-ps", "docker-inspect"),
                                                 "live snapshot"),),
                    key=f"container-missing|{s.key}")


def _ports_drift(s: Service, key: str, containers: list[LiveContainer], snapshot: str) -> Iterator[Problem]:
    declared = declared_ports(s)
    declared_keys = {k for k, _, _ in declared}
    ephemeral = {(bind_key(m.host_ip), m.target, m.protocol) for m in s.ports if m.published is None}
    live_ports = [(c, p) for c in containers for p in c.ports]
    live_keys = {(bind_key(p.host_ip), p.published, p.target, p.protocol) for _, p in live_ports}
    reported: set[int] = set()
    seen: set[tuple] = set()
    for c, p in live_ports:
        k = (bind_key(p.host_ip), p.published, p.target, p.protocol)
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
    names = listing(c.name for c in containers)
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
    names = listing(sorted({n or "(no server_name)" for n, _ in keys}))
    ports = listing(str(p) for p in sorted({p for _, p in keys}))
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


def _nginx_drift(graph: Graph, live) -> Iterator[Problem]:
    snapshot = _snapshot(live, "nginx-T")
    live_servers = list(live.nginx)
    live_keys = set().union(*(server_keys(ls.server) for ls in live_servers)) if live_servers else set()
    repo = repo_servers(graph, live_keys)
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
    name = listing(sorted({n or "(no server_name)" for n, _ in server_keys(s) & server_keys(ls.server)}))
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
        if any(d.covers(o.port) and d.protocol == o.protocol and ss_compatible(d.address, o.address)
               for d in graph.listeners):
            continue
        who = f"process '{o.process}'" if o.process else "a process"
        yield Problem(
            message=f"{who} listens on {at_address(o.address, str(o.port))}/{o.protocol} on the live host, "
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
        missing = [p for p in each_port(d.port, d.port_end)
                   if not any(o.port == p and o.protocol == d.protocol and ss_compatible(d.address, o.address)
                              for o in live.listeners)]
        if not missing:
            continue
        owner = f"compose service '{graph.service_name(d.service)}'" if d.kind == "compose" else "the repo's nginx"
        shown = at_address(d.address or "0.0.0.0", listing(str(p) for p in missing[:8]))
        yield Problem(
            message=f"{owner} declares a listener on {shown}/{d.protocol}, but nothing listens there in the "
                    f"live snapshot ({snapshot})",
            loc=d.loc, related=(Related.at(_snapshot_loc(live, "ss"), "live snapshot"),),
            key=f"ss-missing|{d.kind}|{d.service}|{d.address}|{d.port}|{d.protocol}")

"""PORT: host ports claimed twice, across every compose project and the host nginx."""
from __future__ import annotations

from functools import cmp_to_key
from typing import Iterator

from auditor.graph import addresses as addr
from auditor.graph.model import Graph, Listener
from auditor.model import Problem, Related
from auditor.registry import rule


@rule("PORT001", "host-port-conflict", "error",
      "Two listeners claim the same host address, port and protocol.", tags=("ports",))
def host_port_conflict(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds listeners that claim the same host port within one deployment: the compose
    published ports of the projects that run together on one host, and the `listen`
    directives of an nginx known to run on that host. Port ranges, long syntax and
    interpolated values (`"${GRAFANA_PORT:-3000}:3000"`) are compared after expansion.

    What runs together comes from the graph's deployment model. A folder is not a host:
    projects of different folders are compared only when something shows they share one (a
    `[hosts] groups` entry of the configuration, a network both join by name, an env file both
    read, one docs file describing both, a host nginx routing to both); the message names that
    evidence. Overlays of one base (`docker-compose.nginx.yml`, `docker-compose.without-nginx.yml`)
    are merged onto it one at a time, as `-f base -f overlay` would, and never compared with each
    other. An nginx configuration counts as a host nginx only on evidence (a route to a port a
    project publishes, the `sites-enabled` layout, the configuration); one of unknown placement
    claims no host port.

    Two binds collide when their protocol is the same (tcp and udp never collide), their port
    ranges overlap, and their addresses overlap: `0.0.0.0` overlaps every IPv4 address, `::`
    every IPv6 address, and a short-syntax port without address (Docker binds both families)
    overlaps everything. Two distinct specific addresses (`127.0.0.1` and `127.0.0.2`) do not
    collide, nor do `0.0.0.0:443` and `[::]:443`.

    Profiles: a service under a non-default profile collides with every default service (the
    conflict appears as soon as the profile is enabled) and with services sharing one of its
    profiles. Two services whose profiles are disjoint (`dev` vs `prod`) are taken as
    alternatives and not reported. An entry repeated identically for one service (an override
    restating the base) is merged by compose and is no conflict; nginx's own listens never
    conflict with each other (nginx shares its sockets between server blocks).

    One finding per contested bind: when three or more listeners collide, the finding names
    them all and lists every other claimant as a related place. It is placed at the listener
    declared last (compose merge order within a project, else path and line).

    ## Why is this bad?
    The second container fails to start with `port is already allocated` (or nginx with
    `bind() ... Address already in use`), usually only on the server, after a deploy that
    worked on a laptop where one of the two was not running.

    ## Example
    ```yaml
    # compose.yaml
    services:
      web:
        ports: ["3000:3000"]
    # monitoring/compose.yaml: a different project; .auditor.toml says both run on one
    # server ([hosts] groups = { server = [".", "monitoring"] })
    services:
      grafana:
        ports: ["${GRAFANA_PORT:-3000}:3000"]
    ```

    ## How to fix
    Give one of the two another host port (`"3005:3000"`), bind them to distinct specific
    addresses (`127.0.0.1` and `127.0.0.2`), or stop publishing the one nginx reaches over the
    compose network anyway.
    """
    found: list[tuple[frozenset, list[Listener], str, bool]] = []
    for members, evidence, weak in _scopes(graph):
        listeners = [l for l in graph.listeners if (l.project or l.config) in members]
        for group in _contested(graph, listeners):
            ident = frozenset(_ident(graph, l) for l in group)
            found.append((ident, group, evidence, weak))
    # One finding per contested bind: the same claimants met in several deployments (a base
    # and its variants) count once, and a group that another one contains is left to it.
    # What only weak evidence puts on one host comes after, as a note.
    found.sort(key=lambda f: (f[3], -len(f[0])))
    kept: list[frozenset] = []
    # Variants that each bring their own copy of a service (two overlays adding 'proxy') meet
    # the same claimant in the same words: one finding, every copy a related place.
    out: dict[tuple, Problem] = {}
    for ident, group, evidence, weak in found:
        if any(ident <= k for k in kept):
            continue
        kept.append(ident)
        problem = _problem(graph, group, evidence, weak)
        if weak:
            problem = problem.model_copy(update={"severity": "note"})
        same = (problem.loc.path, problem.loc.line, problem.loc.column, problem.message)
        if same in out:
            before = out[same]
            related = tuple(dict.fromkeys((*before.related, *problem.related)))
            out[same] = before.model_copy(update={"related": related})
        else:
            out[same] = problem
    yield from out.values()


def _scopes(graph: Graph) -> Iterator[tuple[set[str], str, bool]]:
    """The sets of projects and host nginx configurations that run together, with the
    evidence that puts different folders on one host, and whether that evidence is weak."""
    if not graph.deployments:
        yield {l.project or l.config or "" for l in graph.listeners}, "", False
        return
    for d in graph.deployments:
        yield set(d.projects) | set(d.nginx), "; ".join(e.text for e in d.evidence[:2]), d.weak


def _ident(graph: Graph, l: Listener) -> tuple:
    # a base's listener and its copy in an overlay variant are one listener
    return (l.kind, graph.service_name(l.service) if l.service else "", l.loc.path, l.loc.line,
            l.loc.column, l.address, l.port, l.protocol)


def _contested(graph: Graph, listeners: list[Listener]) -> list[list[Listener]]:
    """Groups of listeners that collide, each group closed under collision."""
    items = sorted(listeners, key=lambda l: (l.port, l.port_end, l.loc.path, l.loc.line, l.loc.column))
    # Components kept as member lists (the smaller relabelled on a union), so that a pair
    # already joined is skipped by one comparison: n listeners on one port cost about n checks.
    comp = list(range(len(items)))
    members: dict[int, list[int]] = {}
    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            b = items[j]
            if b.port > a.port_end:
                break
            ci, cj = comp[i], comp[j]
            if ci == cj:
                continue
            if _conflict(graph, a, b):
                big, small = members.setdefault(ci, [i]), members.setdefault(cj, [j])
                if len(big) < len(small):
                    big, small, ci, cj = small, big, cj, ci
                for k in small:
                    comp[k] = ci
                big.extend(small)
                del members[cj]
    groups: dict[int, list[Listener]] = {}
    for i in range(len(items)):
        if comp[i] in members:
            groups.setdefault(comp[i], []).append(items[i])
    return list(groups.values())


def _conflict(graph: Graph, a: Listener, b: Listener) -> bool:
    if a.protocol != b.protocol or not addr.binds_overlap(a.address, b.address):
        return False
    if a.kind == "nginx" and b.kind == "nginx":
        return False
    if a.kind == "compose" and b.kind == "compose":
        if a.service == b.service and (a.address, a.port, a.port_end, a.target) == (
                b.address, b.port, b.port_end, b.target):
            return False  # the same entry restated: compose merges it
        sa, sb = graph.service(a.service), graph.service(b.service)
        if sa is not None and sb is not None and sa.profiles and sb.profiles:
            return bool(set(sa.profiles) & set(sb.profiles))
    return True


def _same_place(a: Listener, b: Listener) -> bool:
    return (a.loc.path, a.loc.line, a.loc.column) == (b.loc.path, b.loc.line, b.loc.column)


def _before(graph: Graph, a: Listener, b: Listener) -> bool:
    """Whether `a` is declared before `b`: compose merge order within one project, else path/line."""
    pa, pb = _project_of(graph, a), _project_of(graph, b)
    if pa is not None and pa is pb and a.loc.path in pa.files and b.loc.path in pa.files:
        ka = (pa.files.index(a.loc.path), a.loc.line, a.loc.column)
        kb = (pa.files.index(b.loc.path), b.loc.line, b.loc.column)
        return ka <= kb
    return (a.loc.path, a.loc.line, a.loc.column) <= (b.loc.path, b.loc.line, b.loc.column)


def _project_of(graph: Graph, l: Listener):
    s = graph.service(l.service)
    if s is None:
        return None
    projects = graph.derived("ports.projects_by_id", lambda g: {p.id: p for p in reversed(g.projects)})
    return projects.get(s.project)


def _families_by_name(graph: Graph, group: list[Listener]) -> dict[str, set[str]]:
    """The project families publishing each service name of a group, computed once per group."""
    out: dict[str, set[str]] = {}
    for o in group:
        if o.kind == "compose":
            out.setdefault(graph.service_name(o.service), set()).add(_family(graph, o))
    return out


def _name(graph: Graph, l: Listener, families: dict[str, set[str]]) -> str:
    if l.kind == "nginx":
        return "host nginx"
    s = graph.service(l.service)
    name = s.name if s else (l.service or "?")
    # a compose listener of the same service name in another project family
    twins = bool(families.get(name, set()) - {_family(graph, l)})
    if s is not None and twins:
        project = _project_of(graph, l)
        where = project.files[0] if project and project.files else s.project
        return f"'{name}' ({where})"
    return f"'{name}'"


def _family(graph: Graph, l: Listener) -> str:
    p = _project_of(graph, l)
    return (p.base or p.id) if p else ""


def _problem(graph: Graph, group: list[Listener], evidence: str, weak: bool = False) -> Problem:
    order = sorted(group, key=cmp_to_key(lambda a, b: -1 if _before(graph, a, b) and not _same_place(a, b) else
                                         (1 if not _before(graph, a, b) else 0)))
    later, others = order[-1], order[:-1]
    first = others[0]
    low = max(l.port for l in group) if len(group) == 2 else min(max(later.port, o.port) for o in others)
    high = min(l.port_end for l in group) if len(group) == 2 else max(min(later.port_end, o.port_end) for o in others)
    ports = f"port {low}" if low == high else f"ports {low}-{high}"
    where = addr.overlap_bind(first.address, later.address)
    head = f"host {ports}/{later.protocol} on {where} {'is' if low == high else 'are'}"
    compose = all(l.kind == "compose" for l in group)
    families_by_name = _families_by_name(graph, group)
    names = [_name(graph, l, families_by_name) for l in order]
    if len(group) == 2 and compose and first.service == later.service:
        message = f"{head} published twice by {names[-1]}"
    elif len(group) == 2:
        message = f"{head} {'published' if compose else 'claimed'} by both {names[0]} and {names[1]}"
    else:
        # claimants by name: one service's many entries are one claimant said once
        distinct = list(dict.fromkeys(names))
        listed = ", ".join(n for n in distinct if n != names[-1])
        entries = f" ({len(group)} entries)" if len(group) > len(distinct) else ""
        if len(distinct) == 1:
            message = f"{head} {'published' if compose else 'claimed'} {len(group)} times by {names[-1]}"
        else:
            message = (f"{head} {'published' if compose else 'claimed'} by {len(distinct)} "
                       f"{'services' if compose else 'listeners'}{entries}: {listed} and {names[-1]}")
    families = {_family(graph, l) for l in group if l.kind == "compose"}
    if evidence and (len(families) > 1 or not compose):
        message += f" ({'perhaps ' if weak else ''}one host: {evidence})"
    related = tuple(
        Related.at(o.loc, "host nginx listens here" if o.kind == "nginx" else "also published here")
        for o in others)
    return Problem(
        message=message, loc=later.loc, related=related,
        # The other sides' files tell apart two conflicts at one listener with the same words.
        key=f"{message}|{'|'.join(sorted({o.loc.path for o in others}))}",
    )

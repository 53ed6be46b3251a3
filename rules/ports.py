"""PORT: host ports claimed twice, across every compose project and the host nginx."""
from __future__ import annotations

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
    Finds two listeners that claim the same host port: compose published ports of every compose
    project under the root (files in different folders still run on the same host) and the
    `listen` directives of an nginx that runs on the host. Port ranges, long syntax and
    interpolated values (`"${GRAFANA_PORT:-3000}:3000"`) are compared after expansion.

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

    The finding is placed at the listener declared later (compose merge order within a
    project, else path and line), with the other one as related location.

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
    # monitoring/compose.yaml: a different project, the same host
    services:
      grafana:
        ports: ["${GRAFANA_PORT:-3000}:3000"]
    ```

    ## How to fix
    Give one of the two another host port (`"3005:3000"`), bind them to distinct specific
    addresses (`127.0.0.1` and `127.0.0.2`), or stop publishing the one nginx reaches over the
    compose network anyway.
    """
    items = sorted(enumerate(graph.listeners), key=lambda il: (il[1].port, il[1].port_end, il[0]))
    for i, (_, a) in enumerate(items):
        for _, b in items[i + 1:]:
            if b.port > a.port_end:
                break
            if not _conflict(graph, a, b):
                continue
            first, later = (a, b) if _before(graph, a, b) else (b, a)
            yield _problem(graph, first, later)


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
    return next((p for p in graph.projects if p.id == s.project), None)


def _name(graph: Graph, l: Listener, other: Listener) -> str:
    if l.kind == "nginx":
        return "host nginx"
    s = graph.service(l.service)
    name = s.name if s else (l.service or "?")
    o = graph.service(other.service) if other.kind == "compose" else None
    if s is not None and o is not None and o.name == s.name and o.project != s.project:
        project = _project_of(graph, l)
        where = project.files[0] if project and project.files else s.project
        return f"'{name}' ({where})"
    return f"'{name}'"


def _problem(graph: Graph, first: Listener, later: Listener) -> Problem:
    low, high = max(first.port, later.port), min(first.port_end, later.port_end)
    ports = f"port {low}" if low == high else f"ports {low}-{high}"
    where = addr.overlap_bind(first.address, later.address)
    head = f"host {ports}/{later.protocol} on {where} {'is' if low == high else 'are'}"
    if first.kind == later.kind == "compose" and first.service == later.service:
        message = f"{head} published twice by {_name(graph, later, first)}"
    elif first.kind == later.kind == "compose":
        message = f"{head} published by both {_name(graph, first, later)} and {_name(graph, later, first)}"
    else:
        message = f"{head} claimed by both {_name(graph, first, later)} and {_name(graph, later, first)}"
    note = "host nginx listens here" if first.kind == "nginx" else "also published here"
    return Problem(
        message=message, loc=later.loc,
        related=(Related(path=first.loc.path, line=first.loc.line, column=first.loc.column, message=note),),
        # The other side's file tells apart two conflicts at one listener with the same words.
        key=f"{message}|{first.loc.path}",
    )

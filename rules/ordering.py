"""ORD: start ordering: depends_on targets, cycles, health conditions, and the documented order."""
from __future__ import annotations

import re
from collections import deque
from typing import Iterator, Optional

from auditor.graph.model import Graph
from auditor.knowledge.docs_vocabulary import marks_start_order
from auditor.model import ComposeProject, Dependency, DocListItem, Problem, Related, Service
from auditor.registry import rule


def _profiles(s: Service) -> str:
    return ", ".join(f"'{p}'" for p in s.profiles)


# ---------------------------------------------------------------- ORD001


@rule("ORD001", "missing-dependency", "error",
      "depends_on names a service that does not exist or only runs under an inactive profile.",
      tags=("ordering",))
def missing_dependency(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports a `depends_on` entry that names a service the compose project does not define, or a
    service that only runs under profiles that are not active whenever the dependent service is:
    a dependency in profile `debug` of a service that runs by default. A dependent in the same
    profile is fine. Entries with `required: false` are optional by definition and never reported.

    A compose file that names services another compose file of the repository defines is a
    fragment of that one (`docker compose -f base.yml -f extensions/x/x-compose.yml`): it is
    checked merged onto its nearest such base. When no base can be chosen (two are equally
    near), the finding is a note naming the files that define the service.

    ## Why is this bad?
    `docker compose up` refuses the whole project ("depends on undefined service"), or refuses
    it as soon as the profile is not enabled: nothing starts, not only the dependent service.

    ## Example
    ```yaml
    services:
      app:
        depends_on: [worker]
      worker:
        profiles: [jobs]
    ```

    ## How to fix
    Fix the service name, give the dependency the same profiles as its dependents (or none),
    or mark the dependency `required: false` if the service copes without it.
    """
    defined_in: dict[str, set[str]] = {}  # service name -> compose files that define it
    for project in graph.projects:
        for s in project.services:
            defined_in.setdefault(s.name, set()).add(s.loc.path)
    for project in graph.projects:
        services = {s.name: s for s in project.services}
        for s in project.services:
            for dep in s.depends_on:
                if not dep.required:
                    continue
                target = services.get(dep.service)
                elsewhere = sorted(defined_in.get(dep.service, set()) - set(project.files))
                if target is None and elsewhere:
                    # a fragment whose base the graph could not choose: the service exists,
                    # which file completes this one is unknown
                    shown = " or ".join(elsewhere[:2]) + (" or others" if len(elsewhere) > 2 else "")
                    yield Problem(
                        message=(f"'{s.name}' depends on '{dep.service}', which this compose project "
                                 f"does not define; {shown} defines it: load this file on top of one "
                                 f"(`docker compose -f <base> -f {s.loc.path}`), or compose refuses "
                                 f"to start it"),
                        loc=dep.loc, key=f"{project.id}|{s.name}|{dep.service}|elsewhere",
                        severity="note")
                    continue
                if target is None:
                    yield Problem(
                        message=(f"'{s.name}' depends on '{dep.service}', which is not a service of "
                                 f"this compose project; compose refuses to start the project"),
                        loc=dep.loc, key=f"{project.id}|{s.name}|{dep.service}|undefined")
                    continue
                if target.active_by_default:
                    continue  # no profile, or one COMPOSE_PROFILES enables in the project's .env
                if s.profiles and set(s.profiles) <= set(target.profiles):
                    continue
                when = ("by default" if not s.profiles else
                        f"under profile {', '.join(repr(p) for p in sorted(set(s.profiles) - set(target.profiles)))}")
                yield Problem(
                    message=(f"'{s.name}' runs {when} but depends on '{dep.service}', which only runs "
                             f"under profile {_profiles(target)}; compose refuses to start it "
                             f"without that profile"),
                    loc=dep.loc, key=f"{project.id}|{s.name}|{dep.service}|profile")


# ---------------------------------------------------------------- ORD002


def _edges(project: ComposeProject) -> dict[str, list[Dependency]]:
    names = {s.name for s in project.services}
    return {s.name: [d for d in s.depends_on if d.service in names] for s in project.services}


def _components(edges: dict[str, list[Dependency]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = [d.service for d in edges.get(node, ())]
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def _cycle_from(start: str, members: set[str], edges: dict[str, list[Dependency]]) -> list[Dependency]:
    """The shortest chain of depends_on entries from `start` back to itself inside one component."""
    prev: dict[str, tuple[str, Dependency]] = {}
    queue = deque([start])
    visited = {start}
    while queue:
        node = queue.popleft()
        for dep in sorted(edges.get(node, ()), key=lambda d: d.service):
            if dep.service not in members:
                continue
            if dep.service == start:
                chain = [dep]
                while node != start:
                    node, d = prev[node]
                    chain.append(d)
                return list(reversed(chain))
            if dep.service not in visited:
                visited.add(dep.service)
                prev[dep.service] = (node, dep)
                queue.append(dep.service)
    return []


@rule("ORD002", "dependency-cycle", "error", "depends_on forms a cycle.", tags=("ordering",))
def dependency_cycle(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports every cycle of `depends_on` in a compose project (a service depending on itself, or
    `a -> b -> ... -> a`), once per cycle, at the `depends_on` entry of the first service in
    name order, listing the whole cycle.

    ## Why is this bad?
    Compose cannot order the services and refuses the project ("dependency cycle detected"):
    nothing starts.

    ## Example
    ```yaml
    services:
      api:
        depends_on: [worker]
      worker:
        depends_on: [api]
    ```

    ## How to fix
    Remove the edge that is not a real start-up requirement (usually the one added for runtime
    calls: services reach each other at runtime without `depends_on`), and let the service
    retry its connection instead.
    """
    for project in graph.projects:
        edges = _edges(project)
        for comp in _components(edges):
            start = comp[0]
            self_loop = any(d.service == start for d in edges.get(start, ()))
            if len(comp) == 1 and not self_loop:
                continue
            chain = _cycle_from(start, set(comp), edges)
            if not chain:
                continue
            names = [start] + [d.service for d in chain]
            yield Problem(
                message=f"depends_on forms a cycle: {' -> '.join(names)}; compose cannot order these services",
                loc=chain[0].loc,
                related=tuple(Related.at(d.loc, f"depends_on {d.service}") for d in chain[1:]),
                key=f"{project.id}|{'>'.join(names)}",
            )


# ---------------------------------------------------------------- ORD003


@rule("ORD003", "healthcheck-missing", "error",
      "condition: service_healthy on a service that defines no healthcheck.", tags=("ordering",))
def healthcheck_missing(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports a `depends_on` entry with `condition: service_healthy` whose target defines no
    healthcheck test in compose, or disables it (`disable: true`, `test: ["NONE"]`).

    Decision: auditor does not read Dockerfiles or image metadata, so it cannot see a
    `HEALTHCHECK` baked into the image. It still reports a missing compose healthcheck (the
    message says so), because the dependency then rests on an invisible image detail that a
    base-image update can remove; a healthcheck that is explicitly disabled is reported without
    that caveat. Declare the healthcheck in compose, or silence the rule for that line.

    An image's own HEALTHCHECK counts: a service built here (`build:`), or whose image is named
    like the folder of one Dockerfile of the repository, is silent when that Dockerfile declares
    one. Official images (`redis:7`, `postgres:16`) never do, so they are reported; any other
    image may, which cannot be seen from the files: that is a note, not an error.

    ## Why is this bad?
    Without a healthcheck the container never becomes "healthy": compose fails the dependent
    service ("dependency failed to start: container ... has no healthcheck configured"), and
    `up` stops there.

    ## Example
    ```yaml
    services:
      app:
        depends_on:
          db:
            condition: service_healthy
      db:
        image: postgres:16          # no healthcheck
    ```

    ## How to fix
    ```yaml
      db:
        image: postgres:16
        healthcheck:
          test: ["CMD-SHELL", "pg_isready -U postgres"]
          interval: 10s
    ```
    or wait with `condition: service_started` when readiness does not matter.

    `auditor fix --unsafe-fixes` adds the healthcheck documented for well-known images
    (postgres, mysql, mariadb, redis, mongo, rabbitmq) (unsafe: the dependent now waits for it).
    """
    for project in graph.projects:
        services = {s.name: s for s in project.services}
        for s in project.services:
            for dep in s.depends_on:
                if dep.condition != "service_healthy":
                    continue
                target = services.get(dep.service)
                if target is None:
                    continue  # ORD001
                hc = target.healthcheck
                disabled = hc is not None and (hc.disable or [t.upper() for t in hc.test[:1]] == ["NONE"])
                if hc is not None and hc.test and not disabled:
                    continue
                severity = None
                if disabled:
                    why = f"'{dep.service}' disables its healthcheck"
                else:
                    dockerfile, evidence = graph.dockerfile_of(target)
                    if dockerfile is not None and dockerfile.healthcheck is not None:
                        continue  # the image's own HEALTHCHECK ({evidence})
                    if dockerfile is not None:
                        why = (f"'{dep.service}' defines no healthcheck in compose, nor does "
                               f"{dockerfile.path}")
                        base = dockerfile.base
                    else:
                        why = f"'{dep.service}' defines no healthcheck in compose"
                        base = target.image or ""
                    why += " (this only works if its image declares a HEALTHCHECK)"
                    if not _official_image(base):
                        # an image of its own may declare a HEALTHCHECK that cannot be seen here;
                        # official images never do
                        severity = "note"
                yield Problem(
                    message=f"'{s.name}' waits for '{dep.service}' to be healthy, but {why}",
                    loc=dep.loc, key=f"{project.id}|{s.name}|{dep.service}", severity=severity)


def _official_image(image: str) -> bool:
    """A Docker Official Image (`redis:7`, `library/postgres`, `docker.io/nginx`): those
    never declare a HEALTHCHECK, by the program's policy."""
    name = image.split("@", 1)[0].split(":", 1)[0].lower()
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return bool(name) and "/" not in name and "$" not in name


# ---------------------------------------------------------------- ORD004

_FIRST_WORD = re.compile(r"[`*_\"'\[]*([A-Za-z0-9][A-Za-z0-9_.\-]*)")


def _item_name(item: DocListItem) -> Optional[str]:
    m = _FIRST_WORD.match(item.text.strip())
    return m.group(1).rstrip(".-_").lower() if m else None


def _documented_orders(graph: Graph) -> list[list[DocListItem]]:
    """Per doc and order heading, the items of every numbered list under it, in order."""
    orders: dict[tuple[str, tuple[str, ...]], list[DocListItem]] = {}
    for doc in graph.docs:
        for lst in sorted(doc.lists, key=lambda l: l.loc.line):
            section = tuple(lst.section) or ((lst.heading,) if lst.heading else ())
            marks = [i for i, h in enumerate(section) if marks_start_order(h)]
            if not marks:
                continue
            key = (doc.path, section[: marks[-1] + 1])
            orders.setdefault(key, []).extend(lst.items)
    return list(orders.values())


def _path(start: str, goal: str, edges: dict[str, list[Dependency]],
          avoid: set[str]) -> Optional[list[Dependency]]:
    """A depends_on chain from `start` to `goal` whose intermediate services are not in `avoid`."""
    prev: dict[str, tuple[str, Dependency]] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for dep in sorted(edges.get(node, ()), key=lambda d: d.service):
            nxt = dep.service
            if nxt in seen:
                continue
            prev[nxt] = (node, dep)
            if nxt == goal:
                chain = []
                while nxt != start:
                    nxt, d = prev[nxt]
                    chain.append(d)
                return list(reversed(chain))
            seen.add(nxt)
            if nxt not in avoid:
                queue.append(nxt)
    return None


@rule("ORD004", "documented-order-contradiction", "warning",
      "A documented start order contradicts depends_on.", tags=("ordering", "docs"))
def documented_order_contradiction(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reads start orders from the docs: numbered lists under a heading that announces one ("start
    order", "startup order", "boot order", "Ordre de Démarrage", ...; several lists under one
    such heading, e.g. main services 1-9 and monitoring 10-12, form one order). Each item whose
    first word is a compose service name or `container_name` takes its place in the order;
    other items are skipped. Compose starts X before Y when Y `depends_on` X, directly or
    through other services. The rule reports an item A documented before an item B while A
    depends on B, at A's item, with the `depends_on` entry as related location. When the chain
    passes through another documented service, only the documented link that contradicts is
    reported, not every pair it implies.

    ## Why is this bad?
    Operators follow the documented order when they start services by hand or script it
    (`start.sh`), and reason about failures with it: one of the two is wrong, and a service
    may be started before what it needs, or an outage be blamed on the wrong component.

    ## Example
    ```markdown
    ## Startup order
    1. **loki** - log store
    2. **grafana** - dashboards
    ```
    ```yaml
    loki:
      depends_on: [grafana]      # compose starts grafana first
    ```

    ## How to fix
    Decide which order is right: fix `depends_on` (here loki does not need grafana; grafana
    needs loki) or correct the documentation.
    """
    by_name: dict[str, list[tuple[ComposeProject, Service]]] = {}
    for project in graph.projects:
        for s in project.services:
            for name in {s.name.lower(), (s.container_name or "").lower()} - {""}:
                by_name.setdefault(name, []).append((project, s))
    for items in _documented_orders(graph):
        for project in graph.projects:
            edges = _edges(project)
            placed: list[tuple[str, DocListItem]] = []
            for item in items:
                name = _item_name(item)
                hit = next((s for p, s in by_name.get(name or "", ()) if p.id == project.id), None)
                if hit is not None and hit.name not in {n for n, _ in placed}:
                    placed.append((hit.name, item))
            documented = {n for n, _ in placed}
            for i, (a, item_a) in enumerate(placed):
                for b, item_b in placed[i + 1:]:
                    chain = _path(a, b, edges, documented)
                    if chain is None:
                        continue
                    via = [d.service for d in chain[:-1]]
                    how = (f"'{a}' depends_on '{b}'" if not via else
                           f"'{a}' depends on '{b}' through {' -> '.join(repr(v) for v in via)}")
                    yield Problem(
                        message=(f"the documented start order puts '{a}' before '{b}', but in compose "
                                 f"{how}, so compose starts '{b}' first"),
                        loc=item_a.loc,
                        related=(Related.at(chain[0].loc, f"'{a}' depends_on '{chain[0].service}'"),
                                 Related.at(item_b.loc, f"'{b}' documented here")),
                        key=f"{item_a.loc.path}|{project.id}|{a}|{b}",
                    )

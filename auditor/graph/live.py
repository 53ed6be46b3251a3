"""Joins between live snapshots and the declared config: which container is which service's,
which live security-group rules pair with declared ones, which repository nginx the dump is of,
and which live server block is the copy of which repository block.

nginx server blocks: which live block is the copy of which repository block. Names and ports
alone do not say it when two blocks share them (NGX002's case: nginx serves the first, yet both
are deployed and both can be edited on the host), so blocks are paired first within files of
the same name, in order (the k-th block of a name and port in a file with the k-th of the same
file), then across files by name and port, preferring the block with the most locations in
common. A block left over (a copy added or removed on the host) is compared, in its own
direction only, with the block of the other side it resembles most.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Literal, Optional, Sequence

from ..model import LiveContainer, LiveNginxServer, LiveState, NginxServer, PortMapping, SecurityGroupRule, Service
from . import addresses as addr
from .model import Graph
from .nginx import instance_key
from .ports import each_port

Direction = Literal["both", "live", "repo"]


def server_keys(server: NginxServer) -> frozenset[tuple[str, int]]:
    """(name, port) pairs a block answers for (`""` for a block without server_name)."""
    names = {n.lower() for n in server.server_names} or {""}
    return frozenset((n, l.port) for n in names for l in server.listens if l.unix is None)


@dataclass(frozen=True)
class ServerPair:
    live: LiveNginxServer
    repo: NginxServer
    # "both": copies of each other, compared both ways; "live": a live block left over,
    # only its own locations are compared; "repo": the same for a repository block.
    direction: Direction = "both"


def pair_servers(live: Sequence[LiveNginxServer], repo: Sequence[NginxServer]) -> list[ServerPair]:
    live_keys = [server_keys(ls.server) for ls in live]
    repo_keys = [server_keys(s) for s in repo]
    live_file = [_stem(ls.file) for ls in live]
    repo_file = [_stem(s.loc.path) for s in repo]
    pairs: dict[int, int] = {}  # live index -> repo index
    taken: set[int] = set()

    def first(i: int, candidates: list[int]) -> None:
        # Same names and ports before overlapping ones; file order otherwise.
        for exact in (True, False):
            for j in candidates:
                if j not in taken and (repo_keys[j] == live_keys[i] if exact else repo_keys[j] & live_keys[i]):
                    pairs[i] = j
                    taken.add(j)
                    return

    for i in range(len(live)):
        first(i, [j for j in range(len(repo)) if repo_file[j] == live_file[i]])
    for i in range(len(live)):
        if i not in pairs:
            first(i, sorted((j for j in range(len(repo)) if live_keys[i] & repo_keys[j]),
                            key=lambda j: -_shared_locations(live[i].server, repo[j])))
    out = [ServerPair(live[i], repo[j]) for i, j in sorted(pairs.items())]
    # Left over: compared with what they resemble most, in their own direction only.
    for i, ls in enumerate(live):
        if i not in pairs:
            best = _best([j for j in range(len(repo)) if live_keys[i] & repo_keys[j]],
                         lambda j: _shared_locations(ls.server, repo[j]))
            if best is not None:
                out.append(ServerPair(ls, repo[best], "live"))
    for j, s in enumerate(repo):
        if j not in taken:
            best = _best([i for i in range(len(live)) if live_keys[i] & repo_keys[j]],
                         lambda i: _shared_locations(live[i].server, s))
            if best is not None:
                out.append(ServerPair(live[best], s, "repo"))
    return out


def _stem(path: str) -> str:
    """A file's name as deployed: `conf/nginx/site.conf` and `/etc/nginx/sites-enabled/site` are one."""
    name = posixpath.basename(path)
    return name[:-5] if name.endswith(".conf") else name


def _shared_locations(a: NginxServer, b: NginxServer) -> int:
    return len({(l.modifier, l.path) for l in a.locations} & {(l.modifier, l.path) for l in b.locations})


def _best(candidates: list[int], score) -> "int | None":
    return max(candidates, key=lambda k: (score(k), -k)) if candidates else None


# ---------------------------------------------------------------- addresses


def bind_key(address: str) -> str:
    """Bind addresses compared by what they open: every wildcard is one (`*`)."""
    a = address.strip().strip("[]")
    return "*" if a in ("", "*", "0.0.0.0", "::") else addr.normalize_bind(a)


def ss_compatible(declared: str, observed: str) -> bool:
    """Whether a declared listener address (normalised, "" for Docker's all interfaces) is the
    one `ss` shows (`*` for both families)."""
    if observed == "*":
        return declared in ("", addr.ALL_V4, addr.ALL_V6)
    if declared == "":
        return observed in (addr.ALL_V4, addr.ALL_V6)
    return addr.normalize_bind(observed) == declared


# ---------------------------------------------------------------- containers


DeclaredPort = tuple[tuple[str, int, int, str], PortMapping, int]


def declared_ports(s: Service) -> list[DeclaredPort]:
    """Each host port the service publishes: ((bind key, host port, container port, protocol),
    its mapping, the host port); none on the host network, where Docker ignores `ports:`."""
    out: list[DeclaredPort] = []
    if s.network_mode == "host":
        return out
    for m in s.ports:
        if m.published is None:
            continue
        lo, hi = m.published_range  # type: ignore[misc]
        for p in each_port(lo, hi):
            out.append(((bind_key(m.host_ip), p, m.container_port(p), m.protocol), m, p))  # type: ignore[arg-type]
    return out


def match_containers(graph: Graph, live: LiveState) -> tuple[dict[str, list[LiveContainer]], list[LiveContainer]]:
    """Live containers by service key, and those no service declares: by compose labels, then
    container_name, then a service name unique in the repository, then compose's default name."""
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


# ---------------------------------------------------------------- security groups


@dataclass(frozen=True)
class GroupPairing:
    """Ingress rules to compare: declared and live, each side narrowed to the groups both sides
    know when any group is on both (`paired`: the declared rules of such groups)."""

    declared: list[SecurityGroupRule]
    observed: list[SecurityGroupRule]
    paired: list[SecurityGroupRule]


def pair_groups(graph: Graph, live: LiveState) -> GroupPairing:
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
    return GroupPairing(declared, observed, paired)


def rule_matches(d: SecurityGroupRule, l: SecurityGroupRule) -> bool:
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


# ---------------------------------------------------------------- nginx


def repo_servers(graph: Graph, live_keys: set[tuple[str, int]]) -> list[NginxServer]:
    """The servers of the repo's nginx instance the dump is most likely of (most shared keys;
    the host's on a tie)."""
    groups: dict[str, list[NginxServer]] = {}
    for c in graph.nginx:
        groups.setdefault(instance_key(c), []).extend(c.servers)
    if not groups:
        return []
    best = max(sorted(groups), key=lambda g: (len(set().union(*(server_keys(s) for s in groups[g])) & live_keys), g == ""))
    return groups[best]

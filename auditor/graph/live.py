"""Joins between live snapshots and the declared config.

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
from dataclasses import dataclass
from typing import Literal, Sequence

from ..model import LiveNginxServer, NginxServer

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

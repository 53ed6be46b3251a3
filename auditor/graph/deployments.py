"""The deployment model: which compose projects and host nginx configurations run together.

A folder is not a host. Repositories hold samples, test stacks and alternative deployments side
by side, so projects share a host only on evidence, and every join says what it rests on:

- the files compose loads together form one project (the loader: default files, overlays);
- overlays of one base are variants of it, alternatives to each other: a deployment holds one
  variant of each project family;
- projects of different folders share a host when the configuration says so (`[hosts] groups`),
  or they join one network by its real name (`external: true`, `name:`), or they read one
  env file, or one docs file describes services of both, or a host nginx routes to both;
- a host nginx is one only on evidence: a loopback `proxy_pass` reaching a port a project
  publishes, the Debian host layout (`sites-available`, `sites-enabled`), or the configuration.
  A configuration mounted into a service runs there (the loader says which). Anything else is
  of unknown placement: the rules that depend on where nginx runs stay silent for it.

Folders listed in `[hosts] independent` hold examples that each run alone: nothing inferred
joins them to anything.
"""
from __future__ import annotations

import fnmatch
import posixpath
from collections import defaultdict
from typing import Iterable, Literal, Mapping, Optional, Sequence

from ..model import ComposeProject, DocFact, Frozen, Inputs, Loc, NginxConfig, Service
from . import addresses as addr

Placement = Literal["host", "container", "unknown"]

_HOST_LAYOUT = ("sites-available", "sites-enabled")
_INSTANCE_DIRS = ("sites-available", "sites-enabled", "conf.d", "sites", "vhosts.d", "http.d")
_HOST_ALIASES = {"localhost", "0.0.0.0", "::", "host.docker.internal", "172.17.0.1", "host-gateway"}


class Evidence(Frozen):
    """Why two things are taken to run on one host (or where an nginx runs)."""

    text: str
    loc: Optional[Loc] = None


class NginxPlacement(Frozen):
    config: str  # NginxConfig.id
    where: Placement
    service: Optional[str] = None  # service key, for "container"
    evidence: str = ""


class Host(Frozen):
    """Project families (a base project and its overlay variants) and host nginx
    configurations known to share one machine."""

    id: str
    name: str = ""  # the configuration's name for it, when `[hosts] groups` names it
    families: tuple[str, ...] = ()  # base project ids
    nginx: tuple[str, ...] = ()  # host nginx configuration ids
    evidence: tuple[Evidence, ...] = ()


class Deployment(Frozen):
    """What runs together on one host: one variant of each project family, the host nginx."""

    id: str
    host: str
    projects: tuple[str, ...] = ()
    nginx: tuple[str, ...] = ()


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether a folder (or file) path lies in one of `patterns` (folders or globs, "." the root)."""
    path = path.strip("/")
    for raw in patterns:
        pattern = raw.strip().rstrip("/")
        pattern = "" if pattern in (".", "./") else (pattern[2:] if pattern.startswith("./") else pattern)
        if pattern == "":
            if path == "" or "/" not in path and "." in path:
                return True  # the root folder itself (a file at the root)
            continue
        if path == pattern or path.startswith(pattern + "/") or fnmatch.fnmatch(path, pattern):
            return True
        if any(fnmatch.fnmatch(path[:i], pattern) for i in range(len(path)) if path[i] == "/"):
            return True
    return False


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class Plan(Frozen):
    hosts: tuple[Host, ...] = ()
    deployments: tuple[Deployment, ...] = ()
    placements: tuple[NginxPlacement, ...] = ()


def plan(inputs: Inputs, groups: Mapping[str, Sequence[str]] = {},
         independent: Sequence[str] = ()) -> Plan:
    projects = {p.id: p for p in inputs.projects}
    family_of = {p.id: (p.base if p.base in projects else p.id) for p in inputs.projects}
    members: dict[str, list[str]] = defaultdict(list)
    for p in inputs.projects:
        members[family_of[p.id]].append(p.id)
    families = sorted(members)
    directory = {f: projects[f].directory for f in families}
    alone = {f for f in families if independent and matches(directory[f], independent)}

    union = _Union()
    evidence: dict[str, list[Evidence]] = defaultdict(list)  # by family or "nginx:<instance>"
    names: dict[str, str] = {}

    def join(items: list[str], why: Evidence) -> None:
        for item in items:
            union.find(item)
            evidence[item].append(why)
        for item in items[1:]:
            union.join(items[0], item)

    # configured hosts first: they hold whatever inference says
    for name, patterns in sorted(groups.items()):
        chosen = [f for f in families if matches(directory[f], patterns)]
        if chosen:
            join(chosen, Evidence(text=f"the configuration puts them on host '{name}' ([hosts] groups)"))
            names[union.find(chosen[0])] = name

    inferred = [f for f in families if f not in alone]
    _by_shared_network(inferred, members, projects, join)
    _by_shared_env_file(inferred, members, projects, join)
    _by_docs(inferred, members, projects, inputs.doc_facts, join)

    placements = _place_nginx(inputs, projects, family_of, groups, join)

    hosts: list[Host] = []
    deployments: list[Deployment] = []
    by_root: dict[str, list[str]] = defaultdict(list)
    for f in families:
        by_root[union.find(f)].append(f)
    nginx_by_root: dict[str, list[str]] = defaultdict(list)
    for p in placements:
        if p.where == "host":
            key = p.service or _instance_key(p.config)
            nginx_by_root[union.find(key)].append(p.config)
    for root in sorted(set(by_root) | set(nginx_by_root)):
        fams = sorted(by_root.get(root, ()))
        nginx = tuple(sorted(nginx_by_root.get(root, ())))
        seen: set[Evidence] = set()
        ev = []
        for item in [*fams, *sorted({_instance_key(c) for c in nginx})]:
            for e in evidence.get(item, ()):
                if e not in seen:
                    seen.add(e)
                    ev.append(e)
        host_id = f"host:{fams[0] if fams else nginx[0]}"
        hosts.append(Host(id=host_id, name=names.get(root, ""), families=tuple(fams), nginx=nginx,
                          evidence=tuple(ev)))
        bases = [f for f in fams]
        deployments.append(Deployment(id=f"{host_id}#base", host=host_id, projects=tuple(bases), nginx=nginx))
        for f in fams:
            for variant in members[f][1:]:
                chosen = tuple(variant if b == f else b for b in bases)
                deployments.append(Deployment(id=f"{host_id}#{variant}", host=host_id, projects=chosen,
                                              nginx=nginx))
    return Plan(hosts=tuple(hosts), deployments=tuple(deployments), placements=tuple(placements))


# ---------------------------------------------------------------- inferred joins


def _family_names(f: str, members, projects) -> list[ComposeProject]:
    return [projects[m] for m in members[f]]


def _by_shared_network(families, members, projects, join) -> None:
    users: dict[str, list[str]] = defaultdict(list)
    for f in families:
        nets = {n for p in _family_names(f, members, projects) for n in p.shared_networks}
        for n in nets:
            users[n].append(f)
    for net, fams in sorted(users.items()):
        if len(fams) > 1:
            join(sorted(fams), Evidence(text=f"they join the network '{net}' by name"))


def _by_shared_env_file(families, members, projects, join) -> None:
    """An env file read by projects of different folders (interpolation, or a service's
    `env_file:`) ties them to one host. Projects that share compose files through `include`
    or `extends` are variants of one stack (test matrices), not neighbours: they are left out."""
    readers: dict[str, list[str]] = defaultdict(list)
    for f in families:
        files = set()
        for p in _family_names(f, members, projects):
            files.update(p.env_sources)
            files.update(ref.path for s in p.services for ref in s.env_files)
        for path in files:
            readers[path].append(f)
    for path, fams in sorted(readers.items()):
        fams = sorted(set(fams))
        if len(fams) < 2 or len({projects[f].directory for f in fams}) < 2:
            continue
        imports = [set(projects[f].imports) for f in fams]
        if set.intersection(*imports):
            continue
        join(fams, Evidence(text=f"they read the env file {path}", loc=Loc(path=path)))


def _by_docs(families, members, projects, facts: Sequence[DocFact], join) -> None:
    """One docs file whose tables name services of several projects describes one host.
    Only names that belong to one project family count (`db` names nothing in particular)."""
    owner: dict[str, set[str]] = defaultdict(set)
    for f in families:
        for p in _family_names(f, members, projects):
            for s in p.services:
                for n in (s.name, s.container_name):
                    if n:
                        owner[n.lower()].add(f)
    by_doc: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        if getattr(fact, "kind", "") != "service_ports":
            continue
        for n in (fact.service, fact.container):
            fams = owner.get(n.strip().strip("`").lower(), set()) if n else set()
            if len(fams) == 1:
                by_doc[fact.loc.path] |= fams
    for path, fams in sorted(by_doc.items()):
        if len(fams) > 1:
            join(sorted(fams), Evidence(text=f"the docs in {path} describe services of each",
                                        loc=Loc(path=path)))


# ---------------------------------------------------------------- nginx placement


def _instance_key(config_id: str) -> str:
    """Configurations of one folder are sites of one nginx (`conf.d/*.conf`, `sites-*`)."""
    folder = posixpath.dirname(config_id)
    if posixpath.basename(folder) in _INSTANCE_DIRS:
        folder = posixpath.dirname(folder)
    return f"nginx:{folder}"


def _loopback_targets(config: NginxConfig) -> list[tuple[int, Loc]]:
    out = []
    for server in config.servers:
        for loc in server.locations:
            t = loc.proxy_pass
            if t is None or t.has_variables or t.upstream:
                continue
            host = t.host.lower()
            if addr.is_loopback(host) or host in _HOST_ALIASES:
                out.append((t.port or (443 if t.scheme == "https" else 80), t.loc))
    for up in config.upstreams:
        for s in up.servers:
            host = s.host.lower()
            if addr.is_loopback(host) or host in _HOST_ALIASES:
                out.append((s.port or 80, s.loc))
    return out


def _loopback_only(config: NginxConfig) -> bool:
    """Every proxy target is a loopback address (at least one); none is a name or a variable."""
    hosts = []
    for server in config.servers:
        for loc in server.locations:
            if loc.proxy_pass is not None:
                if loc.proxy_pass.has_variables and not loc.proxy_pass.upstream:
                    return False
                if not loc.proxy_pass.upstream:
                    hosts.append(loc.proxy_pass.host.lower())
    hosts += [s.host.lower() for up in config.upstreams for s in up.servers]
    return bool(hosts) and all(addr.is_loopback(h) or h in ("localhost", "0.0.0.0", "::") for h in hosts)


def _distance(a: str, b: str) -> int:
    pa = [x for x in a.split("/") if x]
    pb = [x for x in b.split("/") if x]
    common = 0
    for x, y in zip(pa, pb):
        if x != y:
            break
        common += 1
    return (len(pa) - common) + (len(pb) - common)


def _place_nginx(inputs: Inputs, projects: dict[str, ComposeProject], family_of: dict[str, str],
                 groups: Mapping[str, Sequence[str]], join) -> list[NginxPlacement]:
    services: dict[str, Service] = {f"{s.project}::{s.name}": s for p in inputs.projects for s in p.services}
    published: dict[int, list[tuple[str, Service]]] = defaultdict(list)  # port -> (family, service)
    for p in inputs.projects:
        for s in p.services:
            for m in s.ports:
                rng = m.target_range if s.network_mode == "host" else m.published_range
                if rng is None or m.protocol != "tcp" or rng[1] - rng[0] > 4096:
                    continue
                bind = "" if s.network_mode == "host" else addr.normalize_bind(m.host_ip)
                if not addr.reaches(bind, "127.0.0.1"):
                    continue
                for port in range(rng[0], rng[1] + 1):
                    published[port].append((family_of[p.id], s))

    out: list[NginxPlacement] = []
    instance_links: dict[str, dict[str, str]] = defaultdict(dict)  # instance -> family -> why
    instance_host: dict[str, str] = {}
    pending: list[NginxConfig] = []
    for config in inputs.nginx:
        if config.runs_in is not None:
            runner = services.get(config.runs_in)
            if config.runs_in_host_network and runner is not None:
                out.append(NginxPlacement(config=config.id, where="host", service=config.runs_in,
                                          evidence=f"it is mounted into '{runner.name}', which uses the host's network"))
                join([family_of.get(runner.project, runner.project), config.runs_in],
                     Evidence(text=f"nginx service '{runner.name}' uses the host's network"))
            else:
                name = runner.name if runner else config.runs_in
                out.append(NginxPlacement(config=config.id, where="container", service=config.runs_in,
                                          evidence=f"it is mounted into service '{name}'"))
            continue
        pending.append(config)
        key = _instance_key(config.id)
        folder = posixpath.dirname(config.id)
        for port, loc in _loopback_targets(config):
            candidates = {}
            for fam, s in published.get(port, ()):
                candidates.setdefault(fam, s)
            if not candidates:
                continue
            best = min(_distance(folder, projects[f].directory) for f in candidates)
            nearest = [f for f in candidates if _distance(folder, projects[f].directory) == best]
            if len(nearest) == 1:
                f = nearest[0]
                instance_links[key].setdefault(
                    f, f"the host nginx {config.id} proxies to 127.0.0.1:{port}, which "
                       f"'{candidates[f].name}' of {f} publishes")
        configured = next((n for n, pats in sorted(groups.items()) if matches(config.id, pats)), None)
        if configured:
            instance_host.setdefault(key, f"the configuration puts it on host '{configured}'")
            chosen = [f for f in family_of.values() if matches(projects[f].directory, groups[configured])]
            for f in sorted(set(chosen)):
                instance_links[key].setdefault(f, f"the configuration puts it on host '{configured}'")
        if any(part in _HOST_LAYOUT for part in config.id.split("/")[:-1]):
            instance_host.setdefault(key, "it sits in a sites-available/sites-enabled folder, "
                                          "the layout of a host nginx")
        elif _loopback_only(config):
            # no container mounts it, and only a host nginx (or one sharing its backend's
            # container, which a Dockerfile would show) reaches its loopback targets
            instance_host.setdefault(key, "it proxies only to loopback addresses and no service "
                                          "mounts it")
    for config in pending:
        key = _instance_key(config.id)
        links = instance_links.get(key, {})
        if links:
            first = sorted(links)[0]
            out.append(NginxPlacement(config=config.id, where="host", evidence=links[first]))
            for f, why in sorted(links.items()):
                join([f, key], Evidence(text=why, loc=Loc(path=config.id)))
        elif key in instance_host:
            out.append(NginxPlacement(config=config.id, where="host", evidence=instance_host[key]))
            # with no route to a project, it is placed with the project of its nearest
            # enclosing folder, when there is exactly one
            folder = posixpath.dirname(config.id)
            enclosing = sorted({f for f in set(family_of.values())
                                if _encloses(projects[f].directory, folder)},
                               key=lambda f: -len(projects[f].directory))
            if enclosing and (len(enclosing) == 1 or len(projects[enclosing[0]].directory)
                              > len(projects[enclosing[1]].directory)):
                join([enclosing[0], key], Evidence(
                    text=f"the host nginx {config.id} lies in the folder of {enclosing[0]}",
                    loc=Loc(path=config.id)))
            else:
                join([key], Evidence(text=instance_host[key]))
        else:
            out.append(NginxPlacement(config=config.id, where="unknown",
                                      evidence="nothing shows where it runs (no bind mount, no route "
                                               "to a published port, no host layout)"))
    return out


def _encloses(folder: str, path: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")

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
  A configuration mounted into a service runs there (the loader says which). One that a
  Dockerfile copies into an image runs in that image: in the compose service that builds it when
  exactly one does, else somewhere unknown. Anything else is of unknown placement: the rules
  that depend on where nginx runs stay silent for it.

Folders listed in `[hosts] independent` hold examples that each run alone: nothing inferred
joins them to anything.
"""
from __future__ import annotations

import fnmatch
import posixpath
from collections import defaultdict
from typing import Iterable, Iterator, Literal, Mapping, Optional, Sequence

from ..model import ComposeProject, DocFact, Frozen, Inputs, Loc, NginxConfig, Service
from . import addresses as addr
from .image_copies import copied_into_image

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
    evidence: tuple[Evidence, ...] = ()  # what ties its folders together (empty for one family)
    # tied only by weak evidence (a network every one of them joins as `external`, created by
    # none): perhaps one host, perhaps not; rules say what they find there as notes
    weak: bool = False


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

    union = _Union()  # every join: what shares a host
    fixed = _Union()  # the joins that hold for every variant of a family (all but networks)
    evidence: dict[str, list[Evidence]] = defaultdict(list)  # by family or "nginx:<instance>"
    names: dict[str, str] = {}

    def join(items: list[str], why: Evidence) -> None:
        for item in items:
            union.find(item)
            fixed.find(item)
            evidence[item].append(why)
        for item in items[1:]:
            union.join(items[0], item)
            fixed.join(items[0], item)

    # configured hosts first: they hold whatever inference says
    for name, patterns in sorted(groups.items()):
        chosen = [f for f in families if matches(directory[f], patterns)]
        if chosen:
            join(chosen, Evidence(text=f"the configuration puts them on host '{name}' ([hosts] groups)"))
            names[union.find(chosen[0])] = name

    inferred = [f for f in families if f not in alone]
    # networks tie projects (variants), not whole families: an overlay may add the network
    net_links = _by_shared_network(inferred, members, projects, family_of)
    weak_links = [(a, b, why) for a, b, why, strong in net_links if not strong]
    net_links = [(a, b, why) for a, b, why, strong in net_links if strong]
    net_evidence: dict[str, list[Evidence]] = defaultdict(list)
    for a, b, why in net_links:
        union.join(family_of[a], family_of[b])
        net_evidence[family_of[a]].append(why)
        net_evidence[family_of[b]].append(why)
    _by_shared_env_file(inferred, members, projects, join)
    _by_docs(inferred, members, projects, inputs.doc_facts, join)

    placements = _place_nginx(inputs, projects, family_of, groups, join)

    hosts: list[Host] = []
    deployments: list[Deployment] = []
    by_root: dict[str, list[str]] = defaultdict(list)
    for f in families:
        by_root[union.find(f)].append(f)
    nginx_by_root: dict[str, list[str]] = defaultdict(list)
    nginx_key: dict[str, str] = {}
    for p in placements:
        if p.where == "host":
            key = p.service or _instance_key(p.config)
            nginx_key[p.config] = key
            nginx_by_root[union.find(key)].append(p.config)
    for root in sorted(set(by_root) | set(nginx_by_root)):
        fams = sorted(by_root.get(root, ()))
        nginx = tuple(sorted(nginx_by_root.get(root, ())))
        ev = _unique(e for item in [*fams, *sorted({_instance_key(c) for c in nginx})]
                     for e in (*evidence.get(item, ()), *net_evidence.get(item, ())))
        host_id = f"host:{fams[0] if fams else nginx[0]}"
        hosts.append(Host(id=host_id, name=names.get(root, ""), families=tuple(fams), nginx=nginx,
                          evidence=tuple(ev)))
        seen: set[tuple] = set()
        for label, choice in _choices(fams, members, projects):
            for i, (chosen, configs, why) in enumerate(_together(
                    choice, nginx, nginx_key, projects, family_of, fixed, net_links, evidence)):
                ident = (chosen, configs)
                if ident in seen:
                    continue
                seen.add(ident)
                deployments.append(Deployment(id=f"{host_id}#{label}" + (f"/{i}" if i else ""), host=host_id,
                                              projects=chosen, nginx=configs, evidence=why))
    deployments.extend(_weak_deployments(weak_links, union, members, projects, family_of, fixed, net_links,
                                          evidence))
    return Plan(hosts=tuple(hosts), deployments=tuple(deployments), placements=tuple(placements))


def _weak_deployments(weak_links, union: _Union, members, projects, family_of, fixed: _Union, net_links,
                      evidence) -> list[Deployment]:
    """Projects of different hosts that only weak evidence ties together, as deployments
    marked `weak`: every choice of them, as for a host, with the weak links added."""
    if not weak_links:
        return []
    loose = _Union()
    for f in members:
        loose.join(f, union.find(f))
    for a, b, _ in weak_links:
        loose.join(family_of[a], family_of[b])
    by_root: dict[str, list[str]] = defaultdict(list)
    for f in sorted(members):
        by_root[loose.find(f)].append(f)
    out: list[Deployment] = []
    for root, fams in sorted(by_root.items()):
        if len({union.find(f) for f in fams}) < 2:
            continue
        seen: set[tuple] = set()
        host_id = f"host:{fams[0]}"
        for label, choice in _choices(fams, members, projects):
            for i, (chosen, _, why) in enumerate(_together(
                    choice, (), {}, projects, family_of, fixed, [*net_links, *weak_links], evidence)):
                if len({union.find(family_of[p]) for p in chosen}) < 2 or chosen in seen:
                    continue  # within one host: the strong deployments hold it
                seen.add(chosen)
                first = family_of[chosen[0]]
                host = min(f for f in members if union.find(f) == union.find(first))
                out.append(Deployment(id=f"{host_id}#weak:{label}" + (f"/{i}" if i else ""),
                                      host=f"host:{host}", projects=chosen, evidence=why, weak=True))
    return out


def _unique(items: Iterable[Evidence]) -> list[Evidence]:
    return list(dict.fromkeys(items))


def _alternatives(fams: list[str], projects: Mapping[str, ComposeProject]) -> list[list[str]]:
    """Families of one folder that define a service of the same name are alternatives
    (`docker-compose.yml` and `docker-compose-v2.yml`, both with their own 'app'): one runs."""
    union = _Union()
    by_folder: dict[str, list[str]] = defaultdict(list)
    for f in fams:
        union.find(f)
        by_folder[projects[f].directory].append(f)
    for folder_fams in by_folder.values():
        owner: dict[str, str] = {}
        for f in folder_fams:
            for s in projects[f].services:
                if s.name in owner:
                    union.join(owner[s.name], f)
                else:
                    owner[s.name] = f
    groups: dict[str, list[str]] = defaultdict(list)
    for f in fams:
        groups[union.find(f)].append(f)
    return [sorted(g) for _, g in sorted(groups.items())]


def _choices(fams: list[str], members, projects) -> Iterator[tuple[str, dict[str, str]]]:
    """What may run together: one family of each group of alternatives, one variant of each
    family. The first choice takes the first of each; every other family and variant is then
    swapped in alone (not every combination: a conflict needs two claimants, and each pair
    meets in one of these)."""
    groups = _alternatives(fams, projects)
    first = {g[0]: g[0] for g in groups}
    yield "base", dict(first)
    for g in groups:
        for f in g:
            if f != g[0]:
                choice = {k: v for k, v in first.items() if k != g[0]}
                choice[f] = f
                yield f, choice
            for variant in members[f][1:]:
                choice = {k: v for k, v in first.items() if k != g[0]}
                choice[f] = variant
                yield variant, choice


def _together(choice: dict[str, str], nginx: Sequence[str], nginx_key: Mapping[str, str],
              projects: Mapping[str, ComposeProject], family_of: Mapping[str, str], fixed: _Union,
              net_links: Sequence[tuple[str, str, Evidence]], evidence: Mapping[str, list[Evidence]],
              ) -> list[tuple[tuple[str, ...], tuple[str, ...], tuple[Evidence, ...]]]:
    """The chosen projects and host nginx configurations that are tied to each other, in
    groups: the joins that hold for whole families, and the networks the chosen variants
    themselves share. A host nginx kept in the folder of an overlay that lies outside its
    base's folder is another of the alternatives that folder offers, not beside it."""
    chosen = sorted(choice.values())
    local = _Union()
    items = [*chosen, *(f"nginx::{c}" for c in nginx)]
    root_of = {p: fixed.find(family_of[p]) for p in chosen}
    root_of.update({f"nginx::{c}": fixed.find(nginx_key[c]) for c in nginx})
    first_with: dict[str, str] = {}
    for item in items:
        local.find(item)
        r = root_of[item]
        if r in first_with:
            local.join(first_with[r], item)
        else:
            first_with[r] = item
    present = set(chosen)
    used: dict[str, list[Evidence]] = defaultdict(list)
    for a, b, why in net_links:
        if a in present and b in present:
            local.join(a, b)
            used[a].append(why)
    aside = set()
    for p in chosen:
        project = projects[p]
        if project.base is None:
            continue
        base_dir = projects[project.base].directory if project.base in projects else project.directory
        for f in project.files:
            folder = posixpath.dirname(f)
            if folder != base_dir and f not in projects[family_of[p]].files:
                aside |= {c for c in nginx if _encloses(folder, posixpath.dirname(c))}
    out: dict[str, tuple[list[str], list[str], list[Evidence]]] = {}
    for item in items:
        if item.startswith("nginx::") and item[7:] in aside:
            continue
        group = out.setdefault(local.find(item), ([], [], []))
        if item.startswith("nginx::"):
            group[1].append(item[7:])
            group[2].extend(evidence.get(nginx_key[item[7:]], ()))
        else:
            group[0].append(item)
            group[2].extend(used.get(item, ()))
            group[2].extend(evidence.get(family_of[item], ()) if len(choice) > 1 else ())
    result = []
    for ps, cs, ev in out.values():
        if not ps and not cs:
            continue
        why = tuple(_unique(ev)) if len(ps) > 1 or cs else ()
        result.append((tuple(ps), tuple(cs), why))
    return sorted(result)


# ---------------------------------------------------------------- inferred joins


def _family_names(f: str, members, projects) -> list[ComposeProject]:
    return [projects[m] for m in members[f]]


def _by_shared_network(families, members, projects, family_of) -> list[tuple[str, str, Evidence, bool]]:
    """Projects that join one network by its real name, when one of them creates it (a
    `name:` of its own) and the other joins it as `external`: that one expects the creator on
    its host. A network every project joins as `external` is created by hand on some host; a
    common name (`proxy`, `web`) in several folders of examples says nothing about which."""
    owners: dict[str, list[str]] = defaultdict(list)
    joiners: dict[str, list[str]] = defaultdict(list)
    for f in families:
        for p in _family_names(f, members, projects):
            owned = set(p.owned_networks)
            for n in p.shared_networks:
                (owners if n in owned else joiners)[n].append(p.id)
    out: list[tuple[str, str, Evidence, bool]] = []
    for net in sorted(set(owners) | set(joiners)):
        for a in owners.get(net, ()):
            for b in joiners.get(net, ()):
                if family_of[a] != family_of[b]:
                    why = Evidence(text=f"they join the network '{net}' by name ({a} creates it)",
                                   loc=Loc(path=projects[a].loc.path))
                    out.append((a, b, why, True))
        if net in owners:
            continue
        users = joiners[net]
        why = Evidence(text=f"they join the external network '{net}' by name, which none of them creates")
        for i, a in enumerate(users):
            for b in users[i + 1:]:
                if family_of[a] != family_of[b]:
                    out.append((a, b, why, False))
    return out


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
    services: dict[str, Service] = {s.key: s for p in inputs.projects for s in p.services}
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

    builders = _builders(inputs, projects)
    contexts = {path: sorted({_ctx for _ctx, _ in found}) for path, found in builders.items()}
    out: list[NginxPlacement] = []
    # instance -> family -> (why, the config that shows it)
    instance_links: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
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
        copied = copied_into_image(config.id, inputs.dockerfiles, contexts)
        if copied is not None:
            # it runs in an image built from this repository, beside whatever else that image
            # runs; in a compose service only when exactly one service builds that Dockerfile
            where = f"{copied.loc.path}:{copied.loc.line} copies it into an image ({copied.image_path})"
            runners = [s for _ctx, s in builders.get(copied.dockerfile, ())]
            if len(runners) == 1 and runners[0].network_mode != "host":
                s = runners[0]
                out.append(NginxPlacement(config=config.id, where="container", service=f"{s.project}::{s.name}",
                                          evidence=f"{where}, which service '{s.name}' builds"))
            else:
                out.append(NginxPlacement(config=config.id, where="unknown",
                                          evidence=f"{where}; where that image runs is not known"))
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
                    f, (f"the host nginx {config.id} proxies to 127.0.0.1:{port}, which "
                        f"'{candidates[f].name}' of {f} publishes", config.id))
        configured = next((n for n, pats in sorted(groups.items()) if matches(config.id, pats)), None)
        if configured:
            instance_host.setdefault(key, f"the configuration puts it on host '{configured}'")
            chosen = [f for f in family_of.values() if matches(projects[f].directory, groups[configured])]
            for f in sorted(set(chosen)):
                instance_links[key].setdefault(f, (f"the configuration puts it on host '{configured}'", config.id))
        if any(part in _HOST_LAYOUT for part in config.id.split("/")[:-1]):
            instance_host.setdefault(key, "it sits in a sites-available/sites-enabled folder, "
                                          "the layout of a host nginx")
        elif _loopback_only(config):
            # no container mounts it, and only a host nginx (or one sharing its backend's
            # container, which a Dockerfile would show) reaches its loopback targets
            instance_host.setdefault(key, "it proxies only to loopback addresses and no service "
                                          "mounts it")
    joined: set[str] = set()
    for config in pending:
        key = _instance_key(config.id)
        links = instance_links.get(key, {})
        if links:
            first = sorted(links)[0]
            out.append(NginxPlacement(config=config.id, where="host", evidence=links[first][0]))
            if key not in joined:  # the instance's links, once (not once per file of it)
                joined.add(key)
                for f, (why, shown_by) in sorted(links.items()):
                    join([f, key], Evidence(text=why, loc=Loc(path=shown_by)))
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


def _builders(inputs: Inputs, projects: dict[str, ComposeProject]) -> dict[str, list[tuple[str, Service]]]:
    """Dockerfile path -> (build context, service) of the compose services that build it (the
    context's own `Dockerfile`)."""
    known = {d.path for d in inputs.dockerfiles}
    out: dict[str, list[tuple[str, Service]]] = defaultdict(list)
    for p in inputs.projects:
        for s in p.services:
            if s.build is None:
                continue
            folder = posixpath.normpath(posixpath.join(p.directory, s.build))
            folder = "" if folder == "." else folder
            path = f"{folder}/Dockerfile" if folder else "Dockerfile"
            if path in known and not folder.startswith(".."):
                out[path].append((folder, s))
    return out


def _encloses(folder: str, path: str) -> bool:
    return folder == "" or path == folder or path.startswith(folder + "/")

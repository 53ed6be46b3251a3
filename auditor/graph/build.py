"""Builds the graph: every join computed once, by index, from the loaded inputs."""
from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from typing import Iterable, Mapping, Optional

from ..model import Inputs, Loc, NginxConfig, NginxServer, PortMapping, Service, split_service_key
from . import addresses as addr
from .deployments import NginxPlacement, plan
from .model import Exposure, Graph, Listener, ProxyLink, UrlRef
from .nginx import instance_key
from .ports import PortIndex
from .routing import RegexUnknown, ServerIndex, is_catch_all, route, tls_on
from .urls import DEFAULT_PORTS, find_urls

_HOST_GATEWAYS = {"host.docker.internal", "172.17.0.1", "host-gateway"}
# The address a container reaches the host through (docker0): ports published on loopback only
# are not reachable from there, ports published on all interfaces are.
_GATEWAY_VIA = "172.17.0.1"


def build_graph(inputs: Inputs, *, public_addresses: Iterable[str] = (),
                external_hosts: Iterable[str] = (), host_groups: Optional[dict] = None,
                independent: Iterable[str] = ()) -> Graph:
    services = {s.key: s for p in inputs.projects for s in p.services}
    names = _name_index(inputs)
    deploy = plan(inputs, host_groups or {}, tuple(independent))
    placements = {p.config: p for p in deploy.placements}
    host_of: dict[str, str] = {}  # project id or host nginx config id -> host id
    for d in deploy.deployments:
        for item in (*d.projects, *d.nginx):
            host_of[item] = d.host
    listeners = _listeners(inputs, services, placements, host_of)
    by_port = _listeners_by_port(listeners)
    by_host: dict[str, list[Listener]] = defaultdict(list)
    for l in listeners:
        by_host[host_of.get(l.project or l.config or "", "")].append(l)
    host_ports = {h: _listeners_by_port(ls) for h, ls in by_host.items()}
    publics = tuple(sorted({a.lower() for a in public_addresses}))
    links = _proxy_links(inputs, services, names, host_ports, placements, host_of)
    link_index = {(l.server, l.location): l for l in links if l.location is not None}
    instances = _instances(inputs, services)
    external = {h.lower() for h in external_hosts}
    urls = _urls(inputs, services, names, by_port, instances, link_index, publics, external, host_of)
    exposures = _exposures(inputs, listeners)
    return Graph.from_inputs(
        inputs, public_addresses=publics, listeners=tuple(listeners), proxy_links=tuple(links),
        urls=tuple(urls), exposures=tuple(exposures), hosts=deploy.hosts,
        deployments=deploy.deployments, placements=deploy.placements,
    )


# ---------------------------------------------------------------- names


def _name_index(inputs: Inputs) -> dict[str, list[Service]]:
    """DNS names a container answers to on its networks: service name, container_name, aliases."""
    index: dict[str, list[Service]] = defaultdict(list)
    for p in inputs.projects:
        for s in p.services:
            names = {s.name, s.container_name, s.hostname, *(a for n in s.networks for a in n.aliases)}
            for name in names:
                if name:
                    index[name.lower()].append(s)
    return index


def _networks(service: Service) -> set[str]:
    nets = {n.name for n in service.networks} or {"default"}
    return {f"{service.project}/{n}" for n in nets}


# ---------------------------------------------------------------- listeners


def _listeners(inputs: Inputs, services: dict[str, Service], placements: dict[str, NginxPlacement],
               host_of: dict[str, str]) -> list[Listener]:
    out: list[Listener] = []
    for key, s in services.items():
        host_mode = s.network_mode == "host"
        for p in s.ports:
            rng = p.published_range
            if host_mode:
                # Docker ignores `ports:` with network_mode: host; the process binds its own port.
                rng, address = p.target_range, ""
            elif rng is None:
                continue
            else:
                address = addr.normalize_bind(p.host_ip)
            out.append(Listener(
                kind="compose", address=address, port=rng[0], port_end=rng[1],
                protocol=p.protocol, service=key, project=s.project, target=p.target,
                active=s.active_by_default, loc=p.loc,
            ))
        if host_mode and not s.ports:
            # the process binds the host's ports itself: where its command says, if it says
            for address, port in command_listens(s.command):
                out.append(Listener(kind="compose", address=address, port=port, port_end=port,
                                    service=key, project=s.project, target=port,
                                    active=s.active_by_default, loc=s.loc))
    seen: set[tuple[str, str, int]] = set()
    for config in inputs.nginx:
        where = placements.get(config.id)
        if where is not None and where.where != "host" or where is None and not config.on_host:
            # in a container its listens are container ports (the service's published ports are
            # on the host); of unknown placement, they bind nothing known
            continue
        host = host_of.get(config.id, "")
        for server in config.servers:
            for l in server.listens:
                if l.unix is not None or l.port == 0:
                    continue  # unix sockets, and ports written as variables, bind nothing we know
                bind = addr.normalize_bind(l.address, ipv6=l.ipv6)
                if bind == "" and not l.ipv6:
                    bind = addr.ALL_V4
                if (host, bind, l.port) in seen:
                    continue  # one nginx per host: its sites share their sockets
                seen.add((host, bind, l.port))
                out.append(Listener(kind="nginx", address=bind, port=l.port, port_end=l.port,
                                    config=config.id, loc=l.loc))
    return out


# Well-known listen flags: `--web.listen-address=:9100`, `--port 9100`, `--http.addr 0.0.0.0:8080`,
# `--bind=127.0.0.1:53`. A flag names a listening port when its name says listen/port/addr/bind.
_LISTEN_FLAG = re.compile(r"^--?[\w.-]*(?:listen|port|addr|bind)[\w.-]*$", re.I)
_LISTEN_VALUE = re.compile(r"^(?:(\[?[0-9a-fA-F.:]*\]?|[\w.-]*):)?(\d{1,5})$")


def command_listens(command: tuple[str, ...]) -> list[tuple[str, int]]:
    """(address, port) a host-network process listens on, from the flags of its command."""
    out = []
    words = [w for part in command for w in part.split()]
    for i, word in enumerate(words):
        flag, eq, value = word.partition("=")
        if not _LISTEN_FLAG.match(flag):
            continue
        if not eq:
            value = words[i + 1] if i + 1 < len(words) else ""
        m = _LISTEN_VALUE.match(value.strip("'\""))
        if m and 0 < int(m.group(2)) < 65536:
            host = (m.group(1) or "").strip("[]")
            address = addr.normalize_bind(host) if host and host not in ("0.0.0.0", "*") else ""
            out.append((address, int(m.group(2))))
    return out


def _listeners_by_port(listeners: list[Listener]) -> dict[int, list[Listener]]:
    index: dict[int, list[Listener]] = defaultdict(list)
    for l in listeners:
        if l.port_end - l.port > 4096:
            continue  # absurd ranges are not indexed port by port
        for port in range(l.port, l.port_end + 1):
            index[port].append(l)
    return index


def host_listener(by_port: dict[int, list[Listener]], host: str, port: int,
                  kinds: tuple[str, ...] = ("compose", "nginx")) -> Optional[Listener]:
    """The active host listener a connection to host:port (from the host itself) reaches."""
    via = addr.normalize_bind(host)
    for l in by_port.get(port, ()):
        if l.kind in kinds and l.protocol == "tcp" and l.active and addr.reaches(l.address, via):
            return l
    return None


# ---------------------------------------------------------------- proxy links


def _proxy_links(inputs: Inputs, services: dict[str, Service], names: dict[str, list[Service]],
                 host_ports: dict[str, dict[int, list[Listener]]], placements: dict[str, NginxPlacement],
                 host_of: dict[str, str]) -> list[ProxyLink]:
    links: list[ProxyLink] = []
    local_of: dict[str, _Local] = {}  # by host: its services, gathered once (not once per config)
    for config in inputs.nginx:
        where = placements.get(config.id)
        # mounted into a service (the loader), or copied into the image a service builds
        runner = services.get(config.runs_in or (where.service if where and where.where == "container" else "")
                              or "")
        unknown = where is not None and where.where == "unknown"
        host = host_of.get(config.id) or (host_of.get(runner.project, "") if runner else "")
        by_port = host_ports.get(host, {})
        local = local_of.get(host)
        if local is None:
            local = local_of[host] = _Local({k: s for k, s in services.items() if host_of.get(s.project) == host})
        own_ports = {l.port for s in config.servers for l in s.listens}
        upstreams = {u.name: u for u in config.upstreams}
        for server in config.servers:
            for loc in server.locations:
                t = loc.proxy_pass
                if t is None:
                    continue
                if t.has_variables and t.upstream is None:
                    links.append(ProxyLink(config=config.id, server=server.id, location=loc.path,
                                           host=t.host, port=t.port, kind="variable", loc=t.loc))
                    continue
                if t.upstream and t.upstream in upstreams:
                    for us in upstreams[t.upstream].servers:
                        if "$" in us.host:
                            # nginx takes no variables in an upstream `server`: a `${VAR}` there
                            # is a template's, filled in at deploy time (unknown, not unresolved)
                            links.append(ProxyLink(config=config.id, server=server.id, location=loc.path,
                                                   host=us.host, port=us.port, kind="variable",
                                                   upstream=t.upstream, loc=us.loc))
                            continue
                        link = _resolve(config, server, loc.path, us.host, us.port, "http",
                                        us.loc, runner, own_ports, local, names, by_port, unknown)
                        links.append(link.model_copy(update={"upstream": t.upstream}))
                    continue
                links.append(_resolve(config, server, loc.path, t.host, t.port, t.scheme, t.loc,
                                      runner, own_ports, local, names, by_port, unknown))
    return links


class _Local:
    """The services of one host, with their published ports indexed by container port (for the
    hints of a target nothing listens on)."""

    def __init__(self, services: dict[str, Service]):
        self.services = services
        self._published: Optional[dict[int, list[tuple[str, int]]]] = None
        self._wide: list[tuple[str, PortMapping]] = []  # ranges too wide to index port by port

    def published_for(self, container_port: int) -> list[tuple[str, int]]:
        """(service name, host port) of each mapping that publishes `container_port`."""
        if self._published is None:
            self._published = defaultdict(list)
            for s in self.services.values():
                for m in s.ports:
                    if m.published is None:
                        continue
                    low, high = m.target_range
                    if high - low > 256:
                        self._wide.append((s.name, m))
                        continue
                    for port in range(low, high + 1):
                        self._published[port].append((s.name, m.published + port - low))
        found = list(self._published.get(container_port, ()))
        for name, m in self._wide:
            published = m.host_port(container_port)
            if published is not None:
                found.append((name, published))
        return found


def _resolve(config: NginxConfig, server: NginxServer, location: Optional[str], host: str,
             port: Optional[int], scheme: str, loc: Loc, runner: Optional[Service], own_ports: set[int],
             local: _Local, names: dict[str, list[Service]],
             by_port: dict[int, list[Listener]], unknown: bool = False) -> ProxyLink:
    host = host.lower()
    if port is None:
        port = 443 if scheme in ("https", "grpcs") else 80
    base = dict(config=config.id, server=server.id, location=location, host=host, port=port, loc=loc)
    if host.startswith("unix:"):
        return ProxyLink(**base, kind="external")
    if unknown:
        # where this nginx runs is not known: a name or a loopback address may mean anything
        if ("." in host and not addr.is_ip(host)) or (addr.is_ip(host) and not addr.is_loopback(host)):
            return ProxyLink(**base, kind="external")
        return ProxyLink(**base, kind="unknown", reason="where this nginx runs is not known")
    # (the runner may come from the placement, a Dockerfile COPY, not the loader's mount)
    on_host = runner is None or config.runs_in_host_network
    if on_host or host in _HOST_GATEWAYS:
        if addr.is_loopback(host) or host in _HOST_GATEWAYS or host in ("0.0.0.0", "::"):
            if on_host:
                via = "127.0.0.1" if host in _HOST_GATEWAYS or host in ("localhost", "0.0.0.0") else host
                via = "::1" if via == "::" else via
            else:
                via = _GATEWAY_VIA
            l = host_listener(by_port, via, port)
            if l is None:
                return ProxyLink(**base, kind="unresolved",
                                 reason=_nothing_listens(by_port, local, via, port, on_host))
            if l.kind == "nginx":
                return ProxyLink(**base, kind="nginx")
            return ProxyLink(**base, kind="service", service=l.service, container_port=l.target_for(port))
        if on_host and host in names:
            return ProxyLink(**base, kind="unresolved",
                             reason=f"'{host}' is a compose service name, which a host nginx cannot resolve")
        return ProxyLink(**base, kind="external")
    # nginx inside a container: loopback is the container itself
    if addr.is_loopback(host):
        if port in own_ports:
            return ProxyLink(**base, kind="self")
        if not _nginx_only(runner):
            return ProxyLink(**base, kind="unknown",
                             reason=f"another process of the container '{runner.name}' may listen on {port}")
        return ProxyLink(**base, kind="unresolved",
                         reason=f"{host} inside the nginx container '{runner.name}' is the container itself, "
                                f"and it does not listen on {port}")
    candidates = names.get(host, [])
    if not candidates:
        if "." in host or addr.is_ip(host):
            return ProxyLink(**base, kind="external")
        return ProxyLink(**base, kind="unresolved", reason=f"no compose service is named '{host}'")
    reachable = [s for s in candidates if _shares_network(s, runner)]
    if not reachable:
        return ProxyLink(**base, kind="unresolved",
                         reason=f"service '{host}' shares no network with '{runner.name}'")
    target = reachable[0]
    key = target.key
    ranges = [m.target_range for m in target.ports]
    known_port = any(lo <= port <= hi for lo, hi in ranges) or port in target.expose
    if (ranges or target.expose) and not known_port:
        known = sorted({lo for lo, _hi in ranges} | set(target.expose[:8]))
        return ProxyLink(**base, kind="unresolved", service=key,
                         reason=f"service '{target.name}' uses container port(s) "
                                f"{', '.join(map(str, sorted(known)[:8]))}, not {port}")
    return ProxyLink(**base, kind="service", service=key, container_port=port)


# Images that run nginx alone (`jc21/nginx-proxy-manager` runs its backend beside nginx: not here)
_NGINX_ONLY_IMAGES = ("nginx", "nginx-unprivileged", "openresty", "tengine", "angie")


def _nginx_only(service: Service) -> bool:
    """Whether the container runs nginx alone: an nginx image as published, not built here (a
    built image, or an application's image serving through nginx, may run its backend beside it)."""
    if service.build is not None or not service.image:
        return False
    name = service.image.split("@", 1)[0].rsplit(":", 1)[0] if "/" not in service.image.rsplit(":", 1)[-1] \
        else service.image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1].lower()
    return last in _NGINX_ONLY_IMAGES


def _shares_network(a: Service, b: Service) -> bool:
    if _networks(a) & _networks(b):
        return True
    # Networks of two projects can only be shared when declared external under one name; the
    # model does not say which are, so a same non-default name across projects counts.
    if a.project != b.project:
        names_a = {n.name for n in a.networks} - {"default"}
        return bool(names_a & {n.name for n in b.networks})
    return False


def _nothing_listens(by_port: dict[int, list[Listener]], local: _Local, via: str,
                     port: int, on_host: bool) -> str:
    """Why host:port reaches nothing, with what comes closest (other binds, profiles, the
    service whose container port it is) so the fix is obvious."""
    where = f"{via}:{port}" if on_host else f"port {port} of the host (through {via})"
    compose = [l for l in by_port.get(port, ()) if l.kind == "compose" and l.protocol == "tcp"]
    active = [l for l in compose if l.active]
    if active:
        bound = sorted({l.address or "*" for l in active})
        return f"port {port} is published only on {', '.join(bound)}, which {where} does not reach"
    if compose:
        s = local.services.get(compose[0].service or "")
        profiles = "', '".join(s.profiles) if s else ""
        return (f"port {port} is published only by '{s.name if s else compose[0].service}', "
                f"which runs only under profile '{profiles}'")
    why = f"nothing on the host listens on {via}:{port}" if on_host else f"nothing listens on {where}"
    hints = [f"service '{name}' uses container port {port}, published on host port {published}"
             for name, published in local.published_for(port)]
    return f"{why} ({'; '.join(sorted(set(hints))[:3])})" if hints else why


# ---------------------------------------------------------------- urls


class _Instance:
    """One running nginx: every host configuration together (all sites are loaded into the one
    host nginx), or the configurations mounted into one compose service."""

    def __init__(self, runner: Optional[Service]):
        self.runner = runner
        self.servers: list[NginxServer] = []
        self.index = ServerIndex(())

    def container_port(self, host_port: int) -> Optional[int]:
        """The port nginx listens on for a connection to `host_port` of the host."""
        if self.runner is None:
            return host_port
        return next((p for m in self.runner.ports if (p := m.container_port(host_port)) is not None), None)

    @property
    def label(self) -> str:
        return "the host nginx" if self.runner is None else f"nginx service '{self.runner.name}'"


def _instances(inputs: Inputs, services: dict[str, Service]) -> list[_Instance]:
    by_key: dict[str, _Instance] = {}
    seen_ids: dict[str, set[str]] = {}
    for config in inputs.nginx:
        key = instance_key(config)
        runner = None if config.on_host else services.get(key)
        inst = by_key.setdefault(key, _Instance(runner))
        seen = seen_ids.setdefault(key, set())
        for s in config.servers:
            if s.id not in seen:
                seen.add(s.id)
                inst.servers.append(s)
    for inst in by_key.values():
        inst.index = ServerIndex(inst.servers)
    return [by_key[k] for k in sorted(by_key)]


def _urls(inputs: Inputs, services: dict[str, Service], names: dict[str, list[Service]],
          by_port: dict[int, list[Listener]], instances: list[_Instance],
          link_index: dict[tuple[str, Optional[str]], ProxyLink], publics: tuple[str, ...],
          external: set[str] = frozenset(), host_of: Optional[dict[str, str]] = None) -> list[UrlRef]:
    out: list[UrlRef] = []
    host_of = host_of or {}
    proxies = {i.runner.key for i in instances if i.runner is not None}
    env_values: dict[str, set[str]] = defaultdict(set)  # env file -> values holding URLs
    docs_hosts: dict[str, set[str]] = {}  # docs file -> hosts of the projects its folder holds

    def add(source, file, key, service, value, value_loc: Loc, **extra) -> None:
        found = list(find_urls(value))
        for parts in found:
            loc = value_loc
            if value_loc.line and parts.start:
                loc = Loc(path=value_loc.path, line=value_loc.line, column=value_loc.column + parts.start)
            ref = dict(source=source, key=key, file=file, service=service, url=parts.masked,
                       scheme=parts.scheme, host=parts.host, port=parts.port, path=parts.path,
                       username=parts.username, has_password=parts.password is not None, loc=loc,
                       in_list=len(found) > 1, **extra)
            if parts.host not in external:  # declared as served elsewhere: never judged here
                ref.update(_route(parts, instances, link_index))
            if source == "compose":
                project = split_service_key(service or "")[0]
                hosts = {host_of.get(project, project)}
            elif source == "env":
                hosts = {host_of.get(p, p) for p in readers.get(file, ())}
            else:  # docs describe the projects of their folder and the folders above it
                hosts = docs_hosts.get(file)
                if hosts is None:
                    folder = posixpath.dirname(file)
                    hosts = docs_hosts[file] = {
                        host_of.get(p.id, p.id) for p in inputs.projects
                        if p.directory in ("", folder) or folder.startswith(p.directory + "/")}
            ref.update(_target(parts, ref, names, by_port, publics, proxies, readers, hosts, host_of))
            out.append(UrlRef(**ref))

    readers: dict[str, set[str]] = defaultdict(set)  # env file -> projects that read it or hold it
    for p in inputs.projects:
        for f in p.env_sources:
            readers[f].add(p.id)
    for s in services.values():
        for r in s.env_files:
            readers[r.path].add(s.project)
    by_folder: dict[str, set[str]] = defaultdict(set)  # indexed: env files x projects is a product
    for p in inputs.projects:
        by_folder[p.directory.strip("/")].add(p.id)
    for env in inputs.env_files:
        if env.path not in readers:
            readers[env.path] = set(by_folder.get(posixpath.dirname(env.path), ()))

    for env in inputs.env_files:
        for v in env.vars:
            add("env", env.path, v.key, None, v.value, v.value_loc, template=env.template)
            if not env.template:
                env_values[env.path].add(v.value)
    projects = {p.id: p for p in inputs.projects}
    fed_by: dict[str, set[str]] = {}  # project -> values its env files feed
    for key, s in services.items():
        fed = fed_by.get(s.project)
        if fed is None:
            project = projects.get(s.project)
            fed = fed_by[s.project] = set().union(
                *(env_values.get(f, set()) for f in (project.env_sources if project else ())))
        for e in s.environment:
            if e.value:
                add("compose", e.loc.path, e.key, key, e.value, e.loc, from_env_file=e.value in fed)
    for doc in inputs.docs:
        for m in doc.mentions:
            add("docs", doc.path, m.key, None, m.text, m.loc)
    return out


def _route(parts, instances: list[_Instance], link_index) -> dict:
    """Which server and location of this repo's nginx a URL reaches, or why none does.

    `routed` stays None when the host is not served here, the scheme is not HTTP, the URL
    names an explicit port no nginx listens on (it then goes to something else on that host),
    or a regex on the way cannot be judged safely (unknown, not unrouted).
    """
    try:
        named = [i for i in instances if i.index.named(parts.host)]
    except RegexUnknown:
        return {}
    try:
        return _route_named(parts, named, link_index)
    except RegexUnknown:
        return {"served_here": True}


def _route_named(parts, named: list[_Instance], link_index) -> dict:
    if not named:
        return {}
    if parts.scheme not in ("http", "https", "ws", "wss") or parts.port is None:
        return {"served_here": True}
    default_port = parts.port == DEFAULT_PORTS.get(parts.scheme)
    reasons: list[str] = []
    answered = False
    for inst in named:
        port = inst.container_port(parts.port)
        if port is None:
            reasons.append(f"{inst.label} serves {parts.host} but does not publish port {parts.port}")
            continue
        if not inst.index.listens(port):
            ports = sorted({l.port for s in inst.index.named(parts.host) for l in s.listens if l.port})
            reasons.append(f"no server for {parts.host} listens on port {parts.port} "
                           f"(its servers listen on {', '.join(map(str, ports))})")
            continue
        answered = True
        server = inst.index.select(parts.host, port)
        if server is None:
            fallback = inst.index.default(port)
            if fallback is not None and is_catch_all(fallback):
                server = fallback
            else:
                ports = sorted({l.port for s in inst.index.named(parts.host) for l in s.listens if l.port})
                reasons.append(f"no server for {parts.host} listens on port {parts.port} "
                               f"(its servers listen on {', '.join(map(str, ports))})")
                continue
        if parts.scheme in ("https", "wss") and not tls_on(server, port):
            reasons.append(f"the server for {parts.host}:{parts.port} has no TLS, but the URL is "
                           f"{parts.scheme}://")
            continue
        if server.returns:
            return {"served_here": True, "routed": True, "route_server": server.id}
        loc = route(server.locations, parts.path)
        if loc is None:
            reasons.append(f"no location of the server for {parts.host}:{parts.port} matches {parts.path}")
            continue
        result = {"served_here": True, "routed": True, "route_server": server.id, "route_location": loc.path}
        link = link_index.get((server.id, loc.path))
        if link is not None and link.service:
            result.update(target_service=link.service, target_port=link.container_port)
        return result
    if not answered and not default_port:
        return {"served_here": True}
    return {"served_here": True, "routed": False, "unrouted_reason": reasons[0] if reasons else ""}


def _target(parts, ref: dict, names, by_port, publics, proxies: set[str],
            readers: Mapping[str, set[str]], hosts: set[str] = frozenset(),
            host_of: Optional[dict[str, str]] = None) -> dict:
    """The compose service a URL reaches, when known. Through a public address, only on
    evidence that the address is this host's: the configuration lists it (`public_addresses`),
    or else the service publishing that port runs on the host of whoever holds the URL (an IP
    in an example of one folder says nothing about the services of another)."""
    if ref.get("target_service") or ref.get("routed"):
        return {}
    host_of = host_of or {}
    host = parts.host
    if host in names and parts.port is not None:
        # A compose service's URL resolves on its own project's network first; an env file's
        # on the network of the projects that read it. Several unrelated candidates: unknown.
        candidates = names[host]
        if ref.get("service"):
            project = split_service_key(ref["service"])[0]
            s = next((c for c in candidates if c.project == project), candidates[0])
        else:
            near = [c for c in candidates if c.project in readers.get(ref.get("file") or "", ())]
            if near:
                s = near[0]
            elif ref.get("source") == "env" and len({c.project for c in candidates}) > 1:
                return {}
            else:
                s = candidates[0]
        return {"target_service": s.key, "target_port": parts.port}
    if addr.is_loopback(host) and parts.port is not None and not ref.get("service"):
        # `localhost:8000` in an env file or a doc is read on the host (a dev server, a migration
        # tool): it reaches the service publishing 8000 there. In a container's environment it
        # would be the container itself, so only refs outside compose environments.
        via = "127.0.0.1" if host == "localhost" else host
        found = {l.service: l for l in by_port.get(parts.port, ())
                 if l.kind == "compose" and l.active and l.service and addr.reaches(l.address, via)}
        near = {k: l for k, l in found.items()
                if split_service_key(k)[0] in readers.get(ref.get("file") or "", ())}
        chosen = near or found
        if len({split_service_key(k)[1] for k in chosen}) == 1:  # one service, maybe in variants
            l = chosen[min(chosen)]
            return {"target_service": l.service, "target_port": l.target_for(parts.port)}
        return {}
    public = addr.is_public_ip(host) or host in publics
    if public and parts.port is not None:
        via = host if addr.is_ip(host) else None
        for l in by_port.get(parts.port, ()):
            if l.kind != "compose" or not l.active or not addr.is_public_bind(l.address):
                continue
            if via is not None and not addr.is_wildcard(l.address) and l.address != via:
                continue
            if l.service in proxies:
                continue  # the reverse proxy is the public entry by design
            if host not in publics and host_of.get(l.project or "", l.project) not in hosts:
                continue  # another host's service: nothing says the address is its
            return {"target_service": l.service, "target_port": l.target_for(parts.port),
                    "via_public_address": True}
    return {}


# ---------------------------------------------------------------- exposure


def _exposures(inputs: Inputs, listeners: list[Listener]) -> list[Exposure]:
    ingress = [r for r in inputs.sg_rules if r.direction == "ingress"]
    index = PortIndex(ingress, lambda r: r.port_span)
    out: list[Exposure] = []
    for i, l in enumerate(listeners):
        public = addr.is_public_bind(l.address)
        if not ingress:
            out.append(Exposure(listener=i, public_bind=public, firewall="unknown"))
            continue
        opening = [r for r in index.overlapping(l.port, l.port_end) if _rule_opens(r, l)]
        world = [r for r in opening if r.world]
        firewall = "open" if world else ("restricted" if opening else "closed")
        out.append(Exposure(listener=i, public_bind=public, firewall=firewall,
                            rules=tuple(r.loc for r in (world or opening))))
    return out


def _rule_opens(rule, l: Listener) -> bool:
    if rule.protocol not in ("all", l.protocol):
        return False
    span = rule.port_span
    return span is None or span[0] <= l.port_end and l.port <= span[1]

"""Builds the graph: every join computed once, by index, from the loaded inputs."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Optional

from ..model import Inputs, Loc, NginxConfig, NginxServer, Service
from . import addresses as addr
from .model import Exposure, Graph, Listener, ProxyLink, UrlRef, service_key
from .routing import listens_on, match_location, servers_named, tls_on
from .urls import find_urls

_HOST_GATEWAYS = {"host.docker.internal", "172.17.0.1", "host-gateway"}


def build_graph(inputs: Inputs, *, public_addresses: Iterable[str] = ()) -> Graph:
    services = {service_key(s): s for p in inputs.projects for s in p.services}
    names = _name_index(inputs)
    listeners = _listeners(inputs, services)
    by_port = _listeners_by_port(listeners)
    publics = tuple(sorted({a.lower() for a in public_addresses}))
    links = _proxy_links(inputs, services, names, by_port)
    server_list = [s for c in inputs.nginx for s in c.servers]
    link_index = {(l.server, l.location): l for l in links if l.location is not None}
    urls = _urls(inputs, services, names, by_port, server_list, link_index, publics)
    exposures = _exposures(inputs, listeners)
    return Graph.from_inputs(
        inputs, public_addresses=publics, listeners=tuple(listeners), proxy_links=tuple(links),
        urls=tuple(urls), exposures=tuple(exposures),
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


def _listeners(inputs: Inputs, services: dict[str, Service]) -> list[Listener]:
    out: list[Listener] = []
    for key, s in services.items():
        for p in s.ports:
            rng = p.published_range
            if rng is None:
                continue
            out.append(Listener(
                kind="compose", address=addr.normalize_bind(p.host_ip), port=rng[0], port_end=rng[1],
                protocol=p.protocol, service=key, target=p.target, active=s.active_by_default,
                loc=p.loc,
            ))
    seen: set[tuple[str, int]] = set()
    for config in inputs.nginx:
        if config.runs_in is not None and not config.runs_in_host_network:
            continue  # its listens are container ports; the service's published ports are on the host
        for server in config.servers:
            for l in server.listens:
                if l.unix is not None:
                    continue
                bind = addr.normalize_bind(l.address, ipv6=l.ipv6)
                if bind == "" and not l.ipv6:
                    bind = addr.ALL_V4
                if (bind, l.port) in seen:
                    continue
                seen.add((bind, l.port))
                out.append(Listener(kind="nginx", address=bind, port=l.port, port_end=l.port, loc=l.loc))
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
                 by_port: dict[int, list[Listener]]) -> list[ProxyLink]:
    links: list[ProxyLink] = []
    for config in inputs.nginx:
        runner = services.get(config.runs_in or "")
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
                        links.append(_resolve(config, server, loc.path, us.host, us.port, "http",
                                              us.loc, runner, own_ports, services, names, by_port))
                    continue
                links.append(_resolve(config, server, loc.path, t.host, t.port, t.scheme, t.loc,
                                      runner, own_ports, services, names, by_port))
    return links


def _resolve(config: NginxConfig, server: NginxServer, location: Optional[str], host: str,
             port: Optional[int], scheme: str, loc: Loc, runner: Optional[Service], own_ports: set[int],
             services: dict[str, Service], names: dict[str, list[Service]],
             by_port: dict[int, list[Listener]]) -> ProxyLink:
    host = host.lower()
    if port is None:
        port = 443 if scheme in ("https", "grpcs") else 80
    base = dict(config=config.id, server=server.id, location=location, host=host, port=port, loc=loc)
    if host.startswith("unix:"):
        return ProxyLink(**base, kind="external")
    on_host = runner is None or config.runs_in_host_network
    if on_host or host in _HOST_GATEWAYS:
        if addr.is_loopback(host) or host in _HOST_GATEWAYS or host in ("0.0.0.0", "::"):
            via = "127.0.0.1" if host in _HOST_GATEWAYS or host == "localhost" else host
            l = host_listener(by_port, via, port)
            if l is None:
                bound = sorted({x.address or "*" for x in by_port.get(port, ()) if x.kind == "compose"})
                why = (f"port {port} is published only on {', '.join(bound)}, not on {via}" if bound
                       else f"nothing on the host listens on {via}:{port}")
                return ProxyLink(**base, kind="unresolved", reason=why)
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
        return ProxyLink(**base, kind="unresolved",
                         reason=f"{host} inside the nginx container '{runner.name}' is the container itself, "
                                f"and it does not listen on {port}")
    candidates = names.get(host, [])
    if not candidates:
        if "." in host or addr.is_ip(host):
            return ProxyLink(**base, kind="external")
        return ProxyLink(**base, kind="unresolved", reason=f"no compose service is named '{host}'")
    runner_nets = _networks(runner)
    reachable = [s for s in candidates if _networks(s) & runner_nets]
    if not reachable:
        return ProxyLink(**base, kind="unresolved",
                         reason=f"service '{host}' shares no network with '{runner.name}'")
    target = reachable[0]
    key = service_key(target)
    known = {p for m in target.ports for p in range(m.target_range[0], m.target_range[1] + 1)} | set(target.expose)
    if known and port not in known:
        return ProxyLink(**base, kind="unresolved", service=key,
                         reason=f"service '{target.name}' uses container port(s) "
                                f"{', '.join(map(str, sorted(known)[:8]))}, not {port}")
    return ProxyLink(**base, kind="service", service=key, container_port=port)


# ---------------------------------------------------------------- urls


def _urls(inputs: Inputs, services: dict[str, Service], names: dict[str, list[Service]],
          by_port: dict[int, list[Listener]], servers: list[NginxServer],
          link_index: dict[tuple[str, Optional[str]], ProxyLink], publics: tuple[str, ...]) -> list[UrlRef]:
    out: list[UrlRef] = []
    served_names = {n.lower() for s in servers for n in s.server_names if not n.startswith("~")}

    def add(source, file, key, service, value, value_loc: Loc) -> None:
        for parts in find_urls(value):
            loc = value_loc
            if value_loc.line and parts.start:
                loc = Loc(path=value_loc.path, line=value_loc.line, column=value_loc.column + parts.start)
            ref = dict(source=source, key=key, file=file, service=service, url=parts.masked,
                       scheme=parts.scheme, host=parts.host, port=parts.port, path=parts.path,
                       username=parts.username, has_password=parts.password is not None, loc=loc)
            ref.update(_route(parts, servers, link_index, served_names))
            ref.update(_target(parts, ref, services, names, by_port, publics))
            out.append(UrlRef(**ref))

    for env in inputs.env_files:
        for v in env.vars:
            add("env", env.path, v.key, None, v.value, v.value_loc)
    for key, s in services.items():
        for e in s.environment:
            if e.value:
                add("compose", e.loc.path, e.key, key, e.value, e.loc)
    for doc in inputs.docs:
        for m in doc.mentions:
            add("docs", doc.path, m.key, None, m.text, m.loc)
    return out


def _route(parts, servers: list[NginxServer], link_index, served_names: set[str]) -> dict:
    if parts.host not in served_names and not servers_named(servers, parts.host):
        return {}
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return {"served_here": True}
    named = servers_named(servers, parts.host)
    on_port = [s for s in named if listens_on(s, parts.port or 0)]
    result: dict = {"served_here": True, "routed": False}
    if not on_port:
        ports = sorted({l.port for s in named for l in s.listens})
        result["unrouted_reason"] = (f"no server for {parts.host} listens on port {parts.port} "
                                     f"(its servers listen on {', '.join(map(str, ports))})")
        return result
    secure = parts.scheme in ("https", "wss")
    if secure and not any(tls_on(s, parts.port or 0) for s in on_port):
        result["unrouted_reason"] = f"the server for {parts.host}:{parts.port} has no TLS, but the URL is {parts.scheme}://"
        return result
    for server in on_port:
        if server.returns:
            result.update(routed=True, route_server=server.id)
            return result
        loc = match_location(server.locations, parts.path)
        if loc is not None:
            result.update(routed=True, route_server=server.id, route_location=loc.path)
            link = link_index.get((server.id, loc.path))
            if link is not None and link.service:
                result.update(target_service=link.service, target_port=link.container_port)
            return result
    result["unrouted_reason"] = f"no location of the server for {parts.host}:{parts.port} matches {parts.path}"
    return result


def _target(parts, ref: dict, services, names, by_port, publics) -> dict:
    if ref.get("target_service"):
        return {}
    host = parts.host
    if host in names and parts.port is not None:
        s = names[host][0]
        return {"target_service": service_key(s), "target_port": parts.port}
    public = addr.is_public_ip(host) or host in publics
    if public and parts.port is not None:
        for l in by_port.get(parts.port, ()):
            if l.kind == "compose" and l.active and addr.is_public_bind(l.address):
                return {"target_service": l.service, "target_port": l.target_for(parts.port),
                        "via_public_address": True}
    return {}


# ---------------------------------------------------------------- exposure


def _exposures(inputs: Inputs, listeners: list[Listener]) -> list[Exposure]:
    ingress = [r for r in inputs.sg_rules if r.direction == "ingress"]
    out: list[Exposure] = []
    for i, l in enumerate(listeners):
        public = addr.is_public_bind(l.address)
        if not ingress:
            out.append(Exposure(listener=i, public_bind=public, firewall="unknown"))
            continue
        opening = [r for r in ingress if _rule_opens(r, l)]
        world = [r for r in opening if r.world]
        firewall = "open" if world else ("restricted" if opening else "closed")
        out.append(Exposure(listener=i, public_bind=public, firewall=firewall,
                            rules=tuple(r.loc for r in (world or opening))))
    return out


def _rule_opens(rule, l: Listener) -> bool:
    if rule.protocol not in ("all", l.protocol):
        return False
    if rule.protocol == "all" or rule.from_port is None:
        return True
    lo, hi = rule.from_port, rule.to_port if rule.to_port is not None else rule.from_port
    return lo <= l.port_end and l.port <= hi

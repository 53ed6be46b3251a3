"""The graph: the loaded inputs plus the joins between them, computed once.

Rules read these joins instead of re-deriving them, so each rule stays a few lines.
"""
from __future__ import annotations

import posixpath
from typing import Any, Callable, Literal, Optional, TypeVar

from ..model import (ComposeProject, Dockerfile, Frozen, Inputs, Loc, NginxConfig, NginxLocation, NginxServer, Service,
                     split_service_key)
from .deployments import Deployment, Host, NginxPlacement
from .ports import PortIndex

T = TypeVar("T")


class Listener(Frozen):
    """A socket on the host: a compose published port range or a host nginx `listen`."""

    kind: Literal["compose", "nginx"]
    address: str  # normalised: "" (Docker: all interfaces, both families), 0.0.0.0, ::, or an IP
    port: int
    port_end: int
    protocol: str = "tcp"
    service: Optional[str] = None  # service key for compose listeners
    project: Optional[str] = None  # the compose project (variant) it belongs to
    config: Optional[str] = None  # the nginx configuration, for nginx listeners
    target: Optional[int] = None  # container port matching `port`
    active: bool = True  # False for services only started under a non-default profile
    loc: Loc

    def covers(self, port: int) -> bool:
        return self.port <= port <= self.port_end

    def target_for(self, port: int) -> Optional[int]:
        if self.target is None:
            return None
        return self.target + (port - self.port)


# "unknown": where the nginx runs (and so what the target resolves to) cannot be known
ProxyKind = Literal["service", "host", "nginx", "self", "external", "variable", "unresolved", "unknown"]


class ProxyLink(Frozen):
    """Where one `proxy_pass` (or upstream `server`) of a location leads."""

    config: str
    server: str  # NginxServer.id
    location: Optional[str] = None  # location path; None for upstream servers
    host: str
    port: Optional[int] = None
    kind: ProxyKind
    service: Optional[str] = None  # service key when it reaches a compose service
    container_port: Optional[int] = None
    reason: str = ""  # why unresolved
    upstream: Optional[str] = None  # the upstream block this server line belongs to
    loc: Loc


class UrlRef(Frozen):
    """A URL found in an env file, a service environment, or a doc; password never kept."""

    source: Literal["env", "compose", "docs"]
    key: Optional[str] = None
    file: str
    service: Optional[str] = None  # the service whose environment holds it
    url: str  # with any password masked
    scheme: str
    host: str
    port: Optional[int] = None  # explicit or the scheme's default
    path: str = "/"
    username: Optional[str] = None
    has_password: bool = False
    served_here: bool = False  # the host is a server_name of this repo's nginx
    routed: Optional[bool] = None  # None when not served here
    route_server: Optional[str] = None
    route_location: Optional[str] = None
    unrouted_reason: str = ""
    target_service: Optional[str] = None  # the compose service it reaches, when known
    target_port: Optional[int] = None
    via_public_address: bool = False  # reaches a service's published port through a public address
    template: bool = False  # found in an env template (.env.example ...): an example, not config
    in_list: bool = False  # the value holds several URLs (`RELAY_URLS=wss://a,wss://b`)
    # A compose value equal to a URL of an env file that feeds the project's interpolation: the
    # value was most likely `${VAR}`, and the env file line is where it is written.
    from_env_file: bool = False
    loc: Loc


class Exposure(Frozen):
    """The path from the firewall to a host listener."""

    listener: int  # index into Graph.listeners
    public_bind: bool
    firewall: Literal["open", "restricted", "closed", "unknown"]
    rules: tuple[Loc, ...] = ()  # security-group rules that open it

    @property
    def reachable(self) -> bool:
        return self.public_bind and self.firewall in ("open", "unknown")


def _dockerfiles_by_folder(graph: "Graph") -> dict:
    out: dict[str, list] = {}
    for d in graph.dockerfiles:
        folder = posixpath.basename(posixpath.dirname(d.path)).lower()
        if folder:
            out.setdefault(folder, []).append(d)
    return out


class Graph(Inputs):
    """The inputs as loaded (inherited fields) plus the joins computed from them."""

    public_addresses: tuple[str, ...] = ()
    listeners: tuple[Listener, ...] = ()
    proxy_links: tuple[ProxyLink, ...] = ()
    urls: tuple[UrlRef, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    hosts: tuple[Host, ...] = ()  # the deployment model: what shares a machine, on what evidence
    deployments: tuple[Deployment, ...] = ()
    placements: tuple[NginxPlacement, ...] = ()  # where each nginx configuration runs

    def __post_init__(self) -> None:
        super().__post_init__()
        # Lookups and derived facts: plain attributes beside the fields, never compared or dumped.
        services: dict[str, Service] = {}
        for project in self.projects:
            for s in project.services:
                services[s.key] = s
        servers: dict[str, tuple[NginxConfig, NginxServer]] = {}
        for config in self.nginx:
            for server in config.servers:
                servers[server.id] = (config, server)
        deployments_of: dict[str, list[Deployment]] = {}
        for d in self.deployments:
            if d.weak:
                continue  # perhaps together: rules that want these read `deployments`
            for item in (*d.projects, *d.nginx):
                deployments_of.setdefault(item, []).append(d)
        object.__setattr__(self, "_services", services)
        object.__setattr__(self, "_servers", servers)
        object.__setattr__(self, "_memo", {})
        object.__setattr__(self, "_placement", {p.config: p for p in self.placements})
        object.__setattr__(self, "_hosts", {h.id: h for h in self.hosts})
        object.__setattr__(self, "_deployments_of", deployments_of)

    @classmethod
    def from_inputs(cls, inputs: Inputs, **joins: object) -> "Graph":
        fields = {name: getattr(inputs, name) for name in Inputs.model_fields}
        return cls(**fields, **joins)

    # -- lookups -------------------------------------------------------------

    @property
    def services(self) -> list[Service]:
        return list(self._services.values())

    def service(self, key: Optional[str]) -> Optional[Service]:
        return self._services.get(key) if key else None

    def server(self, server_id: str) -> Optional[NginxServer]:
        hit = self._servers.get(server_id)
        return hit[1] if hit else None

    def config_of(self, server_id: str) -> Optional[NginxConfig]:
        hit = self._servers.get(server_id)
        return hit[0] if hit else None

    def location(self, server_id: str, path: Optional[str]) -> Optional[NginxLocation]:
        server = self.server(server_id)
        if server is None or path is None:
            return None
        return next((l for l in server.locations if l.path == path), None)

    def derived(self, name: str, compute: Callable[["Graph"], T]) -> T:
        """A fact derived from the whole graph, computed on first use and kept: the rules and
        reporters that need the same one (the secret values, say) share it."""
        memo: dict[str, Any] = self._memo  # type: ignore[attr-defined]
        if name not in memo:
            memo[name] = compute(self)
        return memo[name]

    def listeners_over(self, low: int, high: int) -> list[Listener]:
        """The listeners whose port range overlaps low..high, in graph order (by index)."""
        index = self.derived("listener_index", lambda g: PortIndex(g.listeners, lambda l: (l.port, l.port_end)))
        return index.overlapping(low, high)

    def service_name(self, key: Optional[str]) -> str:
        """The compose name of a service key (`project::name` -> `name`)."""
        s = self.service(key)
        return s.name if s else split_service_key(key or "")[1]

    def config_urls(self) -> list[UrlRef]:
        """URLs written in configuration (env files, compose environments), not in docs or
        templates, each once: compose copies of an env file's value are left to the env line."""
        return [u for u in self.urls
                if u.source != "docs" and not u.template and not u.from_env_file]

    def project_of(self, service_key_: str) -> Optional[ComposeProject]:
        project_id = split_service_key(service_key_)[0]
        return next((p for p in self.projects if p.id == project_id), None)

    # -- images --------------------------------------------------------------

    def dockerfile_of(self, service: Service) -> tuple[Optional["Dockerfile"], str]:
        """The Dockerfile a service's image comes from, and the evidence: the `build:` context,
        or else the one Dockerfile whose folder is named like the image (`ghcr.io/x/unbound`
        and `data/Dockerfiles/unbound/Dockerfile`)."""
        by_path = self.derived("dockerfiles-by-path", lambda g: {d.path: d for d in g.dockerfiles})
        if service.build is not None:
            project = self.project_of(service.key)
            folder = posixpath.normpath(posixpath.join(project.directory if project else "", service.build))
            path = "Dockerfile" if folder in (".", "") else f"{folder}/Dockerfile"
            found = by_path.get(path)
            return (found, f"it is built from {path}") if found else (None, "")
        if not service.image:
            return None, ""
        by_folder = self.derived("dockerfiles-by-folder", _dockerfiles_by_folder)
        name = service.image.split("@", 1)[0]
        last = name.rsplit("/", 1)[-1].split(":", 1)[0].lower()
        found_list = by_folder.get(last, [])
        if len(found_list) == 1:
            return found_list[0], f"{found_list[0].path} builds images named like '{service.image}'"
        return None, ""

    # -- deployments ---------------------------------------------------------

    def placement(self, config_id: str) -> NginxPlacement:
        found = self._placement.get(config_id)
        if found is not None:
            return found
        config = next((c for c in self.nginx if c.id == config_id), None)
        where = "host" if config is not None and config.on_host else "container"
        return NginxPlacement(config=config_id, where=where, service=config.runs_in if config else None)

    def deployments_of(self, item: str) -> list[Deployment]:
        """The deployments a project (variant) id or a host nginx configuration id is part of."""
        return self._deployments_of.get(item, [])

    def host(self, host_id: str) -> Optional[Host]:
        return self._hosts.get(host_id)

    def host_of(self, item: str) -> Optional[Host]:
        found = self.deployments_of(item)
        return self._hosts.get(found[0].host) if found else None

    def together(self, a: str, b: str) -> Optional[Deployment]:
        """A deployment where both items (project ids, host nginx config ids) run, if any."""
        ids = {d.id for d in self.deployments_of(b)}
        return next((d for d in self.deployments_of(a) if d.id in ids), None)

    def host_evidence(self, a: str, b: str) -> str:
        """Why two items of different folders are taken to share a host ("" within one project
        family or when nothing joins them)."""
        d = self.together(a, b)
        if d is None:
            return ""
        host = self._hosts.get(d.host)
        return "; ".join(e.text for e in host.evidence[:2]) if host else ""

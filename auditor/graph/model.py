"""The graph: the loaded inputs plus the joins between them, computed once.

Rules read these joins instead of re-deriving them, so each rule stays a few lines.
"""
from __future__ import annotations

from typing import Any, Callable, Literal, Optional, TypeVar

from pydantic import PrivateAttr

from ..model import ComposeProject, Frozen, Inputs, Loc, NginxConfig, NginxLocation, NginxServer, Service
from .ports import PortIndex


T = TypeVar("T")


def service_key(service: Service) -> str:
    return f"{service.project}::{service.name}"


class Listener(Frozen):
    """A socket on the host: a compose published port range or a host nginx `listen`."""

    kind: Literal["compose", "nginx"]
    address: str  # normalised: "" (Docker: all interfaces, both families), 0.0.0.0, ::, or an IP
    port: int
    port_end: int
    protocol: str = "tcp"
    service: Optional[str] = None  # service key for compose listeners
    target: Optional[int] = None  # container port matching `port`
    active: bool = True  # False for services only started under a non-default profile
    loc: Loc

    def covers(self, port: int) -> bool:
        return self.port <= port <= self.port_end

    def target_for(self, port: int) -> Optional[int]:
        if self.target is None:
            return None
        return self.target + (port - self.port)


ProxyKind = Literal["service", "host", "nginx", "self", "external", "variable", "unresolved"]


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


class Graph(Inputs):
    """The inputs as loaded (inherited fields) plus the joins computed from them."""

    public_addresses: tuple[str, ...] = ()
    listeners: tuple[Listener, ...] = ()
    proxy_links: tuple[ProxyLink, ...] = ()
    urls: tuple[UrlRef, ...] = ()
    exposures: tuple[Exposure, ...] = ()

    _services: dict[str, Service] = PrivateAttr(default_factory=dict)
    _servers: dict[str, tuple[NginxConfig, NginxServer]] = PrivateAttr(default_factory=dict)
    _listener_index: Optional[PortIndex[Listener]] = PrivateAttr(default=None)
    _memo: dict[str, Any] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _ctx: object) -> None:
        for project in self.projects:
            for s in project.services:
                self._services[service_key(s)] = s
        for config in self.nginx:
            for server in config.servers:
                self._servers[server.id] = (config, server)

    @classmethod
    def from_inputs(cls, inputs: Inputs, **joins: object) -> "Graph":
        # Pass the loaded objects as they are: pydantic does not re-validate model instances.
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
        if name not in self._memo:
            self._memo[name] = compute(self)
        return self._memo[name]

    def listeners_over(self, low: int, high: int) -> list[Listener]:
        """The listeners whose port range overlaps low..high, in graph order (by index)."""
        if self._listener_index is None:
            self._listener_index = PortIndex(self.listeners, lambda l: (l.port, l.port_end))
        return self._listener_index.overlapping(low, high)

    def service_name(self, key: Optional[str]) -> str:
        """The compose name of a service key (`project::name` -> `name`)."""
        s = self.service(key)
        return s.name if s else (key or "").rpartition("::")[2]

    def config_urls(self) -> list[UrlRef]:
        """URLs written in configuration (env files, compose environments), not in docs or
        templates, each once: compose copies of an env file's value are left to the env line."""
        return [u for u in self.urls
                if u.source != "docs" and not u.template and not u.from_env_file]

    def project_of(self, service_key_: str) -> Optional[ComposeProject]:
        project_id = service_key_.rpartition("::")[0]
        return next((p for p in self.projects if p.id == project_id), None)

    @property
    def firewall_known(self) -> bool:
        return any(r.direction == "ingress" for r in self.sg_rules)

    @property
    def host_nginx(self) -> list[NginxConfig]:
        return [c for c in self.nginx if c.runs_in is None or c.runs_in_host_network]

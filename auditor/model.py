"""The typed vocabulary every layer speaks.

Frozen objects, each element carrying where it came from (`Loc`). This module imports nothing
of the project: loaders produce these objects, the graph joins them, rules read them.

They are frozen keyword-only dataclasses, not pydantic models: a run builds hundreds of
thousands of them, from values the loaders already checked, and pydantic's validation and class
machinery cost more than the rest of a small check. Data entering from users (the
configuration) is still validated by pydantic, in `auditor.config`. `Frozen` keeps the few
pydantic methods the code uses: `model_copy(update=...)`, `model_dump()`, `model_fields`.
"""
from __future__ import annotations

import dataclasses
import operator
from typing import Any, Callable, ClassVar, Literal, Optional, Union


def Field(default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING,
          exclude: bool = False) -> Any:
    """A field with a default; `exclude=True` leaves it out of `model_dump()`."""
    return dataclasses.field(default=default, default_factory=default_factory,
                             metadata={"exclude": True} if exclude else None)


class _ClassProperty:
    """`Klass.model_fields` and `obj.model_fields` alike (built on first use)."""

    def __init__(self, getter: Callable[[type], Any]):
        self.getter = getter

    def __get__(self, obj: Any, cls: Optional[type] = None) -> Any:
        return self.getter(cls if cls is not None else type(obj))


class Frozen:
    """Base class: each subclass becomes a frozen, keyword-only dataclass (hashable, compared by
    value). Fields annotated `tuple[...]` accept any iterable and keep a tuple, as pydantic did."""

    _tuple_fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[Callable[[Any], Any]]
    _shown: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The dataclass is built at the class's first use, not at import: a small check
        # creates objects of a few of these classes, and building each costs about as much
        # as reading a small file. Until then the class's own __init__ builds it first.
        cls._built = False
        if "__init__" not in vars(cls):
            cls.__init__ = _build_then_init  # type: ignore[method-assign]

    @_ClassProperty
    def model_fields(cls) -> dict[str, dataclasses.Field]:
        _build(cls)
        return cls.__dict__["_model_fields"]

    # `dataclasses.fields(Klass)` / `is_dataclass(Klass)` of a class not built yet build it
    # (once built, the class's own attribute hides this one). None for Frozen itself.
    @_ClassProperty
    def __dataclass_fields__(cls) -> Optional[dict[str, dataclasses.Field]]:
        _build(cls)
        own = vars(cls).get("__dataclass_fields__")
        return own if isinstance(own, dict) else None

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is self.__class__:
            return self._compared(self) == self._compared(other)  # type: ignore[arg-type]
        return NotImplemented

    def __hash__(self) -> int:
        # Cached: objects nest (a service holds ports holding locations), and sets and dict
        # keys of them would otherwise rehash whole trees again and again.
        d = self.__dict__
        h = d.get("_hash_")
        if h is None:
            h = d["_hash_"] = hash(self._compared(self))
        return h

    def __getstate__(self) -> dict[str, Any]:
        # a string's hash differs between processes: never carry a cached one along
        return {k: v for k, v in self.__dict__.items() if k != "_hash_"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{self.__class__.__qualname__}({shown})"

    def model_copy(self, *, update: Optional[dict[str, Any]] = None) -> Any:
        return dataclasses.replace(self, **update) if update else self

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        return {f.name: _dump(getattr(self, f.name), mode == "json") for f in dataclasses.fields(self)
                if not (f.metadata and f.metadata.get("exclude"))}


def _build(cls: type) -> None:
    """Make `cls` (and the Frozen classes it derives from, bases first) a frozen, keyword-only
    dataclass, once."""
    for klass in reversed(cls.__mro__):
        if vars(klass).get("_built") is False:
            _build_one(klass)


def _build_one(cls: Any) -> None:
    if vars(cls).get("__init__") is _build_then_init:
        del cls.__init__  # dataclasses adds an __init__ only to a class without one of its own
    # Only classes with tuple fields get a __post_init__: the call alone doubles the cost
    # of creating a `Loc`, and a run creates hundreds of thousands.
    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if issubclass(klass, Frozen) and klass is not Frozen:
            annotations.update(vars(klass).get("__annotations__", {}))
    if "__post_init__" not in vars(cls) and any(
            isinstance(t, str) and t.startswith("tuple[") for t in annotations.values()):
        cls.__post_init__ = _tuples_post_init
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__  # else dataclasses builds one from inspect.signature
    # dataclasses generates __init__ and the frozen __setattr__/__delattr__ only: equality,
    # hashing and repr are Frozen's, by field values (compiling them per class costs a
    # small check more than using them).
    dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)(cls)
    fields = dataclasses.fields(cls)
    cls._model_fields = {f.name: f for f in fields}
    cls._tuple_fields = tuple(f.name for f in fields
                              if isinstance(f.type, str) and f.type.startswith("tuple["))
    compared = [f.name for f in fields if f.compare]
    cls._compared = operator.attrgetter(*compared) if compared else _no_values
    cls._shown = tuple(f.name for f in fields if f.repr)
    cls._built = True


def _build_then_init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    _build(cls)
    cls.__init__(self, *args, **kwargs)


def span_text(low: int, high: Optional[int] = None) -> str:
    """A port span as messages write it: `8080`, or `8000-8010` (no `high`: the one port)."""
    return str(low) if not high or high == low else f"{low}-{high}"


def service_key(project: str, name: str) -> str:
    """The graph's key of a compose service: `<project id>::<service name>`."""
    return f"{project}::{name}"


def split_service_key(key: str) -> tuple[str, str]:
    """(project id, service name) of a service key (a bare name: project "")."""
    project, _, name = key.rpartition("::")
    return project, name


def _no_values(_: Any) -> tuple:
    return ()


def _tuples_post_init(self: Frozen) -> None:
    for name in self._tuple_fields:
        value = getattr(self, name)
        if not isinstance(value, tuple):
            object.__setattr__(self, name, tuple(value))


def _dump(value: Any, json: bool) -> Any:
    if isinstance(value, Frozen):
        return value.model_dump(mode="json" if json else "python")
    if isinstance(value, (tuple, list)):
        items = [_dump(v, json) for v in value]
        return items if json or isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _dump(v, json) for k, v in value.items()}
    if json and isinstance(value, (set, frozenset)):
        return [_dump(v, json) for v in value]
    return value


class Loc(Frozen):
    """A place in a scanned file: path relative to the root (with `/`), 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


FileKind = Literal["env", "compose", "nginx", "secgroup", "docs", "live", "unknown"]


class SourceFile(Frozen):
    path: str  # relative to the root, `/` separators
    kind: FileKind
    # git: True tracked, False git-ignored (never committed), None untracked-not-ignored or no git
    tracked: Optional[bool] = None


class LoadProblem(Frozen):
    """Bad input found while loading: AUD001 (cannot be parsed) or AUD002 (not read)."""

    rule: Literal["AUD001", "AUD002"]
    message: str
    loc: Loc
    severity: Optional[Literal["error", "warning", "note"]] = None  # at most this (a note for a skipped template)


# ---------------------------------------------------------------- env files


class EnvVar(Frozen):
    key: str
    value: str  # as compose reads it: quotes removed, ${VAR} expanded (single quotes stay literal)
    raw: str  # the text after `=` as written
    quote: Literal["", "'", '"'] = ""
    loc: Loc  # the line of the binding, column of the key
    value_loc: Loc  # where the value starts
    # In a template (`.env.j2`): the (if-chain, branch) path the line sits in; lines in different
    # branches of one chain are never rendered together.
    branch: tuple[tuple[int, int], ...] = ()

    def exclusive_with(self, other: "EnvVar") -> bool:
        for x, y in zip(self.branch, other.branch):
            if x != y:
                return x[0] == y[0]
        return False


class EnvFile(Frozen):
    path: str
    vars: tuple[EnvVar, ...] = ()
    template: bool = False  # .env.example / .sample / .template / .dist


# ---------------------------------------------------------------- compose

Protocol = Literal["tcp", "udp", "sctp"]


class PortMapping(Frozen):
    """One published (or exposed-only) port range of a service.

    `host_ip` is "" when the spec names no address (all interfaces, IPv4 and IPv6 as Docker does).
    `published` is None when compose picks an ephemeral host port.
    """

    host_ip: str = ""
    published: Optional[int] = None
    published_end: Optional[int] = None
    target: int
    target_end: Optional[int] = None
    protocol: Protocol = "tcp"
    mode: str = "ingress"
    raw: str = ""  # the entry as written, before interpolation
    loc: Loc

    @property
    def published_range(self) -> Optional[tuple[int, int]]:
        if self.published is None:
            return None
        return (self.published, self.published_end or self.published)

    @property
    def target_range(self) -> tuple[int, int]:
        return (self.target, self.target_end or self.target)

    def container_port(self, host_port: int) -> Optional[int]:
        """The container port a connection to `host_port` of the host reaches through this
        mapping (None when it does not publish that port)."""
        rng = self.published_range
        if rng is None or not rng[0] <= host_port <= rng[1]:
            return None
        return self.target + (host_port - rng[0])

    def host_port(self, container_port: int) -> Optional[int]:
        """The host port this mapping publishes `container_port` on (None when it does not)."""
        low, high = self.target_range
        if self.published is None or not low <= container_port <= high:
            return None
        return self.published + (container_port - low)


class Dependency(Frozen):
    service: str
    condition: str = "service_started"
    required: bool = True
    restart: bool = False
    loc: Loc


class Healthcheck(Frozen):
    test: tuple[str, ...] = ()
    disable: bool = False
    loc: Loc


class EnvEntry(Frozen):
    """One `environment:` entry of a service (value None: taken from the shell, unset here)."""

    key: str
    value: Optional[str] = None
    loc: Loc


class Mount(Frozen):
    type: Literal["bind", "volume", "tmpfs", "npipe", "cluster", "image"] = "volume"
    source: str = ""  # bind: path relative to the root when inside it, else as written
    target: str = ""
    read_only: bool = False
    inside_root: bool = False  # bind source resolved inside the scanned root
    loc: Loc


class ServiceNetwork(Frozen):
    name: str
    aliases: tuple[str, ...] = ()
    ipv4_address: Optional[str] = None


class EnvFileRef(Frozen):
    path: str  # relative to the root when inside it
    required: bool = True
    loc: Loc


class Service(Frozen):
    name: str
    project: str  # ComposeProject.id
    image: Optional[str] = None
    build: Optional[str] = None
    container_name: Optional[str] = None
    hostname: Optional[str] = None
    profiles: tuple[str, ...] = ()
    ports: tuple[PortMapping, ...] = ()
    expose: tuple[int, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    healthcheck: Optional[Healthcheck] = None
    environment: tuple[EnvEntry, ...] = ()
    env_files: tuple[EnvFileRef, ...] = ()
    networks: tuple[ServiceNetwork, ...] = ()
    network_mode: Optional[str] = None
    volumes: tuple[Mount, ...] = ()
    secrets: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    loc: Loc  # the service's key

    # one of its profiles is enabled by COMPOSE_PROFILES in the project's env file
    profile_enabled: bool = False

    @property
    def active_by_default(self) -> bool:
        return not self.profiles or self.profile_enabled

    @property
    def key(self) -> str:
        """Its key in the graph (`project::name`): names repeat across projects."""
        return service_key(self.project, self.name)


class MissingVar(Frozen):
    """A variable interpolated in a compose file while unset and without default (compose: "")."""

    name: str
    loc: Loc  # the scalar that uses it
    # `${VAR:?message}`: compose refuses to start until it is set (the scalar is left out)
    required: bool = False
    message: str = ""


class ComposeProject(Frozen):
    """The files compose loads together. An overlay variant (`-f base.yml -f overlay.yml`) is
    a project of its own (`base` names the project it is layered on): overlays of one base
    are alternatives, never one stack."""

    id: str  # stable: the first file, relative to the root ("base.yml+overlay.yml" for a variant)
    name: str
    directory: str  # relative to the root ("" for the root)
    files: tuple[str, ...]  # base first, then overrides in merge order
    env_sources: tuple[str, ...] = ()  # env files that fed interpolation
    missing_vars: tuple[MissingVar, ...] = ()  # unset variables used without default, where used
    services: tuple[Service, ...] = ()
    networks: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    # real names of networks another project can join: `external: true` or an explicit `name:`
    shared_networks: tuple[str, ...] = ()
    # those of them this project creates (an explicit `name:`, not `external`): another project
    # that joins one as `external` expects this one on its host
    owned_networks: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()  # compose files read through `include` and `extends: {file:}`
    # env files compose reads that are links to a file absent from the repository (`.env ->
    # mailcow.conf`, written by an installer): the values come at deploy time
    deploy_env: tuple[str, ...] = ()
    base: Optional[str] = None  # for an overlay variant: the id of the project it is layered on
    evidence: str = ""  # why these files are loaded together (beyond compose's default file)
    loc: Loc


# ---------------------------------------------------------------- Dockerfiles


class DockerCopy(Frozen):
    """A COPY or ADD: sources as written (relative to the build context), its destination."""

    sources: tuple[str, ...]
    destination: str
    stage: int = 0  # index of the FROM stage it belongs to
    from_stage: Optional[str] = None  # COPY --from=...: from another stage or image, not the context
    loc: Loc


class Dockerfile(Frozen):
    path: str
    stages: tuple[str, ...] = ()  # the base image of each FROM, in order (the last is the image's)
    copies: tuple[DockerCopy, ...] = ()
    healthcheck: Optional[Loc] = None  # the final stage's HEALTHCHECK (not NONE)
    healthcheck_disabled: bool = False  # HEALTHCHECK NONE in the final stage
    expose: tuple[int, ...] = ()  # the final stage's EXPOSE
    user: Optional[str] = None  # the final stage's USER

    @property
    def base(self) -> str:
        return self.stages[-1] if self.stages else ""


# ---------------------------------------------------------------- nginx


class NginxListen(Frozen):
    address: str = ""  # "" for all IPv4 interfaces (`listen 80`, `listen *:80`)
    port: int = 80
    ipv6: bool = False
    ssl: bool = False
    http2: bool = False
    default_server: bool = False
    unix: Optional[str] = None
    raw: str = ""
    loc: Loc


class ProxyTarget(Frozen):
    raw: str
    scheme: str = "http"
    host: str = ""
    port: Optional[int] = None  # None: scheme default, or taken from an upstream
    path: str = ""
    has_variables: bool = False
    upstream: Optional[str] = None  # the upstream block named by host, when one exists
    loc: Loc


class NginxLocation(Frozen):
    modifier: str = ""  # "", "=", "~", "~*", "^~", "@"
    path: str
    proxy_pass: Optional[ProxyTarget] = None
    proxy_http_version: Optional[str] = None  # effective (inherited) value
    proxy_set_header: tuple[tuple[str, str], ...] = ()  # effective, names lower-cased
    add_header: tuple[tuple[str, str], ...] = ()  # effective
    returns: Optional[str] = None
    root: Optional[str] = None
    parent: Optional[str] = None  # enclosing location's path, for nested locations
    loc: Loc


class NginxServer(Frozen):
    id: str
    listens: tuple[NginxListen, ...] = ()
    server_names: tuple[str, ...] = ()
    server_names_loc: Optional[Loc] = None  # the first `server_name` directive
    locations: tuple[NginxLocation, ...] = ()
    ssl_protocols: tuple[str, ...] = ()  # effective
    ssl_protocols_loc: Optional[Loc] = None
    ssl_certificate: Optional[str] = None
    returns: Optional[str] = None  # server-level `return`
    loc: Loc

    @property
    def tls(self) -> bool:
        return any(l.ssl for l in self.listens)


class UpstreamServer(Frozen):
    host: str
    port: Optional[int] = None
    raw: str
    loc: Loc


class NginxUpstream(Frozen):
    name: str
    servers: tuple[UpstreamServer, ...] = ()
    loc: Loc


class NginxConfig(Frozen):
    """One nginx configuration: an entry file with everything it includes."""

    id: str
    entry: str
    files: tuple[str, ...] = ()  # every file read, entry first
    servers: tuple[NginxServer, ...] = ()
    upstreams: tuple[NginxUpstream, ...] = ()
    runs_in: Optional[str] = None  # compose service key (project::service) that mounts it; None: host
    runs_in_host_network: bool = False

    @property
    def on_host(self) -> bool:
        """Its nginx listens on the host's own sockets: it runs on the host, or in a service on
        the host network."""
        return self.runs_in is None or self.runs_in_host_network


# ---------------------------------------------------------------- security groups


class SecurityGroupRule(Frozen):
    group_id: str = ""
    group_name: str = ""
    direction: Literal["ingress", "egress"] = "ingress"
    protocol: str = "tcp"  # tcp, udp, icmp, icmpv6, all ("-1"), or a number
    from_port: Optional[int] = None  # None with protocol "all"
    to_port: Optional[int] = None
    source: str  # CIDR (canonical), security group id, or prefix list id
    source_kind: Literal["cidr4", "cidr6", "group", "prefix-list", "unknown"] = "cidr4"
    description: str = ""
    # fields written as references/expressions (Terraform, CloudFormation): "protocol",
    # "from_port", "to_port". Their values above are placeholders (expression text, None).
    unresolved: tuple[str, ...] = ()
    # How values written as references were resolved statically, as a phrase for messages:
    # "by default (parameter SSHLocation)", "through module 'db_sg' (rule postgresql-tcp)".
    via: str = ""
    loc: Loc

    @property
    def all_ports(self) -> bool:
        return self.protocol == "all" or (
            self.from_port in (None, 0, -1) and self.to_port in (None, 65535, -1)
        )

    @property
    def world(self) -> bool:
        return self.source in ("0.0.0.0/0", "::/0")

    @property
    def port_span(self) -> Optional[tuple[int, int]]:
        """from_port..to_port as written (no to_port: the one port); None for all traffic or
        when no port is given."""
        if self.protocol == "all" or self.from_port is None:
            return None
        return self.from_port, self.to_port if self.to_port is not None else self.from_port


# ---------------------------------------------------------------- docs


class DocRow(Frozen):
    cells: tuple[str, ...]
    loc: Loc


class DocTable(Frozen):
    path: str
    heading: str = ""
    section: tuple[str, ...] = ()  # enclosing headings, outermost first (`heading` is the last)
    headers: tuple[str, ...]
    rows: tuple[DocRow, ...] = ()
    loc: Loc


class DocListItem(Frozen):
    number: Optional[int] = None
    text: str
    loc: Loc


class DocList(Frozen):
    path: str
    heading: str = ""
    section: tuple[str, ...] = ()  # enclosing headings, outermost first (`heading` is the last)
    items: tuple[DocListItem, ...] = ()
    loc: Loc


class TextMention(Frozen):
    """A URL or `KEY=value` assignment found in prose or code blocks of a doc."""

    text: str
    key: Optional[str] = None
    loc: Loc


class DocFile(Frozen):
    path: str
    tables: tuple[DocTable, ...] = ()
    lists: tuple[DocList, ...] = ()
    mentions: tuple[TextMention, ...] = ()


# Facts read from docs tables (loaders/docs/facts): what a row claims, in the config's terms.
# A field left None means the row does not say; an empty tuple means it says "none" (`-`).


class DocPort(Frozen):
    """One port a docs cell names: `8090`, `0.0.0.0:8090`, `127.0.0.2:3004`, `38332 (RPC)`."""

    address: str = ""  # "" when the cell names no address
    port: int
    port_end: Optional[int] = None
    protocol: Optional[str] = None  # only when the cell says (`53/udp`)
    text: str = ""  # the entry as written

    @property
    def range(self) -> tuple[int, int]:
        return (self.port, self.port_end or self.port)


class ServicePortsFact(Frozen):
    """A row about a compose service: which ports it publishes on the host / uses inside."""

    kind: Literal["service_ports"] = "service_ports"
    service: str = ""  # as written in the service column ("" when only the container is named)
    container: str = ""  # as written in the container column
    host_ports: Optional[tuple[DocPort, ...]] = None
    container_ports: Optional[tuple[DocPort, ...]] = None
    ports: Optional[tuple[DocPort, ...]] = None  # a bare "Port" column: host or container port
    loc: Loc  # the table row


class RouteFact(Frozen):
    """A row about an nginx route: location path, where it goes, on which server."""

    kind: Literal["route"] = "route"
    path: str
    domain: str = ""  # from a domain column, or a host name in the table's heading
    listen_port: Optional[int] = None
    destination: str = ""  # the destination's name as written, port annotation removed
    destination_port: Optional[int] = None
    loc: Loc


class VariableFact(Frozen):
    """A row stating a variable's value, optionally for one service."""

    kind: Literal["variable"] = "variable"
    key: str
    value: str
    service: str = ""
    loc: Loc


DocFact = Union[ServicePortsFact, RouteFact, VariableFact]


# ---------------------------------------------------------------- live state

class LiveSnapshot(Frozen):
    """One snapshot file of `--live DIR` and what it was recognised as."""

    path: str  # as shown in findings: root-relative when DIR is inside the root, else `live:<path>`
    format: Literal["describe-security-groups", "docker-compose-ps", "docker-inspect", "nginx-T", "ss"]


class LivePort(Frozen):
    """A port a running container publishes, as Docker reports it."""

    host_ip: str = ""  # "0.0.0.0", "::", a specific address; "" when Docker does not say
    published: int
    target: int
    protocol: Protocol = "tcp"
    loc: Loc


class LiveContainer(Frozen):
    name: str
    service: str = ""  # com.docker.compose.service, when known
    project: str = ""  # com.docker.compose.project, when known
    state: str = ""  # running, exited, ... ("" when the snapshot does not say)
    ports: tuple[LivePort, ...] = ()
    loc: Loc


class LiveNginxServer(Frozen):
    """A server block of an `nginx -T` dump, with the server-side file it was dumped from."""

    file: str  # e.g. /etc/nginx/sites-enabled/site.conf
    server: NginxServer  # locations point into the snapshot file


class LiveListener(Frozen):
    """A listening socket from `ss -ltnp`."""

    address: str  # normalised: 0.0.0.0, ::, *, or an IP (scope `%lo` and brackets dropped)
    port: int
    protocol: str = "tcp"
    process: str = ""  # the first process name `ss -p` shows
    loc: Loc


class LiveState(Frozen):
    """What `--live DIR` holds: snapshots an operator captured on the running host or account."""

    directory: str  # the live directory as given
    snapshots: tuple[LiveSnapshot, ...] = ()
    sg_rules: tuple[SecurityGroupRule, ...] = ()
    containers: tuple[LiveContainer, ...] = ()
    nginx: tuple[LiveNginxServer, ...] = ()
    listeners: tuple[LiveListener, ...] = ()

    def has(self, *formats: str) -> bool:
        """Whether a snapshot of one of these formats was read."""
        return any(s.format in formats for s in self.snapshots)

# ---------------------------------------------------------------- findings


class Related(Frozen):
    path: str
    line: int
    column: int = 1
    message: str = ""

    @classmethod
    def at(cls, loc: Loc, message: str = "") -> "Related":
        """A related place at `loc`."""
        return cls(path=loc.path, line=loc.line, column=loc.column, message=message)


Impact = Literal["critical", "high", "medium", "low"]


class Finding(Frozen):
    rule: str
    name: str
    severity: Literal["error", "warning", "note"]
    message: str
    path: str
    line: int
    column: int = 1
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    related: tuple[Related, ...] = ()
    fingerprint: str = ""
    secret: bool = Field(default=False, exclude=True)  # the flagged line holds a secret: no snippets
    impact: Optional[Impact] = Field(default=None, exclude=True)  # see Problem.impact


class Problem(Frozen):
    """What a rule yields. The engine stamps rule id, name, severity and the fingerprint.

    `key` identifies the problem for the fingerprint (defaults to the message): it must not hold
    line numbers, so that a finding keeps its fingerprint when lines shift above it.
    """

    message: str
    loc: Loc
    related: tuple[Related, ...] = ()
    key: Optional[str] = None
    secret: bool = False
    # How bad this occurrence is, when it differs from what the rule usually finds (a world-open
    # datastore among world-open ports): SARIF's security-severity is graded by it.
    impact: Optional[Impact] = None
    # At most this severity, whatever the rule's: a finding in a plainly example file, or about
    # a fact the graph is not sure of, is a note even when the rule usually reports errors.
    severity: Optional[Literal["error", "warning", "note"]] = None


class Suppression(Frozen):
    """An inline `auditor: ignore[ID,...] reason` comment (or `ignore-file[...]` for a whole file)."""

    rules: tuple[str, ...] = ()  # ids, names or family prefixes; empty means every rule
    file_level: bool = False
    reason: str = ""
    loc: Loc


class Inputs(Frozen):
    """Everything the loaders read, before any join."""

    root: str
    files: tuple[SourceFile, ...] = ()
    env_files: tuple[EnvFile, ...] = ()
    projects: tuple[ComposeProject, ...] = ()
    nginx: tuple[NginxConfig, ...] = ()
    sg_rules: tuple[SecurityGroupRule, ...] = ()
    docs: tuple[DocFile, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    problems: tuple[LoadProblem, ...] = ()
    doc_facts: tuple[DocFact, ...] = ()  # facts read from docs tables (loaders/docs/facts)
    live: Optional[LiveState] = None  # `--live DIR` snapshots (loaders/live)
    dockerfiles: tuple[Dockerfile, ...] = ()  # Dockerfiles of the repository (loaders/dockerfile)

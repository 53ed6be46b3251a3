"""URL: URLs in env files and compose environments, checked against each other and the nginx routes."""
from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from auditor.graph.model import Graph, UrlRef
from auditor.graph.urls import DEFAULT_PORTS
from auditor.knowledge.roles import is_public_facing, url_role
from auditor.model import NginxLocation, Problem, Related, service_key, split_service_key
from auditor.registry import rule

# Schemes of connection strings to datastores and brokers: always a service-to-service link.
_CONNECTION_SCHEMES = {
    "postgres", "postgresql", "mysql", "mariadb", "redis", "rediss", "mongodb", "mongodb+srv",
    "amqp", "amqps", "nats", "mqtt", "memcached", "elasticsearch", "kafka", "clickhouse",
    "cassandra", "neo4j", "bolt", "ldap", "ldaps", "tcp",
}


def _name(graph: Graph, ref: UrlRef) -> str:
    """How a message names a URL's variable: its key, and the service for compose environments."""
    key = ref.key or "a URL"
    return f"{key} ({graph.service_name(ref.service)})" if ref.service else key


def _endpoint(ref: UrlRef) -> str:
    port = "" if ref.port is None or ref.port == DEFAULT_PORTS.get(ref.scheme) else f":{ref.port}"
    return f"{ref.host}{port}{ref.path}"


def _where(ref: UrlRef) -> tuple:
    return (ref.loc.path, ref.loc.line, ref.loc.column)


# ---------------------------------------------------------------- URL001


@rule("URL001", "url-mismatch", "warning",
      "Variables that name the same endpoint point at different hosts or paths.", tags=("urls",))
def url_mismatch(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Groups the URL variables of env files and compose environments by the endpoint their name
    designates (their *role*): framework prefixes that only expose a variable to browser code
    (`VITE_`, `NEXT_PUBLIC_`, `REACT_APP_`, `NUXT_PUBLIC_`, `PUBLIC_`, `EXPO_PUBLIC_`, `GATSBY_`,
    `VUE_APP_`), case, underscores and a trailing `URL`/`URI`/`ENDPOINT`/`ADDR` are ignored, so
    `VITE_BOOTSTRAPURL`, `NEXT_PUBLIC_BOOTSTRAP_URL` and `bootstrap_url` share the role
    `bootstrap`. It reports two variables of one role that point at different hosts or paths,
    unless the graph shows both reach the same service (an internal `http://api:8080/` and a
    public `https://host/api/` that nginx proxies to `api:8080`).

    Variables of different projects or folders of the repository are compared too. Not
    compared: lists (`RELAY_URLS`, a value holding several URLs), vague names (`URL`,
    `BASE_URL`), env templates, URLs quoted in docs, two deployment variants of one folder
    (`.env.development` and `.env.production` are never in effect together), and two services
    that each call a service of their own compose project by name (`API_URL=http://api:8080` in
    one and `API_URL=http://admin-api:8080` in another is a choice, not drift).

    ## Why is this bad?
    Two parts of the stack then talk to different endpoints while everybody believes they share
    one: a browser client and its relay bootstrap from different relays, a frontend and its
    backend disagree on the API. Such splits survive every local test and show up as
    "works for me" bugs.

    ## Example
    ```dotenv
    # .env.master, read by the web client
    VITE_BOOTSTRAPURL=wss://dev4.example.com/ws/
    ```
    ```yaml
    # docker-compose.yml, the relay
    environment:
      bootstrap_url: wss://dev3.example.com/ws/
    ```

    ## How to fix
    Define the endpoint once (one variable in the env file, referenced as `${VAR}` by every
    service) or correct the stale value. When the two really are different endpoints, rename
    one variable so that the names say so.
    """
    groups: dict[str, list[UrlRef]] = {}
    for ref in graph.config_urls():
        role = url_role(ref.key)
        if role is None or ref.in_list:
            continue
        groups.setdefault(role, []).append(ref)
    seen: set[tuple] = set()
    attach = _attachments(graph)
    for all_refs in groups.values():
        for refs in _same_deployment(all_refs, attach):
            for scope in _deployments(refs):
                for p in _disagreements(graph, scope):
                    ident = (p.loc.path, p.loc.line, p.loc.column, p.message)
                    if ident not in seen:
                        seen.add(ident)
                        yield p


_NOWHERE = frozenset({""})  # attached to no deployment, and known to be apart from all of them


def _attachments(graph: Graph):
    """The deployments a URL's variable is in effect in: a service's environment is in its
    project's; an env file in those of the projects that read it or live in its folder, else in
    those whose folder holds it or whose services build or mount a folder holding it (a
    frontend's `.env` beside the root compose file, or under its `build:`). An env file that
    nothing ties to a deployment is compared with every deployment when the repository has one
    stack, and with none when it has several (which one it belongs to is unknown)."""
    by_file: dict[str, set[str]] = {}
    folders: list[tuple[str, set[str]]] = []
    all_ids: set[str] = set()
    for p in graph.projects:
        ids = {d.id for d in graph.deployments_of(p.id)}
        all_ids |= ids
        files = set(p.env_sources) | {r.path for s in p.services for r in s.env_files}
        for f in files:
            by_file.setdefault(f, set()).update(ids)
        by_file.setdefault(f"dir:{p.directory}", set()).update(ids)
        folders.append((p.directory, ids))
        for s in p.services:
            if s.build:
                folders.append((s.build, ids))
            folders.extend((m.source, ids) for m in s.volumes if m.type == "bind" and m.inside_root)

    def holds(folder: str, path: str) -> bool:
        folder = folder.strip("/")
        return folder in ("", ".") or path.startswith(folder + "/")

    def of(ref: UrlRef) -> Optional[frozenset]:
        if ref.service:
            project = split_service_key(ref.service)[0]
            return frozenset(d.id for d in graph.deployments_of(project)) or None
        ids = by_file.get(ref.file, set()) | by_file.get(f"dir:{posixpath.dirname(ref.file)}", set())
        if not ids:
            ids = {i for folder, found in folders if holds(folder, ref.file) for i in found}
        if not ids and len(all_ids) > 1:
            return _NOWHERE
        return frozenset(ids) or None
    return of


def _same_deployment(refs: list[UrlRef], attach) -> list[list[UrlRef]]:
    """URLs in effect together: those of one deployment plus the unattached ones."""
    scopes = {r.loc: attach(r) for r in refs}
    deployments = sorted({d for ids in scopes.values() if ids and ids is not _NOWHERE for d in ids})
    apart: dict[str, list[UrlRef]] = {}
    for r in refs:
        if scopes[r.loc] is _NOWHERE:  # compared only with its own folder's files
            apart.setdefault(posixpath.dirname(r.file), []).append(r)
    if not deployments and not apart:
        return [refs]
    out = [[r for r in refs if scopes[r.loc] is None or d in scopes[r.loc]] for d in deployments]
    return out + list(apart.values())


def _deployment(ref: UrlRef) -> tuple[str, str]:
    """(folder, variant) of an env file named for one deployment (`.env.production`,
    `staging.env`); variant "" for what every deployment shares (`.env`, compose)."""
    if ref.source != "env":
        return ("", "")
    folder, _, name = ref.file.rpartition("/")
    if name.startswith(".env."):
        return (folder, name[5:])
    if name.endswith(".env") and name != ".env":
        return (folder, name[:-4])
    return ("", "")


def _deployments(refs: list[UrlRef]) -> list[list[UrlRef]]:
    """The sets of URLs in effect together: the shared ones plus one deployment's env file.
    Two variants of one folder (`.env.development`, `.env.production`) never meet."""
    variants: dict[str, set[str]] = {}
    for r in refs:
        folder, variant = _deployment(r)
        if variant:
            variants.setdefault(folder, set()).add(variant)
    if not any(len(v) > 1 for v in variants.values()):
        return [refs]
    single = {(f, next(iter(v))) for f, v in variants.items() if len(v) == 1}
    scopes = []
    for folder, names in variants.items():
        for name in sorted(names) if len(names) > 1 else ():
            keep = {("", ""), (folder, name)} | single
            scopes.append([r for r in refs if _deployment(r) in keep])
    return scopes


def _own_project_link(ref: UrlRef) -> bool:
    """A compose service's URL to a service of its own project, by name."""
    return bool(ref.service and ref.target_service and not ref.served_here
                and split_service_key(ref.service)[0] == split_service_key(ref.target_service)[0])


def _disagreements(graph: Graph, refs: list[UrlRef]) -> Iterator[Problem]:
    # One representative per endpoint, endpoints that reach the same service being one: the
    # first place it is written. n representatives give n-1 findings.
    # An env file's `http://api:8000` names no service by itself; the same endpoint in a
    # service's environment does, and then both are that service.
    # A service and its copy in an overlay variant of the project are one endpoint.
    bases = {p.id: p.base or p.id for p in graph.projects}

    def family(key: str) -> str:
        project, name = split_service_key(key)
        return service_key(bases.get(project, project), name)

    served = {_endpoint(r).rstrip("/"): family(r.target_service) for r in refs if r.target_service}
    firsts: dict[str, UrlRef] = {}
    for ref in sorted(refs, key=_where):
        endpoint = _endpoint(ref).rstrip("/")
        target = family(ref.target_service) if ref.target_service else None
        firsts.setdefault(target or served.get(endpoint) or endpoint, ref)
    reps = list(firsts.values())
    for later in reps[1:]:
        earlier = reps[0]
        if _own_project_link(later) and _own_project_link(earlier):
            continue  # each calls a named service of its own stack: a deliberate choice, not drift
        yield Problem(
            message=(f"{_name(graph, earlier)} points at {_endpoint(earlier)} but "
                     f"{_name(graph, later)} points at {_endpoint(later)}"),
            loc=later.loc,
            related=(Related.at(earlier.loc, f"{earlier.key} points at {_endpoint(earlier)}"),),
            key=f"{earlier.key}|{later.key}|{_endpoint(earlier)}|{_endpoint(later)}",
            secret=later.has_password,
        )


# ---------------------------------------------------------------- URL002


@rule("URL002", "unrouted-url", "error",
      "A URL to a host this repo's nginx serves is not routed by any server or location.",
      tags=("urls", "nginx"))
def unrouted_url(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Follows every URL of env files and compose environments whose host is a `server_name` of
    this repository's nginx through nginx's own matching: the server listening on the URL's
    port (after the nginx container's published-port mapping), the best `server_name`, TLS
    for `https://`/`wss://`, then the location (exact, longest prefix, regex). It reports a URL
    that no server for its host answers on that port, that uses TLS towards a plain-HTTP
    server, or whose path no location matches. A server-level `return` or a `location /`
    routes everything. A URL with an explicit port nginx does not listen on is left alone (it
    goes to something else on that host). Templates of the official nginx image
    (`/etc/nginx/templates/*.template`) are read as its entrypoint renders them, with the nginx
    service's environment: `server_name ${NGINX_HOST};` serves the host that variable holds (a
    variable without a value stays unknown, and serves no host known here).

    ## Why is this bad?
    The client gets another site's default server (and its certificate), a 404, or a failed TLS
    handshake: typically a websocket relay that never connects, while the config looks right
    in each file taken alone.

    ## Example
    ```yaml
    environment:
      bootstrap_url: wss://dev3.example.com/ws/
    ```
    ```nginx
    server {
        listen 80;                       # no TLS server for dev3.example.com on 443
        server_name dev3.example.com;
        location / { return 301 http://$host:3000$request_uri; }
    }
    ```

    ## How to fix
    Add the missing server (with `listen 443 ssl` and a certificate for the name) or location
    to the nginx configuration, or point the URL at the host and path that actually serve it.
    """
    for ref in graph.config_urls():
        if not ref.served_here or ref.routed is not False:
            continue
        yield Problem(
            message=f"{_name(graph, ref)} points at {ref.url}, which this repo's nginx does not route: "
                    f"{ref.unrouted_reason}",
            loc=ref.loc,
            key=f"{ref.key}|{ref.url}",
            secret=ref.has_password,
        )


# ---------------------------------------------------------------- URL003

_WS_SEGMENTS = {"ws", "wss", "websocket", "websockets", "socket", "socket.io", "sockjs", "cable",
                "signalr", "graphql-ws", "subscriptions"}
_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]+")


def _websocket_path(path: str) -> bool:
    return any(seg.lower() in _WS_SEGMENTS for seg in _SEGMENT.findall(path.replace("\\.", ".")))


def _missing_upgrade(loc: NginxLocation) -> list[str]:
    headers = dict(loc.proxy_set_header)
    missing = []
    if (loc.proxy_http_version or "").strip() not in ("1.1", "2", "2.0"):
        missing.append("proxy_http_version 1.1")
    upgrade = headers.get("upgrade", "")
    if not ("$" in upgrade or "websocket" in upgrade.lower()):
        missing.append("proxy_set_header Upgrade $http_upgrade")
    connection = headers.get("connection", "")
    if not ("$" in connection or "upgrade" in connection.lower()):
        missing.append('proxy_set_header Connection "upgrade"')
    return missing


@rule("URL003", "websocket-upgrade-missing", "error",
      "A location proxies a websocket endpoint without the HTTP/1.1 Upgrade handshake.",
      tags=("urls", "nginx"))
def websocket_upgrade_missing(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds nginx locations that proxy a websocket endpoint, either because a `ws://` or `wss://`
    URL of the stack is routed to them or because their path names one (`/ws`, `/socket`,
    `/socket.io`, `/websocket`, `/sockjs`, `/cable`, `/signalr`, `/graphql-ws`), and reports
    those where the effective (inherited) configuration lacks `proxy_http_version 1.1`, an
    `Upgrade` header (`$http_upgrade`) or a `Connection` header (`upgrade`, or a variable set by
    a `map`).

    ## Why is this bad?
    nginx talks HTTP/1.0 to upstreams by default and drops hop-by-hop headers: the upgrade
    request never reaches the backend, which answers a plain HTTP response, and every websocket
    client fails to connect (often with an unhelpful 400 or 426).

    ## Example
    ```nginx
    location /ws/ {
        proxy_pass http://relay:8090;
        proxy_set_header Host $host;
    }
    ```

    ## How to fix
    ```nginx
    location /ws/ {
        proxy_pass http://relay:8090;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $host;   # array directives replace the inherited ones: repeat them
    }
    ```

    `auditor fix` adds the directives to the location, repeating inherited `proxy_set_header`
    lines that the new ones would cancel (safe: plain HTTP requests pass as before).
    """
    ws_refs: dict[tuple[str, str], UrlRef] = {}
    for ref in sorted((u for u in graph.urls if u.source != "docs" and not u.template), key=_where):
        if ref.scheme in ("ws", "wss") and ref.route_server and ref.route_location is not None:
            ws_refs.setdefault((ref.route_server, ref.route_location), ref)
    for config in graph.nginx:
        for server in config.servers:
            for loc in server.locations:
                if loc.proxy_pass is None or loc.proxy_pass.scheme.startswith("grpc"):
                    continue
                ref = ws_refs.get((server.id, loc.path))
                if ref is None and not _websocket_path(loc.path):
                    continue
                missing = _missing_upgrade(loc)
                if not missing:
                    continue
                why = (f"{ref.key or 'a URL'} reaches it as {ref.url}" if ref is not None
                       else "its path names a websocket endpoint")
                yield Problem(
                    message=f"location {loc.path} proxies a websocket endpoint ({why}) but lacks "
                            f"{', '.join(missing)}; the upgrade handshake cannot pass",
                    loc=loc.loc,
                    key=f"{server.id.rpartition(':')[0]}|{loc.modifier}{loc.path}",
                )


# ---------------------------------------------------------------- URL004


@rule("URL004", "internal-via-public-address", "warning",
      "A connection URL reaches a service of this stack through a public address.",
      tags=("urls", "security"))
def internal_via_public_address(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports a connection URL (env file or compose environment) that reaches a compose service
    of this stack through a public IP or one of the host's public names
    (`[tool.auditor.hosts] public_addresses`) and the port the service publishes, instead of
    the service name on the compose network. Browser-facing variables (`VITE_`, `NEXT_PUBLIC_`,
    ..., `*_PUBLIC_*`, redirect, callback and webhook URLs) and URLs that go through the
    reverse proxy are meant to be public and are not reported; database and broker URLs always
    are.

    ## Why is this bad?
    The traffic leaves the compose network and comes back through the public interface: it
    needs the port published on all interfaces and open in the firewall (so the database is
    reachable from the internet too), it breaks when the public IP changes, and it travels in
    clear over the public path.

    ## Example
    ```dotenv
    DATABASE_URL=postgresql://app:****@203.0.113.10:5432/app
    ```

    ## How to fix
    Use the service name (or its `container_name`) and container port:
    `postgresql://app:...@postgres:5432/app`, then stop publishing the port, or publish it on
    `127.0.0.1` only for administration.

    `auditor fix --unsafe-fixes` writes the service name and container port in place of the
    public address, when it is written literally (unsafe: the value then resolves only inside
    the compose network).
    """
    for ref in graph.config_urls():
        if not ref.via_public_address or ref.target_service is None:
            continue
        if ref.scheme not in _CONNECTION_SCHEMES and is_public_facing(ref.key):
            continue
        service = graph.service(ref.target_service)
        if service is None:
            continue
        alias = (f" (or '{service.container_name}')"
                 if service.container_name and service.container_name != service.name else "")
        port = ""
        if ref.target_port is not None and ref.target_port != ref.port:
            port = f" and its container port {ref.target_port}"
        yield Problem(
            message=(f"{ref.key or 'a URL'} reaches service '{service.name}' through the public "
                     f"address {ref.host}:{ref.port}; use the service name '{service.name}'{alias}"
                     f"{port} on the compose network"),
            loc=ref.loc,
            key=f"{ref.key}|{ref.host}:{ref.port}|{service.name}",
            secret=ref.has_password,
        )

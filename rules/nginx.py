"""NGX: nginx configurations: proxy targets that lead nowhere, dead servers, weak TLS."""
from __future__ import annotations

from typing import Iterator

from auditor.graph import addresses as addr
from auditor.graph.model import Graph
from auditor.graph.nginx import process_key
from auditor.model import NginxConfig, NginxServer, Problem, Related
from auditor.registry import rule

# Protocol versions broken or deprecated (RFC 7568 for SSLv3, RFC 8996 for TLS 1.0 and 1.1).
_WEAK_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")


@rule("NGX001", "unresolved-proxy-target", "error",
      "proxy_pass or an upstream server points at a host:port nothing listens on.",
      tags=("nginx",))
def unresolved_proxy_target(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Resolves every `proxy_pass` (and every `server` of the upstream it names) the way the
    running nginx would, knowing where that nginx runs: on the host (a host layout, or loopback
    routes to ports compose publishes) or inside a compose service (a bind mount of the
    configuration, or a Dockerfile COPY into the image the service builds). Where that is not
    known (a configuration copied into an image no service builds, no evidence at all), it
    says nothing. It reports a target that reaches nothing:

    - from a host nginx, a loopback or wildcard address and port that no compose service
      publishes on that address (`127.0.0.1:3004` does not reach a port published only on
      `127.0.0.2:3004`) and no other nginx server listens on, or a compose service name, which
      the host cannot resolve;
    - from an nginx container (unless `network_mode: host`), `127.0.0.1` is the container itself
      (reported only for a published nginx image, which runs nginx alone; an image built here
      or an application's image may run its backend beside nginx); a service name that no service, `container_name` or alias carries, a service on no
      network shared with nginx, or a container port the service neither publishes nor exposes.

    Templates of the official nginx image (`/etc/nginx/templates/*.template`, mounted into an
    `nginx` service) are checked as its entrypoint renders them, with the service's environment
    (`env_file:` and `environment:`). Targets with variables left (`$host`, or a template's
    `${BACKEND}` without a value) and external host names (with dots, not served here) are not
    checked.

    ## Why is this bad?
    nginx starts fine and answers 502 Bad Gateway on that route: the failure shows up only when
    a user hits the path, usually after a port was renumbered in compose and not in nginx.

    ## Example
    ```nginx
    location /api/ {
        proxy_pass http://127.0.0.1:8080/;   # compose publishes the API on 8081
    }
    ```

    ## How to fix
    Point `proxy_pass` at the address and port the service really publishes (for a host nginx)
    or at the service name and container port (for an nginx container on the same network);
    remove routes to services that no longer exist.

    `auditor fix --unsafe-fixes` points the target at the one port its service really listens
    on, when there is exactly one (unsafe: the route reaches a port nothing reached before).
    """
    seen: set[tuple] = set()
    for link in graph.proxy_links:
        if link.kind != "unresolved":
            continue
        ident = (link.loc.path, link.loc.line, link.loc.column, link.reason)
        if ident in seen:
            continue  # an upstream shared by several locations is reported once
        seen.add(ident)
        where = (f" (upstream {link.upstream})" if link.upstream
                 else f" (location {link.location})" if link.location else "")
        target = f"{link.host}:{link.port}" if link.port is not None else link.host
        yield Problem(
            message=f"proxy target {target}{where} reaches nothing: {link.reason}",
            loc=link.loc,
            key=f"{link.server.rpartition(':')[0]}|{link.upstream or link.location}|{target}",
        )


# Folders whose nginx files are read one at a time (a test's input, an example to copy), and
# suffixes that keep a file out of nginx's `include *.conf`: such a file is its own nginx.
_APART_FOLDERS = frozenset({"example", "examples", "sample", "samples", "demo", "demos", "docs", "doc",
                            "test", "tests", "testdata", "fixtures", "spec"})
_APART_SUFFIXES = (".example", ".sample", ".dist", ".orig", ".bak", ".disabled", ".old")


def _apart(config: NginxConfig) -> bool:
    path = config.entry.lower()
    if path.endswith(_APART_SUFFIXES):
        return True  # never matched by an `include` glob, wherever it is mounted
    # a folder mounted into a container is loaded whatever its name; on the host, unknown
    return config.runs_in is None and bool(set(path.split("/")[:-1]) & _APART_FOLDERS)


def _instances(graph: Graph) -> dict[str, list[NginxConfig]]:
    """Configurations per running nginx: all host sites load into the one host nginx, except
    examples, test inputs and disabled copies, which nothing loads together."""
    out: dict[str, list[NginxConfig]] = {}
    for config in graph.nginx:
        if _apart(config):
            key = f"apart:{config.entry}"
        else:
            key = process_key(config)
        out.setdefault(key, []).append(config)
    return out


def _name_loc(server: NginxServer):
    # The loader may record where server_name is written; the server block otherwise.
    return getattr(server, "server_names_loc", None) or server.loc


@rule("NGX002", "duplicate-server", "warning",
      "Two server blocks share a listen address and a server_name; the second is dead.",
      tags=("nginx",))
def duplicate_server(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports a server block whose `server_name` is already claimed, on the same listen address
    and port, by an earlier server of the same nginx: across the files of one configuration and
    across all host configurations (every site of `sites-enabled/` is loaded into the one host
    nginx, in file-name order). Files that nothing loads together are each their own nginx:
    `*.example`, `*.sample`, `*.dist`, `*.bak` copies (no `include *.conf` matches them), and,
    on the host, the files of example, documentation and test folders (each is read alone).

    ## Why is this bad?
    nginx keeps the first server and ignores the second for that name (`nginx -t` only warns
    "conflicting server name ... ignored"): the routes, certificates and headers of the second
    block silently never apply, typically after a site was copied to a new file and the old one
    left enabled.

    ## Example
    ```nginx
    # sites-enabled/app.conf
    server { listen 80; server_name app.example.org; location / { proxy_pass http://127.0.0.1:3000; } }
    # sites-enabled/app-new.conf
    server { listen 80; server_name app.example.org; location / { proxy_pass http://127.0.0.1:3001; } }
    ```

    ## How to fix
    Keep one server block per name and address:port: merge the two, or disable the stale site.
    """
    for configs in _instances(graph).values():
        claimed: dict[tuple[str, int, str], NginxServer] = {}
        seen_ids: set[str] = set()
        for config in sorted(configs, key=lambda c: c.entry):
            for server in config.servers:
                if server.id in seen_ids:
                    continue  # a file included by two entries holds one server, not two
                seen_ids.add(server.id)
                clashes: dict[str, tuple[NginxServer, list[str]]] = {}
                for l in server.listens:
                    if l.unix is not None or not l.port:
                        continue
                    bind = addr.normalize_bind(l.address, ipv6=l.ipv6) or addr.ALL_V4
                    label = f"[{bind}]:{l.port}" if ":" in bind else f"{bind}:{l.port}"
                    for name in dict.fromkeys(n.lower() for n in server.server_names):
                        key = (bind, l.port, name)
                        first = claimed.get(key)
                        if first is None:
                            claimed[key] = server
                        elif first.id != server.id:
                            entry = clashes.setdefault(first.id, (first, []))
                            entry[1].append(f"{name} on {label}")
                for first, what in clashes.values():
                    what = list(dict.fromkeys(what))
                    yield Problem(
                        message=(f"server_name {', '.join(what)} is already claimed by an earlier "
                                 f"server in {first.loc.path}; nginx ignores this server for it "
                                 f"(conflicting server name)"),
                        loc=_name_loc(server),
                        related=(Related.at(first.loc, "first server with this name"),),
                        key=f"{first.loc.path}|{server.loc.path}|{';'.join(what)}",
                    )


@rule("NGX003", "weak-tls-protocol", "error",
      "ssl_protocols enables SSLv2, SSLv3, TLSv1 or TLSv1.1.", tags=("nginx", "security"))
def weak_tls_protocol(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports an `ssl_protocols` directive (wherever it is set: http, server, or an included
    snippet) that enables SSLv2, SSLv3, TLSv1 or TLSv1.1. A TLS server without `ssl_protocols`
    uses nginx's default, `TLSv1.2 TLSv1.3` since nginx 1.23.4, and is not reported.

    ## Why is this bad?
    SSL 2 and 3 are broken (DROWN, POODLE); TLS 1.0 and 1.1 are deprecated by RFC 8996 and
    open the door to downgrade attacks and weak cipher suites. Offering them lets an attacker
    who can sit on the path pick the weakest version every client still accepts, and fails
    compliance scans (PCI DSS, Mozilla's guidelines).

    ## Example
    ```nginx
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
    ```

    ## How to fix
    ```nginx
    ssl_protocols TLSv1.2 TLSv1.3;
    ```

    `auditor fix` drops the broken protocols from the directive (safe: every maintained client
    speaks TLS 1.2).
    """
    seen: set[tuple] = set()
    for config in graph.nginx:
        for server in config.servers:
            loc = server.ssl_protocols_loc
            if loc is None:
                continue
            weak = [p for p in _WEAK_PROTOCOLS if p.lower() in {v.lower() for v in server.ssl_protocols}]
            if not weak or (loc.path, loc.line, loc.column) in seen:
                continue
            seen.add((loc.path, loc.line, loc.column))
            yield Problem(
                message=(f"ssl_protocols enables {', '.join(weak)} (broken or deprecated); "
                         f"allow only TLSv1.2 and TLSv1.3"),
                loc=loc,
                key=",".join(weak),
            )

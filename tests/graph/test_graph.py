"""The graph joins, on inputs built by hand: listeners, proxy targets, URL routing and targets."""
from __future__ import annotations

from typing import Optional

from auditor.graph.build import build_graph
from auditor.graph.routing import match_location, route, select_server
from auditor.model import (
    ComposeProject, EnvEntry, EnvFile, EnvVar, Inputs, Loc, NginxConfig, NginxListen, NginxLocation,
    NginxServer, PortMapping, ProxyTarget, Service, ServiceNetwork,
)


def L(line: int = 1, path: str = "x") -> Loc:
    return Loc(path=path, line=line)


def port(spec: str, line: int = 1) -> PortMapping:
    """`[ip:]published:target` as compose writes it."""
    parts = spec.split(":")
    target = int(parts[-1])
    published = int(parts[-2]) if len(parts) >= 2 else None
    host_ip = parts[-3] if len(parts) == 3 else ""
    return PortMapping(host_ip=host_ip, published=published, target=target, raw=spec,
                       loc=L(line, "docker-compose.yml"))


def svc(name: str, *ports: str, project: str = "p", networks=(), expose=(), profiles=(),
        container_name: Optional[str] = None, env: dict | None = None, network_mode=None,
        image: Optional[str] = None) -> Service:
    return Service(
        name=name, project=project, image=image, ports=tuple(port(p) for p in ports), expose=tuple(expose),
        networks=tuple(ServiceNetwork(name=n) for n in networks), profiles=tuple(profiles),
        container_name=container_name, network_mode=network_mode,
        environment=tuple(EnvEntry(key=k, value=v, loc=L(i + 1, "docker-compose.yml"))
                          for i, (k, v) in enumerate((env or {}).items())),
        loc=L(1, "docker-compose.yml"),
    )


def project(*services: Service, pid: str = "p", env_sources=()) -> ComposeProject:
    return ComposeProject(id=pid, name=pid, directory="", files=("docker-compose.yml",),
                          env_sources=tuple(env_sources), services=services, loc=L(1, "docker-compose.yml"))


def loc(path: str, target: Optional[str] = None, modifier: str = "", line: int = 5, **kw) -> NginxLocation:
    pt = None
    if target is not None:
        scheme, _, rest = target.partition("://")
        hostport, _, p = rest.partition("/")
        host, _, prt = hostport.partition(":")
        pt = ProxyTarget(raw=target, scheme=scheme, host=host, port=int(prt) if prt else None,
                         path="/" + p if p else "", loc=L(line + 1, "site.conf"))
    return NginxLocation(modifier=modifier, path=path, proxy_pass=pt, loc=L(line, "site.conf"), **kw)


def server(names, *locations: NginxLocation, listen="80", ssl=False, line=1, returns=None,
           path="site.conf") -> NginxServer:
    listens = []
    for spec in (listen if isinstance(listen, (list, tuple)) else [listen]):
        addr, _, p = spec.rpartition(":")
        listens.append(NginxListen(address=addr, port=int(p), ssl=ssl, loc=L(line + 1, path)))
    return NginxServer(id=f"{path}:{line}", listens=tuple(listens), server_names=tuple(names),
                       locations=locations, returns=returns, loc=L(line, path))


def nginx(*servers: NginxServer, runs_in: Optional[str] = None, host_network=False,
          cid="sites-enabled/site.conf") -> NginxConfig:
    # sites-enabled: the host layout, so that a host nginx is known to be one
    return NginxConfig(id=cid, entry=cid, files=(cid,), servers=servers, runs_in=runs_in,
                       runs_in_host_network=host_network)


def env(**values: str) -> EnvFile:
    return EnvFile(path=".env", vars=tuple(
        EnvVar(key=k, value=v, raw=v, loc=L(i + 1, ".env"), value_loc=Loc(path=".env", line=i + 1, column=len(k) + 2))
        for i, (k, v) in enumerate(values.items())))


def graph(projects=(), configs=(), envs=(), publics=()):
    return build_graph(Inputs(root="/r", projects=tuple(projects), nginx=tuple(configs),
                              env_files=tuple(envs)), public_addresses=publics)


def only_link(g):
    assert len(g.proxy_links) == 1, g.proxy_links
    return g.proxy_links[0]


# ---------------------------------------------------------------- listeners


def test_listeners_from_compose_and_host_nginx_but_not_container_nginx():
    p = project(svc("web", "127.0.0.2:3004:3000"), svc("proxy", "80:80"))
    host = nginx(server(["a.example.org"], listen="443", ssl=True), cid="sites-enabled/host.conf")
    inner = nginx(server(["b.example.org"], listen="8080"), runs_in="p::proxy", cid="inner.conf")
    g = graph([p], [host, inner])
    got = {(l.kind, l.address, l.port, l.target) for l in g.listeners}
    assert got == {("compose", "127.0.0.2", 3004, 3000), ("compose", "", 80, 80), ("nginx", "0.0.0.0", 443, None)}


def test_profile_services_give_inactive_listeners():
    g = graph([project(svc("miner", "9000:9000", profiles=["tools"]))])
    assert [l.active for l in g.listeners] == [False]


# ---------------------------------------------------------------- proxy targets: host nginx


def test_host_nginx_loopback_reaches_a_port_published_on_that_address():
    p = project(svc("front", "127.0.0.2:3004:3000"))
    link = only_link(graph([p], [nginx(server(["a"], loc("/", "http://127.0.0.2:3004")))]))
    assert (link.kind, link.service, link.container_port) == ("service", "p::front", 3000)


def test_host_nginx_127_0_0_1_does_not_reach_a_port_published_on_127_0_0_2():
    p = project(svc("front", "127.0.0.2:3004:3000"))
    link = only_link(graph([p], [nginx(server(["a"], loc("/", "http://127.0.0.1:3004")))]))
    assert link.kind == "unresolved"
    assert "127.0.0.2" in link.reason


def test_host_nginx_reaches_ports_published_on_all_interfaces():
    p = project(svc("relay", "0.0.0.0:8090:8090"), svc("ihm", "3003:3003"))
    g = graph([p], [nginx(server(["a"], loc("/ws/", "http://127.0.0.1:8090"), loc("/", "http://localhost:3003")))])
    assert [(l.kind, l.service) for l in g.proxy_links] == [("service", "p::relay"), ("service", "p::ihm")]


def test_host_nginx_unpublished_port_names_the_service_using_that_container_port():
    p = project(svc("storage", "0.0.0.0:8081:8080"))
    link = only_link(graph([p], [nginx(server(["a"], loc("/api/", "http://127.0.0.1:8080/")))]))
    assert link.kind == "unresolved"
    assert link.reason == ("nothing on the host listens on 127.0.0.1:8080 "
                           "(service 'storage' uses container port 8080, published on host port 8081)")


def test_host_nginx_cannot_resolve_compose_service_names():
    p = project(svc("api", expose=[8080]))
    link = only_link(graph([p], [nginx(server(["a"], loc("/", "http://api:8080")))]))
    assert link.kind == "unresolved" and "compose service name" in link.reason


def test_host_nginx_to_an_inactive_profile_service_is_unresolved():
    p = project(svc("miner", "127.0.0.1:9000:9000", profiles=["tools"]))
    link = only_link(graph([p], [nginx(server(["a"], loc("/", "http://127.0.0.1:9000")))]))
    assert link.kind == "unresolved" and "profile 'tools'" in link.reason


def test_host_nginx_to_another_nginx_server_and_external_hosts():
    g = graph([], [nginx(server(["a"], loc("/", "http://127.0.0.1:8081")),
                         server(["b"], loc("/", "https://api.example.net/v1"), listen="8081", line=20))])
    kinds = sorted(l.kind for l in g.proxy_links)
    assert kinds == ["external", "nginx"]


# ---------------------------------------------------------------- proxy targets: nginx container


def test_container_nginx_resolves_service_names_on_a_shared_network():
    p = project(svc("proxy", "80:80"), svc("api", expose=[8080]))
    link = only_link(graph([p], [nginx(server(["_"], loc("/", "http://api:8080")), runs_in="p::proxy")]))
    assert (link.kind, link.service, link.container_port) == ("service", "p::api", 8080)


def test_container_nginx_resolves_container_name():
    p = project(svc("proxy", "80:80"), svc("api", "3000:3000", container_name="app_api"))
    link = only_link(graph([p], [nginx(server(["_"], loc("/", "http://app_api:3000")), runs_in="p::proxy")]))
    assert link.service == "p::api"


def test_container_nginx_loopback_is_the_container_itself():
    p = project(svc("proxy", "80:80", image="nginx:1.27-alpine"), svc("api", "127.0.0.1:8080:8080"))
    link = only_link(graph([p], [nginx(server(["_"], loc("/", "http://127.0.0.1:8080")), runs_in="p::proxy")]))
    assert link.kind == "unresolved" and "the container itself" in link.reason


def test_loopback_in_a_container_not_running_nginx_alone_is_unknown():
    # an application image (or one built here) may run its backend beside nginx
    for image in ("ghcr.io/example/all-in-one:5", "jc21/nginx-proxy-manager:2", None):
        p = project(svc("proxy", "80:80", image=image))
        link = only_link(graph([p], [nginx(server(["_"], loc("/", "http://127.0.0.1:8080")), runs_in="p::proxy")]))
        assert link.kind == "unknown" and "another process" in link.reason, image


def test_container_nginx_loopback_to_its_own_listen_is_self():
    p = project(svc("proxy", "80:80"))
    g = graph([p], [nginx(server(["_"], loc("/", "http://127.0.0.1:8081")),
                          server(["i"], listen="8081", line=20), runs_in="p::proxy")])
    assert only_link(g).kind == "self"


def test_container_nginx_with_host_network_sees_host_ports():
    p = project(svc("proxy", network_mode="host"), svc("api", "127.0.0.1:8080:8080"))
    link = only_link(graph([p], [nginx(server(["_"], loc("/", "http://127.0.0.1:8080")),
                                       runs_in="p::proxy", host_network=True)]))
    assert (link.kind, link.service) == ("service", "p::api")


def test_container_nginx_service_without_shared_network():
    p = project(svc("proxy", "80:80", networks=["front"]), svc("api", expose=[8080], networks=["back"]))
    link = only_link(graph([p], [nginx(server(["_"], loc("/", "http://api:8080")), runs_in="p::proxy")]))
    assert link.kind == "unresolved" and "shares no network" in link.reason


def test_container_nginx_unknown_name_and_wrong_container_port():
    p = project(svc("proxy", "80:80"), svc("api", "8081:8080"))
    g = graph([p], [nginx(server(["_"], loc("/a/", "http://apii:8080"), loc("/b/", "http://api:8081")),
                          runs_in="p::proxy")])
    a, b = g.proxy_links
    assert a.kind == "unresolved" and "no compose service is named 'apii'" in a.reason
    assert b.kind == "unresolved" and "container port(s) 8080, not 8081" in b.reason


def test_container_nginx_host_gateway_reaches_only_ports_published_on_all_interfaces():
    p = project(svc("proxy", "80:80"), svc("a", "9000:9000"), svc("b", "127.0.0.1:9001:9001"))
    g = graph([p], [nginx(server(["_"], loc("/a/", "http://host.docker.internal:9000"),
                                 loc("/b/", "http://host.docker.internal:9001")), runs_in="p::proxy")])
    a, b = g.proxy_links
    assert (a.kind, a.service) == ("service", "p::a")
    assert b.kind == "unresolved"


# ---------------------------------------------------------------- routing


def test_location_matching_order():
    locs = [loc("/", line=1), loc("/api/", line=2), loc("/api/v1/", line=3), loc("= /api/", line=4),
            loc("\\.php$", modifier="~", line=5), loc("/static/", modifier="^~", line=6)]
    locs[3] = loc("/api/", modifier="=", line=4)
    assert match_location(locs, "/api/").loc.line == 4  # exact wins
    assert match_location(locs, "/api/v1/x").loc.line == 3  # longest prefix
    assert match_location(locs, "/api/x.php").loc.line == 5  # regex beats a plain prefix
    assert match_location(locs, "/static/x.php").loc.line == 6  # ^~ stops the regex search
    assert match_location(locs, "/other").loc.line == 1


def test_nested_location_is_found_inside_its_parent():
    locs = [loc("/api/", line=1), loc("/api/ws/", line=2, parent="/api/")]
    assert route(locs, "/api/ws/x").loc.line == 2
    assert route(locs, "/api/y").loc.line == 1


def test_server_name_precedence():
    s1 = server(["~^dev\\d\\.example\\.com$"], line=1)
    s2 = server(["*.example.com"], line=10)
    s3 = server(["dev4.example.com"], line=20)
    assert select_server([s1, s2, s3], "dev4.example.com", 80) is s3
    assert select_server([s1, s2], "dev4.example.com", 80) is s2
    assert select_server([s1], "dev4.example.com", 80) is s1
    assert select_server([s1, s2, s3], "dev4.example.com", 443) is None


# ---------------------------------------------------------------- urls


def _lecoffre_like():
    p = project(svc("relay", "0.0.0.0:8090:8090"), svc("ihm", "0.0.0.0:3003:3003"),
                env_sources=[".env"])
    https = server(["dev4.example.com"], loc("/ws/", "http://127.0.0.1:8090", line=30),
                   loc("/", "http://127.0.0.1:3003", line=40), listen="443", ssl=True, line=20, path="dev4.conf")
    dev3 = server(["dev3.example.com"], loc("/", returns="301 http://$host:3000$request_uri", line=3),
                  listen="80", line=1, path="dev3.conf")
    dev3_3000 = server(["dev3.example.com"], loc("/lecoffre/", "http://127.0.0.2:3004", line=3),
                       listen="3000", line=1, path="dev3-3000.conf")
    return p, [nginx(https, cid="sites-enabled/dev4.conf"), nginx(dev3, cid="sites-enabled/dev3.conf"), nginx(dev3_3000, cid="sites-enabled/dev3-3000.conf")]


def test_url_routed_to_a_service_through_host_nginx():
    p, configs = _lecoffre_like()
    g = graph([p], configs, [env(VITE_BOOTSTRAPURL="wss://dev4.example.com/ws/")])
    (u,) = g.urls
    assert (u.served_here, u.routed, u.route_location, u.target_service) == (True, True, "/ws/", "p::relay")
    assert u.loc.column == len("VITE_BOOTSTRAPURL") + 2


def test_wss_url_to_a_name_without_tls_server_is_unrouted():
    p, configs = _lecoffre_like()
    g = graph([p], configs, [env(BOOT="wss://dev3.example.com/ws/")])
    (u,) = g.urls
    assert (u.served_here, u.routed) == (True, False)
    assert u.unrouted_reason == "no server for dev3.example.com listens on port 443 (its servers listen on 80, 3000)"


def test_url_with_explicit_port_nginx_does_not_listen_on_is_not_judged():
    p, configs = _lecoffre_like()
    g = graph([p], configs, [env(SIGNER="ws://dev3.example.com:9090")])
    (u,) = g.urls
    assert (u.served_here, u.routed) == (True, None)


def test_url_no_location_and_no_tls():
    p, configs = _lecoffre_like()
    g = graph([p], configs, [env(A="http://dev3.example.com:3000/other", B="https://dev3.example.com:3000/lecoffre/")])
    a, b = g.urls
    assert a.routed is False and "no location" in a.unrouted_reason
    assert b.routed is False and "has no TLS" in b.unrouted_reason


def test_url_routed_by_server_level_return_and_location_return():
    p, configs = _lecoffre_like()
    g = graph([p], configs, [env(A="http://dev3.example.com/anything")])
    assert g.urls[0].routed is True


def test_url_through_a_container_nginx_uses_the_published_port_mapping():
    p = project(svc("proxy", "8443:443"), svc("api", expose=[8080]))
    cfg = nginx(server(["app.example.org"], loc("/api/", "http://api:8080/"), listen="443", ssl=True),
                runs_in="p::proxy")
    g = graph([p], [cfg], [env(API="https://app.example.org:8443/api/", B="https://app.example.org/api/")])
    a, b = g.urls
    assert (a.routed, a.target_service) == (True, "p::api")
    assert b.routed is False and "does not publish port 443" in b.unrouted_reason


def test_compose_copy_of_an_env_value_is_marked():
    p = project(svc("web", env={"API_URL": "http://api:8080/", "OTHER_URL": "http://x:1/"}), env_sources=[".env"])
    g = graph([p], [], [env(API_URL="http://api:8080/")])
    flags = {(u.source, u.key): u.from_env_file for u in g.urls}
    assert flags == {("env", "API_URL"): False, ("compose", "API_URL"): True, ("compose", "OTHER_URL"): False}
    assert [u.key for u in g.config_urls()] == ["API_URL", "OTHER_URL"]


def test_several_urls_in_one_value_are_a_list():
    g = graph([], [], [env(RELAYS="wss://a.example/ws/,wss://b.example/ws/")])
    assert [(u.host, u.in_list) for u in g.urls] == [("a.example", True), ("b.example", True)]


def test_url_via_public_address_reaches_a_published_service_but_not_the_proxy():
    p = project(svc("postgres", "5432:5432"), svc("proxy", "80:80"), svc("local", "127.0.0.1:6379:6379"))
    cfg = nginx(server(["_"]), runs_in="p::proxy")
    g = graph([p], [cfg], [env(DB="postgresql://u:secret@203.0.113.10:5432/db", WEB="http://203.0.113.10/",
                               R="redis://203.0.113.10:6379/0", H="http://host.example.org:5432/")],
              publics=["host.example.org"])
    db, web, r, h = g.urls
    assert (db.via_public_address, db.target_service, db.target_port) == (True, "p::postgres", 5432)
    assert "secret" not in db.url
    assert web.via_public_address is False
    assert r.via_public_address is False  # published on loopback only: not reachable that way
    assert (h.via_public_address, h.target_service) == (True, "p::postgres")


def test_url_to_a_service_name_targets_it():
    p = project(svc("api", expose=[8080]))
    g = graph([p], [], [env(API_URL="http://api:8080/")])
    assert (g.urls[0].target_service, g.urls[0].via_public_address) == ("p::api", False)


def test_prefix_location_with_slash_answers_the_path_without_it():
    locs = [loc("/", "http://web:3000", line=1), loc("/api/", "http://api:8080/", line=2), loc("/static/", line=3)]
    assert match_location(locs, "/api").loc.line == 2  # nginx redirects /api to /api/
    assert match_location(locs, "/static").loc.line == 1  # no proxy_pass: no automatic redirect


def test_name_served_on_another_port_falls_back_to_a_catch_all_default_server():
    p = project(svc("web", "127.0.0.1:3000:3000"))
    named = server(["app.example.org"], loc("/", returns="301 https://$host$request_uri"), line=1)
    catch_all = server(["_"], loc("/", "http://127.0.0.1:3000"), listen="443", ssl=True, line=20)
    other = server(["other.example.org"], loc("/", "http://127.0.0.1:3000"), listen="8443", ssl=True, line=40)
    g = graph([p], [nginx(named, catch_all, other)],
              [env(A="https://app.example.org/x", B="https://app.example.org:8443/x")])
    a, b = g.urls
    assert (a.routed, a.route_server, a.target_service) == (True, "site.conf:20", "p::web")
    assert b.routed is False  # 8443's default server is another site, not a catch-all


def test_service_name_urls_resolve_in_their_own_project_first():
    a = project(svc("api", expose=[8080], project="a"), svc("w", project="a", env={"API_URL": "http://api:8080/"}), pid="a")
    b = project(svc("api", expose=[9000], project="b"), svc("r", project="b", env={"API_URL": "http://api:9000/"}), pid="b")
    g = graph([a, b])
    assert sorted((u.service, u.target_service) for u in g.urls) == [("a::w", "a::api"), ("b::r", "b::api")]

"""nginx loader: syntax, includes (confined), where nginx runs, and the extracted model."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.loaders.nginx.config import load_nginx
from auditor.loaders.nginx.values import parse_listen, parse_location, parse_target
from auditor.model import Loc, Mount, Service
from auditor.reader import Limits, Reader

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "nginx"
LOC = Loc(path="x.conf")


def load(root: Path, files, services=(), limits: Limits = Limits()):
    return load_nginx(Reader(root, limits), list(files), services)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def bind(source: str, target: str, inside_root: bool = True) -> Mount:
    return Mount(type="bind", source=source, target=target, inside_root=inside_root,
                 loc=Loc(path="docker-compose.yml"))


def service(name: str, *mounts: Mount, image: str = "nginx:1.27", network_mode=None) -> Service:
    return Service(name=name, project="docker-compose.yml", image=image, volumes=mounts,
                   network_mode=network_mode, loc=Loc(path="docker-compose.yml"))


def dump(configs, problems) -> str:
    return json.dumps([c.model_dump() for c in configs] + [p.model_dump() for p in problems])


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("raw, address, port, ipv6, ssl, http2, default", [
    ("80", "", 80, False, False, False, False),
    ("*:80", "", 80, False, False, False, False),
    ("0.0.0.0:8080", "", 8080, False, False, False, False),
    ("[::]:80", "::", 80, True, False, False, False),
    ("[::]", "::", 80, True, False, False, False),
    ("[::]:443 ssl http2", "::", 443, True, True, True, False),
    ("[::1]:8443 ssl", "::1", 8443, True, True, False, False),
    ("127.0.0.1:8080", "127.0.0.1", 8080, False, False, False, False),
    ("127.0.0.1", "127.0.0.1", 80, False, False, False, False),
    ("localhost:80", "localhost", 80, False, False, False, False),
    ("8080 default_server", "", 8080, False, False, False, True),
    ("443 ssl default", "", 443, False, True, False, True),
    ("${NGINX_PORT}", "", 0, False, False, False, False),
])
def test_listen_forms(raw, address, port, ipv6, ssl, http2, default):
    l = parse_listen(raw.split(), LOC)
    assert (l.address, l.port, l.ipv6, l.ssl, l.http2, l.default_server) == (address, port, ipv6, ssl, http2, default)
    assert l.unix is None and l.raw == raw


def test_listen_unix_socket():
    l = parse_listen(["unix:/var/run/nginx.sock"], LOC)
    assert l.unix == "/var/run/nginx.sock" and l.port == 0 and l.address == ""


@pytest.mark.parametrize("raw, scheme, host, port, path, variables", [
    ("http://127.0.0.1:3000/", "http", "127.0.0.1", 3000, "/", False),
    ("http://api:8080", "http", "api", 8080, "", False),
    ("http://upstream_name", "http", "upstream_name", None, "", False),
    ("https://x", "https", "x", None, "", False),
    ("HTTPS://x.example.com/a?b=1", "https", "x.example.com", None, "/a?b=1", False),
    ("http://[::1]:9000/v1", "http", "::1", 9000, "/v1", False),
    ("http://$backend", "http", "$backend", None, "", True),
    ("http://api:8080$request_uri", "http", "api", 8080, "$request_uri", True),
    ("http://app$request_uri", "http", "app", None, "$request_uri", True),
    ("http://${UPSTREAM_HOST}:3000", "http", "${UPSTREAM_HOST}", 3000, "", True),
    ("http://api:${PORT}/x", "http", "api", None, "/x", True),
    ("$target", "", "$target", None, "", True),
    ("http://unix:/run/app.sock:/api/", "http", "unix:/run/app.sock", None, "/api/", False),
    ("http://unix:/run/app.sock", "http", "unix:/run/app.sock", None, "", False),
])
def test_proxy_pass_parsing(raw, scheme, host, port, path, variables):
    t = parse_target(raw, LOC, {})
    assert (t.scheme, t.host, t.port, t.path, t.has_variables) == (scheme, host, port, path, variables)
    assert t.raw == raw and t.upstream is None


def test_proxy_pass_names_upstream_case_insensitively():
    assert parse_target("http://Backend/x", LOC, {"backend": "backend"}).upstream == "backend"
    assert parse_target("http://backend.example.com", LOC, {"backend": "backend"}).upstream is None


def test_grpc_pass_defaults_to_grpc(tmp_path):
    write(tmp_path, {"g.conf": "server { listen 50051 http2; location / { grpc_pass api:9000; } }"})
    [config], problems = load(tmp_path, ["g.conf"])
    t = config.servers[0].locations[0].proxy_pass
    assert not problems and (t.scheme, t.host, t.port) == ("grpc", "api", 9000)


@pytest.mark.parametrize("args, expected", [
    (["/"], ("", "/")),
    (["=", "/x"], ("=", "/x")),
    (["=/x"], ("=", "/x")),
    (["~*", r"\.php$"], ("~*", r"\.php$")),
    (["^~", "/static/"], ("^~", "/static/")),
    (["@fallback"], ("@", "@fallback")),
])
def test_location_modifiers(args, expected):
    assert parse_location(args) == expected


# ---------------------------------------------------------------- host nginx with includes


@pytest.fixture
def host_main():
    files = ["nginx/conf.d/10-app.conf", "nginx/conf.d/20-redirect.conf", "nginx/nginx.conf",
             "nginx/snippets/proxy-headers.conf"]
    return load(FIXTURES / "host_main", files)


def test_only_files_nobody_includes_are_entries(host_main):
    configs, problems = host_main
    assert problems == []  # mime.types and letsencrypt are host files: unresolved, no finding
    [config] = configs
    assert config.id == config.entry == "nginx/nginx.conf"
    assert config.files == ("nginx/nginx.conf", "nginx/conf.d/10-app.conf",
                            "nginx/snippets/proxy-headers.conf", "nginx/conf.d/20-redirect.conf")
    assert config.runs_in is None and not config.runs_in_host_network


def test_glob_includes_are_sorted_and_servers_located(host_main):
    [config], _ = host_main
    assert [s.id for s in config.servers] == [
        "nginx/conf.d/10-app.conf:1", "nginx/conf.d/20-redirect.conf:1", "nginx/conf.d/20-redirect.conf:7"]
    app = config.servers[0]
    assert app.loc == Loc(path="nginx/conf.d/10-app.conf", line=1, column=1)
    assert app.server_names == ("app.example.org", "www.app.example.org")
    assert [(l.address, l.port, l.ipv6, l.ssl, l.http2) for l in app.listens] == [
        ("", 443, False, True, True), ("::", 443, True, True, False)]
    assert app.listens[1].loc == Loc(path="nginx/conf.d/10-app.conf", line=3, column=5)
    assert app.tls


def test_server_without_listen_defaults_to_port_80(host_main):
    [config], _ = host_main
    redirect, legacy = config.servers[1:]
    assert redirect.listens[0].default_server and redirect.returns == "301 https://$host$request_uri"
    assert redirect.server_names == ("_",)
    [l] = legacy.listens
    assert (l.address, l.port, l.ipv6, l.raw) == ("", 80, False, "")
    assert l.loc == legacy.loc == Loc(path="nginx/conf.d/20-redirect.conf", line=7, column=1)


def test_locations_flattened_with_parent(host_main):
    [config], _ = host_main
    locs = config.servers[0].locations
    assert [(l.modifier, l.path, l.parent) for l in locs] == [
        ("", "/", None), ("", "/api/", None), ("", "/api/admin", "/api/"), ("=", "/healthz", None)]
    assert locs[3].returns == "200 ok" and locs[3].proxy_pass is None
    root, api, admin, _ = locs
    assert (root.proxy_pass.host, root.proxy_pass.port, root.proxy_pass.path) == ("127.0.0.1", 3000, "/")
    assert api.proxy_pass.upstream == "api_pool" and api.proxy_pass.port is None
    assert (admin.proxy_pass.host, admin.proxy_pass.port, admin.proxy_pass.upstream) == ("api", 8080, None)
    assert admin.proxy_pass.loc == Loc(path="nginx/conf.d/10-app.conf", line=18, column=13)


def test_header_inheritance_follows_nginx(host_main):
    [config], _ = host_main
    root, api, admin, health = config.servers[0].locations
    # its own proxy_set_header (some through an include): the http-level one is NOT inherited
    assert root.proxy_set_header == (("host", "$host"), ("x-forwarded-for", "$proxy_add_x_forwarded_for"),
                                     ("x-forwarded-proto", "$scheme"))
    # none of its own: inherited from http, down to the nested location
    assert api.proxy_set_header == admin.proxy_set_header == (("x-real-ip", "$remote_addr"),)
    hsts = (("strict-transport-security", "max-age=63072000 always"),)
    assert root.add_header == api.add_header == health.add_header == hsts
    assert admin.add_header == (("x-admin", "yes"),)  # its own add_header drops the server's
    assert {l.proxy_http_version for l in (root, api, admin, health)} == {"1.1"}


def test_ssl_protocols_effective_per_server(host_main):
    [config], _ = host_main
    app, redirect, _ = config.servers
    assert app.ssl_protocols == ("TLSv1.3",)
    assert app.ssl_protocols_loc == Loc(path="nginx/conf.d/10-app.conf", line=5, column=5)
    assert redirect.ssl_protocols == ("TLSv1.2", "TLSv1.3")  # from http
    assert redirect.ssl_protocols_loc == Loc(path="nginx/nginx.conf", line=7, column=5)


def test_upstreams(host_main):
    [config], _ = host_main
    [u] = config.upstreams
    assert u.name == "api_pool" and u.loc.line == 11
    assert [(s.host, s.port) for s in u.servers] == [
        ("127.0.0.1", 8081), ("::1", 8082), ("unix:/run/api.sock", None), ("api.internal", None)]
    assert u.servers[0].raw == "127.0.0.1:8081 weight=2"


def test_standalone_site_is_its_own_entry():
    [config], problems = load(FIXTURES / "host_main", ["nginx/conf.d/10-app.conf"])
    # the snippet include resolves against the directory above (nginx's prefix layout)
    assert "nginx/snippets/proxy-headers.conf" in config.files and problems == []
    assert config.servers[0].locations[1].proxy_pass.upstream is None  # no upstream block here


def test_host_absolute_include_maps_to_the_prefix_layout(tmp_path):
    write(tmp_path, {
        "etc/nginx/nginx.conf": "http { include /etc/nginx/sites-enabled/*; }\n",
        "etc/nginx/sites-enabled/a": "server { listen 8080; }\n",
    })
    [config], problems = load(tmp_path, ["etc/nginx/nginx.conf", "etc/nginx/sites-enabled/a"])
    assert problems == [] and config.files == ("etc/nginx/nginx.conf", "etc/nginx/sites-enabled/a")


def test_absolute_include_inside_the_scanned_root(tmp_path):
    root = write(tmp_path, {"inc/x.conf": "server { listen 81; }\n"})
    write(root, {"main.conf": f"http {{ include {root.resolve()}/inc/*.conf; }}\n"})
    [config], problems = load(root, ["main.conf", "inc/x.conf"])
    assert problems == [] and config.servers[0].listens[0].port == 81


def test_ssl_on_and_http2_on_mark_every_listen(tmp_path):
    write(tmp_path, {"s.conf": "server { listen 443; listen [::]:443; ssl on; http2 on; }\n"})
    [config], _ = load(tmp_path, ["s.conf"])
    assert all(l.ssl and l.http2 for l in config.servers[0].listens)


# ---------------------------------------------------------------- nginx in a container


def _proxy_service(**kw) -> Service:
    return service("proxy",
                   bind("proxy/nginx.conf", "/etc/nginx/nginx.conf"),
                   bind("proxy/sites", "/etc/nginx/conf.d"),
                   bind("proxy/snippets", "/etc/nginx/snippets"),
                   bind("/etc/letsencrypt", "/etc/letsencrypt", inside_root=False), **kw)


def test_container_paths_map_through_bind_mounts():
    files = ["proxy/nginx.conf", "proxy/sites/app.conf"]
    [config], problems = load(FIXTURES / "container_mount", files, [_proxy_service()])
    assert problems == []
    assert config.id == "proxy/nginx.conf"
    assert config.files == ("proxy/nginx.conf", "proxy/sites/app.conf", "proxy/snippets/common.conf")
    assert config.runs_in == "docker-compose.yml::proxy" and not config.runs_in_host_network
    [server] = config.servers
    assert server.locations[0].add_header == (("x-content-type-options", "nosniff"),)


def test_without_the_mount_container_paths_stay_unresolved():
    configs, problems = load(FIXTURES / "container_mount", ["proxy/nginx.conf", "proxy/sites/app.conf"])
    assert problems == []
    assert [c.id for c in configs] == ["proxy/nginx.conf", "proxy/sites/app.conf"]
    assert all(c.runs_in is None for c in configs)
    assert configs[0].servers == ()


def test_runs_in_host_network():
    [config], _ = load(FIXTURES / "container_mount", ["proxy/nginx.conf"],
                       [_proxy_service(network_mode="host")])
    assert config.runs_in == "docker-compose.yml::proxy" and config.runs_in_host_network


def test_directory_mount_of_a_site_sets_runs_in():
    svc = service("web", bind("proxy/sites", "/etc/nginx/conf.d"), image="myorg/frontend")
    [config], _ = load(FIXTURES / "container_mount", ["proxy/sites/app.conf"], [svc])
    assert config.runs_in == "docker-compose.yml::web"


def test_nginx_image_wins_over_another_service_mounting_the_file():
    other = service("app", bind("proxy/sites", "/srv/sites"), image="python:3.12")
    proxy = service("proxy", bind("proxy", "/etc/nginx"), image="openresty/openresty")
    [config], _ = load(FIXTURES / "container_mount", ["proxy/sites/app.conf"], [other, proxy])
    assert config.runs_in == "docker-compose.yml::proxy"


def test_whole_repo_mount_of_an_app_does_not_run_nginx():
    app = service("app", bind("", "/app"), image="python:3.12")
    [config], _ = load(FIXTURES / "container_mount", ["proxy/sites/app.conf"], [app])
    assert config.runs_in is None


# ---------------------------------------------------------------- include problems


def test_include_cycle_is_aud002():
    configs, problems = load(FIXTURES / "include_cycle", ["a.conf", "b.conf"])
    assert [c.id for c in configs] == ["a.conf"]
    assert configs[0].files == ("a.conf", "b.conf")
    [p] = problems
    assert p.rule == "AUD002" and "cycle" in p.message
    assert p.loc == Loc(path="b.conf", line=2, column=5)


def test_self_include_is_a_cycle(tmp_path):
    write(tmp_path, {"s.conf": "server { listen 80; }\ninclude s.conf;\n"})
    [config], [p] = load(tmp_path, ["s.conf"])
    assert p.rule == "AUD002" and p.loc.line == 2 and len(config.servers) == 1


def test_include_depth_limit(tmp_path):
    chain = {f"c{i:02}.conf": f"include c{i + 1:02}.conf;\n" for i in range(20)}
    chain["c20.conf"] = "server { listen 9999; }\n"
    write(tmp_path, chain)
    [config], problems = load(tmp_path, ["c00.conf"], limits=Limits(max_include_depth=5))
    assert config.files == tuple(f"c{i:02}.conf" for i in range(6))
    [p] = problems
    assert p.rule == "AUD002" and "deeper than 5" in p.message and p.loc.path == "c05.conf"
    assert config.servers == ()


def test_include_fan_out_is_bounded(tmp_path):
    write(tmp_path, {
        "a.conf": "include b.conf;\n" * 60,
        "b.conf": "include c.conf;\n" * 60,
        "c.conf": "add_header X y;\n" * 100,
    })
    _, problems = load(tmp_path, ["a.conf"])
    assert problems and all(p.rule == "AUD002" and "expansion" in p.message for p in problems)


MARKER = "MARKER_OUTSIDE_ROOT_7f3a"


def test_includes_outside_the_root_are_aud002_and_never_read(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    write(outside, {"secret.conf": f"server {{ server_name {MARKER}; }}\n"})
    root = tmp_path / "root"
    write(root, {"nginx/nginx.conf": (
        "http {\n"
        "  include ../../outside/secret.conf;\n"        # line 2: relative, escapes the root
        f"  include {outside}/secret.conf;\n"            # line 3: absolute, outside
        "  include /etc/shadow;\n"                       # line 4
        "  include link.conf;\n"                         # line 5: a link out of the root
        "  include ../../outside/*.conf;\n"              # line 6: a glob out of the root
        "  include /etc/nginx/mime.types;\n"             # host file: unresolved, no finding
        "  include ../../../../../../../../../etc/passwd;\n"  # line 8
        "  server { listen 80; }\n"
        "}\n")})
    os.symlink(outside / "secret.conf", root / "nginx" / "link.conf")
    opened: list[str] = []
    real_read = Reader._read
    monkeypatch.setattr(Reader, "_read", lambda self, rel: opened.append(rel) or real_read(self, rel))

    configs, problems = load(root, ["nginx/nginx.conf", "nginx/link.conf"])

    assert MARKER not in dump(configs, problems)
    mine = [p for p in problems if p.loc.path == "nginx/nginx.conf"]
    # relative includes that leave the root are warnings; absolute paths name the machine that
    # runs nginx (not the repository): one note for the file, naming them
    assert sorted((p.rule, p.loc.line) for p in mine if p.severity is None) == [
        ("AUD002", n) for n in (2, 5, 6, 8)]
    [note] = [p for p in mine if p.severity == "note"]
    assert note.loc.line == 3 and "2 includes" in note.message and "/etc/shadow" in note.message
    assert any(p.loc.path == "nginx/link.conf" and p.rule == "AUD002" for p in problems)
    assert all((root / rel).resolve().is_relative_to(root.resolve()) or (root / rel).is_symlink()
               for rel in opened)
    [config] = configs
    assert config.files == ("nginx/nginx.conf",) and len(config.servers) == 1


def test_container_include_through_mount_from_outside_is_not_read(tmp_path):
    outside = tmp_path / "outside"
    write(outside, {"x.conf": f"server {{ server_name {MARKER}; }}\n"})
    root = write(tmp_path / "root", {"nginx.conf": "http { include /etc/nginx/extra/*.conf; }\n"})
    svc = service("proxy", bind("nginx.conf", "/etc/nginx/nginx.conf"),
                  bind(str(outside), "/etc/nginx/extra", inside_root=False))
    configs, problems = load(root, ["nginx.conf"], [svc])
    assert MARKER not in dump(configs, problems) and configs[0].files == ("nginx.conf",)


def test_include_of_a_missing_repo_file_is_unresolved(tmp_path):
    write(tmp_path, {"site.conf": "include snippets/nope.conf;\nserver { listen 80; }\n"})
    [config], problems = load(tmp_path, ["site.conf"])
    assert problems == [] and config.files == ("site.conf",)


# ---------------------------------------------------------------- bad files


def test_broken_files_are_aud001_at_the_right_line_and_others_still_load():
    files = ["broken/empty.conf", "broken/good.conf", "broken/unclosed.conf",
             "broken/unexpected_close.conf", "broken/unterminated_quote.conf"]
    configs, problems = load(FIXTURES, files)
    # an empty file is valid nginx (an include target filled in at run time): no servers, no problem
    assert [c.id for c in configs] == ["broken/empty.conf", "broken/good.conf"]
    assert configs[0].servers == ()
    assert {p.loc.path: (p.rule, p.loc.line) for p in problems} == {
        "broken/unclosed.conf": ("AUD001", 3),  # the innermost block still open at the end
        "broken/unexpected_close.conf": ("AUD001", 4),
        "broken/unterminated_quote.conf": ("AUD001", 2),
    }
    assert "unexpected \"}\"" in next(p.message for p in problems if p.loc.path.endswith("close.conf"))


def test_comment_only_file_is_valid_nginx(tmp_path):
    write(tmp_path, {"x.conf": "# left blank: the application writes this file at run time\n"})
    [config], problems = load(tmp_path, ["x.conf"])
    assert problems == [] and config.servers == ()


@pytest.mark.parametrize("text, line", [
    ("server {\n listen 80\n}\n", 3),  # `listen` not terminated: the `}` is unexpected
    ("server { listen 80; }\nlisten", 2),
    ("{\n", 1),
    ("server {\n content_by_lua_block { ngx.say('x')\n", 2),  # Lua block never closed
    ("server {\n content_by_lua_block { ngx.say('x') }\n", 1),  # the Lua block took the `}`
])
def test_more_syntax_errors(tmp_path, text, line):
    write(tmp_path, {"x.conf": text})
    configs, [p] = load(tmp_path, ["x.conf"])
    assert configs == [] and (p.rule, p.loc.line) == ("AUD001", line)


def test_binary_content_is_not_read(tmp_path):
    write(tmp_path, {"bin.conf": b"\x00\x01\x02server {\x00}", "ok.conf": "server { listen 80; }"})
    configs, problems = load(tmp_path, ["bin.conf", "ok.conf"])
    assert [c.id for c in configs] == ["ok.conf"]
    assert [(p.rule, p.loc.path) for p in problems] == [("AUD002", "bin.conf")]


def test_included_broken_file_is_reported_once(tmp_path):
    write(tmp_path, {"a.conf": "include bad.inc;\n", "b.conf": "include bad.inc;\n", "bad.inc": "server {\n"})
    configs, problems = load(tmp_path, ["a.conf", "b.conf"])
    assert [c.id for c in configs] == ["a.conf", "b.conf"]
    assert [(p.rule, p.loc.path) for p in problems] == [("AUD001", "bad.inc")]


@pytest.mark.parametrize("closed", [True, False])
def test_deep_nesting_is_a_problem_not_a_recursion_error(tmp_path, closed):
    depth = 20_000
    text = "server {\n" + "location / {\n" * depth + ("}\n" * (depth + 1) if closed else "")
    write(tmp_path, {"deep.conf": text})
    configs, [p] = load(tmp_path, ["deep.conf"])
    assert configs == [] and p.rule == "AUD002"  # a limit: not read, like a too-deep YAML file
    if closed:
        assert "nested deeper" in p.message and p.loc.line == Limits().max_depth + 1


def test_template_keeps_variables():
    [config], problems = load(FIXTURES / "template", ["templates/default.conf.template"])
    assert problems == []
    [server] = config.servers
    assert server.server_names == ("${SERVER_NAME}",)
    [l] = server.listens
    assert (l.port, l.raw) == (0, "${NGINX_PORT}")
    t = server.locations[0].proxy_pass
    assert (t.host, t.port, t.has_variables) == ("${UPSTREAM_HOST}", 3000, True)


# ---------------------------------------------------------------- property

_TOKENS = ["server", "location", "include", "listen", "proxy_pass", "upstream", "http", "/", "80",
           "[::]:443", "http://a:1", "x.conf", "*.conf", "../x", "/etc/shadow", "{", "}", ";", "\"",
           "'", "#", "\\", "${V}", "$x", " ", "\n", "\t", "unix:/s", "@n", "=", "~*"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300),
                 st.lists(st.sampled_from(_TOKENS), max_size=60).map("".join)))
def test_never_raises_and_always_locates(text):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        files = {"n.conf": text, "x.conf": text}
        try:
            write(root, files)
        except (UnicodeEncodeError, ValueError):  # lone surrogates cannot be written
            return
        configs, problems = load(root, list(files))
        assert configs or problems
        for p in problems:
            assert p.rule in ("AUD001", "AUD002") and p.loc.path and p.loc.line >= 1
        for c in configs:
            for s in c.servers:
                assert s.loc.line >= 1 and all(l.loc.line >= 1 for l in s.listens)


def test_a_variable_first_does_not_glue_the_parameters_after_it():
    from auditor.loaders.nginx.syntax import parse_text

    tree, problem = parse_text("u.conf", "upstream b {\n  server ${BACKEND} fail_timeout=0;\n"
                                         "  server ${HOST}:8080 max_fails=3;\n}\n")
    assert problem is None
    assert [s.args for s in tree[0].block] == [["${BACKEND}", "fail_timeout=0"],
                                               ["${HOST}:8080", "max_fails=3"]]
    assert [s.column for s in tree[0].block] == [3, 3]

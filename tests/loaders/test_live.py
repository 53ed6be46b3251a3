"""Live snapshots (`--live DIR`): recognition, every format, path convention, hostile input."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import engine
from auditor.config import Config
from auditor.loaders.live.snapshots import load_live
from auditor.loaders.live.host import parse_nginx_dump, parse_ss
from auditor.reader import Reader

REPO = Path(__file__).resolve().parents[2]
LIVE = REPO / "fixtures" / "live"


def load(tmp_path: Path, files: dict[str, str], inside: bool = False):
    """Write `files` into a live dir (outside the root unless `inside`) and load it."""
    root = tmp_path / "repo"
    root.mkdir(parents=True, exist_ok=True)
    live = (root / "live") if inside else (tmp_path / "snapshots")
    live.mkdir(exist_ok=True)
    for name, text in files.items():
        (live / name).parent.mkdir(parents=True, exist_ok=True)
        (live / name).write_text(text, encoding="utf-8")
    return load_live(live, Reader(root))


# ---------------------------------------------------------------- recognition and paths


def test_outside_the_root_snapshots_are_named_live_colon(tmp_path):
    state, files, problems = load(tmp_path, {"ss.txt": "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"})
    assert [(f.path, f.kind) for f in files] == [("live:ss.txt", "live")]
    assert [(s.path, s.format) for s in state.snapshots] == [("live:ss.txt", "ss")]
    assert state.listeners[0].loc.path == "live:ss.txt" and not problems


def test_inside_the_root_snapshots_keep_their_root_relative_path(tmp_path):
    state, files, _ = load(tmp_path, {"sub/ss.txt": "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"}, inside=True)
    assert [f.path for f in files] == ["live/sub/ss.txt"]
    assert state.listeners[0].loc.path == "live/sub/ss.txt"


def test_discovery_leaves_the_live_dir_out(tmp_path):
    root = tmp_path / "repo"
    (root / "live").mkdir(parents=True)
    (root / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n    ports: ['80:80']\n")
    sg = {"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    (root / "live" / "sg.json").write_text(json.dumps(sg))
    without = engine.check([root], Config())
    assert "live/sg.json" in {f.path for f in without.files if f.kind == "secgroup"}
    report = engine.check([root], Config(), live=root / "live")
    kinds = {f.path: f.kind for f in report.files}
    assert kinds["live/sg.json"] == "live"
    assert report.graph.sg_rules == () and len(report.graph.live.sg_rules) == 1


def test_unrecognised_files_are_skipped_with_aud002_and_docs_silently(tmp_path):
    _, files, problems = load(tmp_path, {"notes.txt": "captured on 2025-11-06\n", "README.md": "# how\n",
                                         ".gitkeep": ""})
    assert files == []
    assert [(p.rule, p.loc.path) for p in problems] == [("AUD002", "live:notes.txt")]


@pytest.mark.parametrize("name, text, line", [
    ("ps.json", '[{"Name": "web", "Publishers": [', 1),
    ("ps.jsonl", '{"Name": "a", "Service": "a"}\n{"Name": "b", "Service": \n', 2),
    ("inspect.json", '[{"Name": "/web", "HostConfig": {}, "NetworkSettings": {"Ports": {"80/tcp": "x"}}}]', 1),
    ("ps2.json", '[{"Name": "web", "Service": "web", "Publishers": [{"URL": "0.0.0.0", '
                 '"TargetPort": 80, "PublishedPort": "eighty", "Protocol": "tcp"}]}]', 1),
    ("sg.json", '{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", '
                '"FromPort": "x", "ToPort": 22}]}]}', 1),
    ("nginx-T.txt", "# configuration file /etc/nginx/nginx.conf:\nhttp {\n    server {\n", 3),
    ("ss.txt", "State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 garbage\n", 2),
])
def test_malformed_snapshots_are_aud001_at_their_place(tmp_path, name, text, line):
    _, _, problems = load(tmp_path, {name: text})
    assert problems and all(p.rule == "AUD001" for p in problems), problems
    assert problems[0].loc.path == f"live:{name}"
    assert problems[0].loc.line >= line


def test_malformed_snapshot_is_an_aud001_finding_through_the_engine(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    live = tmp_path / "live"
    live.mkdir()
    (live / "ps.json").write_text("[{")
    report = engine.check([root], Config(), select=["AUD001", "DRF002"], live=live)
    assert [(f.rule, f.path) for f in report.findings] == [("AUD001", "live:ps.json")]


# ---------------------------------------------------------------- containers


def test_compose_ps_json_lines_and_array_give_the_same_containers(tmp_path):
    entries = [
        {"Name": "shop-web-1", "Project": "shop", "Service": "web", "State": "running",
         "Publishers": [{"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"},
                        {"URL": "::", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"},
                        {"URL": "", "TargetPort": 9000, "PublishedPort": 0, "Protocol": "tcp"}]},
        {"Name": "shop-db-1", "Project": "shop", "Service": "db", "State": "exited", "Publishers": []},
    ]
    array, _, p1 = load(tmp_path / "a", {"ps.json": json.dumps(entries, indent=2)})
    lines, _, p2 = load(tmp_path / "b", {"ps.jsonl": "\n".join(json.dumps(e) for e in entries) + "\n"})
    assert not p1 and not p2
    assert [s.format for s in array.snapshots] == ["docker-compose-ps"]
    for state in (array, lines):
        web, db = state.containers
        assert (web.project, web.service, db.state) == ("shop", "web", "exited")
        assert [(p.host_ip, p.published, p.target) for p in web.ports] == [("0.0.0.0", 8080, 80), ("::", 8080, 80)]
    assert [c.loc.line for c in lines.containers] == [1, 2]


def test_docker_ps_ports_text_when_there_are_no_publishers(tmp_path):
    line = {"Names": "adminer", "Labels": "com.docker.compose.project=shop,com.docker.compose.service=adminer",
            "Ports": "0.0.0.0:8088->8080/tcp, :::8088->8080/tcp, 9000/tcp, 127.0.0.1:7000-7001->7000-7001/udp",
            "State": "running"}
    state, _, problems = load(tmp_path, {"docker-ps.json": json.dumps(line)})
    (c,) = state.containers
    assert not problems and (c.name, c.service, c.project) == ("adminer", "adminer", "shop")
    assert [(p.host_ip, p.published, p.target, p.protocol) for p in c.ports] == [
        ("0.0.0.0", 8088, 8080, "tcp"), ("::", 8088, 8080, "tcp"),
        ("127.0.0.1", 7000, 7000, "udp"), ("127.0.0.1", 7001, 7001, "udp")]


def test_docker_inspect_bindings(tmp_path):
    state, _, problems = load(tmp_path, {"inspect.json": (LIVE.parent / "rules" / "DRF002" / "fail-docker-inspect"
                                                          / "live" / "docker-inspect.json").read_text()})
    es, prom = state.containers
    assert not problems and [s.format for s in state.snapshots] == ["docker-inspect"]
    assert (es.name, es.service, es.project, es.state) == ("harena_elasticsearch", "elasticsearch", "harena", "running")
    assert [(p.host_ip, p.published, p.target) for p in es.ports] == [("0.0.0.0", 9200, 9200), ("::", 9200, 9200)]
    assert [(p.host_ip, p.published) for p in prom.ports] == [("0.0.0.0", 9090)]


def test_stopped_container_in_inspect_uses_its_declared_bindings(tmp_path):
    entry = [{"Name": "/web", "State": {"Status": "exited", "Running": False},
              "HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}},
              "NetworkSettings": {"Ports": {}}}]
    state, _, _ = load(tmp_path, {"inspect.json": json.dumps(entry)})
    (c,) = state.containers
    assert c.state == "exited" and [(p.published, p.target) for p in c.ports] == [(8080, 80)]


# ---------------------------------------------------------------- security groups


def test_both_aws_formats_are_security_group_snapshots(tmp_path):
    state, _, problems = load(tmp_path, {
        "groups.json": (LIVE / "clean_stack" / "describe-security-groups.json").read_text(),
        "rules.json": (LIVE / "harena" / "describe-security-group-rules.json").read_text(),
    })
    assert not problems
    assert [s.format for s in state.snapshots] == ["describe-security-groups"] * 2
    paths = {r.loc.path for r in state.sg_rules}
    assert paths == {"live:groups.json", "live:rules.json"}


# ---------------------------------------------------------------- nginx -T and ss


def test_nginx_dump_lines_point_into_the_snapshot():
    text = (LIVE / "lecoffre_node" / "nginx-T.txt").read_text()
    servers, problems = parse_nginx_dump("live:nginx-T.txt", text)
    assert not problems
    files = sorted({s.file for s in servers})
    assert files == [f"/etc/nginx/sites-enabled/{n}" for n in (
        "dev3.example.com-3000.conf", "dev3.example.com.conf", "dev4.example.com-https.conf",
        "dev4.example.com.conf")]
    https = next(s.server for s in servers if s.file.endswith("dev4.example.com-https.conf"))
    admin = next(l for l in https.locations if l.path == "/admin/")
    assert text.splitlines()[admin.loc.line - 1].strip() == "location /admin/ {"
    assert admin.loc.path == "live:nginx-T.txt"


def test_nginx_dump_includes_inside_servers_are_spliced():
    text = (REPO / "fixtures" / "rules" / "DRF002" / "pass-nginx-dump-matches" / "live" / "nginx-T.txt").read_text()
    servers, _ = parse_nginx_dump("x", text)
    (s,) = servers  # the stream server is not an http server
    assert [l.path for l in s.server.locations] == ["/static/", "/", "/healthz"]


def test_ss_variants():
    text = ("Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n"
            'tcp   LISTEN 0      128    127.0.0.53%lo:53     0.0.0.0:*  users:(("systemd-resolve",pid=1,fd=2))\n'
            "tcp   LISTEN 0      128          [::]:80          [::]:*\n"
            "udp   UNCONN 0      0        0.0.0.0:5353     0.0.0.0:*\n"
            "tcp   LISTEN 0      128              *:9100           *:*\n"
            "tcp   LISTEN 0      128    [::ffff:127.0.0.1]:6000  *:*\n"
            "tcp   ESTAB  0      0      10.0.0.5:22   203.0.113.9:51234\n")
    listeners, problems = parse_ss("ss.txt", text)
    assert not problems
    assert [(l.address, l.port, l.protocol, l.process) for l in listeners] == [
        ("127.0.0.53", 53, "tcp", "systemd-resolve"), ("::", 80, "tcp", ""), ("0.0.0.0", 5353, "udp", ""),
        ("*", 9100, "tcp", ""), ("127.0.0.1", 6000, "tcp", "")]
    assert [l.loc.line for l in listeners] == [2, 3, 4, 5, 6]


# ---------------------------------------------------------------- cli and hostile input


def test_cli_live_option(tmp_path):
    root = tmp_path / "harena"
    shutil.copytree(REPO / "fixtures" / "harena", root)
    run = subprocess.run([sys.executable, "-m", "auditor", "check", str(root), "--live", str(LIVE / "harena"),
                          "--select", "DRF002", "--format", "json"], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr  # DRF002 is a warning
    doc = json.loads(run.stdout)
    assert {f["path"] for f in doc["findings"]} >= {"live:describe-security-group-rules.json",
                                                    "live:docker-compose-ps.json", "live:ss-ltnp.txt"}
    assert {"path": "live:nginx-T.txt", "kind": "live"} in doc["files"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["ps.json", "x.jsonl", "nginx.txt", "ss.txt", "sg.json"]),
       st.sampled_from(["", "[", "{", "# configuration file /etc/nginx/a.conf:\n", "LISTEN 0 0 ",
                        '{"SecurityGroups": ', '[{"NetworkSettings": ', '{"Publishers": ']),
       st.text(max_size=300))
def test_hostile_snapshots_never_raise(tmp_path, name, head, body):
    state, _, problems = load(tmp_path, {name: head + body})
    assert all(p.rule in ("AUD001", "AUD002") for p in problems)

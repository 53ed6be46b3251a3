"""Parsers that cannot be broken: for arbitrary bytes, every loader either loads or reports
AUD001/AUD002 at a place in the file; no exception escapes, and no loader's last-resort guard
(`except Exception` turned into a finding) is ever reached, since reaching it means a bug.

What tests/loaders already covers is not repeated here: text-level properties of the env, docs,
YAML, security-group and nginx parsers, and compose port specs. This file adds what they miss:
- bytes through the Reader (decoding: BOMs, UTF-16, Latin-1, NULs, lone CRs) into every loader;
- the compose loader (projects, overrides, include, extends, env_file) on hostile documents;
- the live snapshot loaders (docker JSON, `nginx -T`, `ss`);
- the whole engine (discovery, loaders, graph, every rule) on small hostile trees: no rule crash.
"""
from __future__ import annotations

import codecs
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.model import LoadProblem
from auditor.reader import Reader

# HARDENING_SCALE=50 runs fifty times more examples (a deeper, slower run than CI's).
SCALE = int(os.environ.get("HARDENING_SCALE", "1"))
SETTINGS = settings(max_examples=120 * SCALE, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Messages of the loaders' last-resort guards: reaching one means a loader raised.
GUARD_MESSAGES = ("cannot be loaded (", "could not be loaded (", "cannot be parsed (", "invalid YAML (",
                  "nginx: cannot be parsed", "live snapshot cannot be loaded", "nested too deeply to be read")


def assert_located(problems: Iterable[LoadProblem], files: dict[str, bytes]) -> None:
    for p in problems:
        assert p.rule in ("AUD001", "AUD002"), p
        assert not any(m in p.message for m in GUARD_MESSAGES), f"a loader raised: {p}"
        assert p.loc.path in files or p.loc.path.startswith("live:"), p
        assert p.loc.line >= 1 and p.loc.column >= 1, p
        data = files.get(p.loc.path)
        if data is not None and p.loc.line > 1:
            text = _text(data)
            if text is not None:
                assert p.loc.line <= text.count("\n") + 2, (p, text.count("\n"))


def _text(data: bytes):
    from auditor.reader import decode

    return decode(data)


@contextmanager
def tree(files: dict[str, bytes]) -> Iterator[Reader]:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        yield Reader(root)


# ---------------------------------------------------------------- strategies

ENCODERS = [
    lambda t: t.encode("utf-8", "surrogatepass"),
    lambda t: codecs.BOM_UTF8 + t.encode("utf-8", "surrogatepass"),
    lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le", "surrogatepass"),
    lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be", "surrogatepass"),
    lambda t: t.encode("latin-1", "replace"),
    lambda t: t.replace("\n", "\r\n").encode("utf-8", "surrogatepass"),
    lambda t: t.replace("\n", "\r").encode("utf-8", "surrogatepass"),
]


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return st.tuples(text, st.sampled_from(range(len(ENCODERS)))).map(lambda p: ENCODERS[p[1]](p[0]))


def soup(tokens: list[str], max_size: int = 60) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens) | st.text(max_size=4), max_size=max_size).map("".join)


def any_bytes(tokens: list[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=300), encoded(st.text(max_size=200)), encoded(soup(tokens)))


ENV_TOKENS = ["A", "B_2", "=", "\n", '"', "'", "\\", "$", "${", "}", ":-", ":?", "#", " ", "\t",
              "export ", "\r", "\ufeff", "\x00", "é", "${A}", "$$"]
NGINX_TOKENS = ["server", "location", "include", "listen", "proxy_pass", "upstream", "http", " ", "\n", "8\u00b2",
                "{", "}", ";", '"', "'", "#", "\\", "80", "[::]:443", "http://a:1", "*.conf", "x.conf",
                "../x.conf", "/etc/nginx/x.conf", "ssl_protocols", "TLSv1", "server_name", "${V}", "~*"]
MD_TOKENS = ["|", " | ", "---", ":--", "\n", "# ", "1. ", "- ", "```", "`", "**", "<br>", "\\|",
             "http://u:p@h/", "KEY=", "Service", "Port", "Host", "8080", "0.0.0.0:80", "Variable", "Value"]
JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"SecurityGroups"', '"IpPermissions"', '"FromPort"', '"ToPort"',
               '"IpProtocol"', '"tcp"', '"-1"', '22', '-1', '"IpRanges"', '"CidrIp"', '"0.0.0.0/0"', 'null',
               '"GroupId"', '"sg-1"', '"Ipv6Ranges"', '"CidrIpv6"', '"::/0"', '"SecurityGroupRules"', "true"]
TF_TOKENS = ['resource "aws_security_group" "a" {', 'resource "aws_security_group_rule" "r" {', "ingress {",
             "}", "{", "[", "]", "(", ")", '"', "${", "%{", "\\", "#", "/*", "*/", "<<EOT\n", "EOT", "\n",
             " = ", ",", 'cidr_blocks = ["0.0.0.0/0"]', "protocol = -1", "from_port = 22", "to_port = 22"]
CFN_TOKENS = ["Resources:\n", "  SG:\n", "    Type: AWS::EC2::SecurityGroup\n", "    Properties:\n",
              "      SecurityGroupIngress:\n", "        - IpProtocol: tcp\n", "          FromPort: 22\n",
              "          CidrIp: 0.0.0.0/0\n", "!Ref X", "!Sub ", "&a ", "*a", "<<: ", "[", "]", "{", "}", "- ", ": "]


# ---------------------------------------------------------------- bytes into every loader


@SETTINGS
@given(any_bytes(ENV_TOKENS))
def test_env_loader_bytes(data):
    from auditor.loaders.env import load_env

    files = {".env": data}
    with tree(files) as reader:
        env, problems = load_env(reader, ".env")
    assert_located(problems, files)
    assert all(v.loc.line >= 1 and v.value_loc.line >= v.loc.line for v in env.vars)


@SETTINGS
@given(any_bytes(NGINX_TOKENS), any_bytes(NGINX_TOKENS))
def test_nginx_loader_bytes(a, b):
    from auditor.loaders.nginx.config import load_nginx

    files = {"nginx.conf": a, "x.conf": b}
    with tree(files) as reader:
        configs, problems = load_nginx(reader, list(files))
    assert_located(problems, files)
    for c in configs:
        assert all(f in files for f in c.files)


@SETTINGS
@given(any_bytes(MD_TOKENS))
def test_docs_loader_bytes(data):
    from auditor.loaders.docs.markdown import load_doc
    from auditor.loaders.docs.facts import extract_facts

    files = {"README.md": data}
    with tree(files) as reader:
        doc, problems = load_doc(reader, "README.md")
    assert_located(problems, files)
    for fact in extract_facts([doc]):
        assert fact.loc.path == "README.md" and fact.loc.line >= 1


@SETTINGS
@given(st.sampled_from(["security-groups.json", "main.tf", "template.yaml", "rules.json", "cfn.json"]),
       st.one_of(any_bytes(JSON_TOKENS), any_bytes(TF_TOKENS), any_bytes(CFN_TOKENS)))
def test_secgroup_loaders_bytes(name, data):
    from auditor.loaders.secgroups.load import load_secgroups
    from auditor.loaders.secgroups.cfn import rules_from_cfn
    from auditor.loaders.secgroups.aws_json import rules_from_aws_json
    from auditor.loaders.secgroups.terraform import rules_from_terraform

    files = {name: data}
    with tree(files) as reader:
        rules, problems = load_secgroups(reader, name)
        assert_located(problems, files)
        text, _ = reader.read(name)
    if text is not None:  # each format's parser, whatever the sniffing would say
        for fn in (rules_from_aws_json, rules_from_terraform, rules_from_cfn):
            rules, problems = fn(text, name)
            assert_located(problems, files)
            assert all(r.loc.path == name and r.loc.line >= 1 for r in rules)


# ---------------------------------------------------------------- compose

_NAMES = st.sampled_from(["web", "db", "api", "x", "<<", "", "1", "true"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.floats(allow_nan=True),
                     st.text(max_size=12), st.sampled_from([
                         "8080:80", "127.0.0.1:5432:5432/udp", "[::1]:80:80", "1-3:1-3", "${PORT:-80}:80",
                         "${A:?err}", "$$", "${", "./data:/data:ro", "../outside:/x", "/etc/shadow",
                         "service_healthy", "host", "service:db", "other.yaml", "compose.yaml", ".env",
                         "80\u00b2", "\u0663\u0660", "8\u00b2-9/tcp"]))  # digits int() refuses or reads
_KEYS = st.sampled_from([
    "image", "ports", "expose", "environment", "env_file", "depends_on", "healthcheck", "extends",
    "volumes", "networks", "network_mode", "profiles", "command", "entrypoint", "secrets", "build",
    "container_name", "hostname", "condition", "target", "published", "host_ip", "protocol", "mode",
    "file", "service", "path", "required", "aliases", "test", "disable", "source", "type", "x-a",
])


def _compose_values():
    return st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(_KEYS | _NAMES, inner, max_size=5), max_leaves=25)


_SERVICES = st.dictionaries(_NAMES, _compose_values(), max_size=4)
_DOCUMENT = st.fixed_dictionaries({"services": _SERVICES}, optional={
    "include": _compose_values(), "name": _SCALARS, "networks": _compose_values(),
    "volumes": _compose_values(), "secrets": _compose_values(), "x-anchor": _compose_values()})

YAML_TOKENS = ["services:\n", "  web:\n", "    image: x\n", "    ports:\n", "      - \"80:80\"\n", "&a ", "*a",
               "<<: *a\n", "!reset ", "!override ", "include:\n", "  - other.yaml\n", "    extends:\n",
               "      file: other.yaml\n", "      service: web\n", "    env_file: .env\n", "---\n", "{", "}",
               "[", "]", ": ", "- ", "\t", "'", '"', "${A}", "#", "\n", "  ", "? "]


def _dump(doc) -> str:
    try:
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return ""


COMPOSE_FILE = st.one_of(_DOCUMENT.map(_dump).map(str.encode), any_bytes(YAML_TOKENS))


@settings(SETTINGS, max_examples=200 * SCALE)
@given(COMPOSE_FILE, COMPOSE_FILE, COMPOSE_FILE, any_bytes(ENV_TOKENS))
def test_compose_loader(base, override, other, env):
    from auditor.loaders.compose.project import load_projects

    files = {"compose.yaml": base, "compose.override.yaml": override, "other.yaml": other, ".env": env,
             "sub/compose.yaml": other}
    with tree(files) as reader:
        projects, problems = load_projects(reader, ["compose.yaml", "compose.override.yaml", "other.yaml",
                                                    "sub/compose.yaml"], [".env"])
    assert_located(problems, files)
    for project in projects:
        for s in project.services:
            for item in (s, *s.ports, *s.depends_on, *s.environment, *s.volumes, *s.env_files):
                assert item.loc.path in files and item.loc.line >= 1, item


# ---------------------------------------------------------------- live snapshots

_DOCKER_KEYS = st.sampled_from([
    "Name", "Names", "Service", "Project", "State", "Status", "Ports", "Publishers", "PublishedPort",
    "TargetPort", "URL", "Protocol", "Labels", "Config", "NetworkSettings", "HostConfig", "PortBindings",
    "HostIp", "HostPort", "5432/tcp", "80", "com.docker.compose.service", "running",
])
_DOCKER_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=10),
                            st.sampled_from(["0.0.0.0:80->80/tcp, :::80->80/tcp", "80/tcp", "::", "0.0.0.0",
                                             "a=b,c=d", "1-3->1-3/udp", "x->y/tcp"]))
_DOCKER = st.recursive(_DOCKER_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_DOCKER_KEYS, inner, max_size=5), max_leaves=25)
SS_TOKENS = ["LISTEN", "UNCONN", "tcp", "udp", " 0 ", " 128 ", "0.0.0.0:22", "[::]:80", "*:443", "127.0.0.1%lo:53",
             "0.0.0.0:*", 'users:(("sshd",pid=1,fd=3))', "\n", "Netid State Recv-Q Send-Q Local Address:Port\n"]
DUMP_TOKENS = ["# configuration file /etc/nginx/nginx.conf:\n", "# configuration file /etc/nginx/conf.d/a.conf:\n",
               "include conf.d/*.conf;\n", *NGINX_TOKENS]


@SETTINGS
@given(st.one_of(
    _DOCKER.map(lambda v: json.dumps(v)).map(str.encode),
    st.lists(_DOCKER.map(json.dumps), min_size=2, max_size=4).map("\n".join).map(str.encode),
    any_bytes(SS_TOKENS), any_bytes(DUMP_TOKENS), any_bytes(JSON_TOKENS)))
def test_live_loaders(data):
    from auditor.loaders.live.snapshots import _load_one, _State, load_live

    files = {"live/snap.txt": data}
    with tree(files) as reader:
        state, found, problems = load_live(reader.root / "live", reader)
        assert_located(problems, files)
        text, _ = reader.read("live/snap.txt")
        if text is not None:  # unguarded: the loaders themselves must not raise
            _fmt, problems = _load_one("live/snap.txt", text, reader, _State("live"))
            assert_located(problems, files)


# ---------------------------------------------------------------- the whole engine

_TREE_FILES = {
    ".env": any_bytes(ENV_TOKENS),
    "compose.yaml": COMPOSE_FILE,
    "other.yaml": COMPOSE_FILE,
    "nginx/site.conf": any_bytes(NGINX_TOKENS),
    "docs/README.md": any_bytes(MD_TOKENS),
    "aws/security-groups.json": any_bytes(JSON_TOKENS),
    "main.tf": any_bytes(TF_TOKENS),
}


@settings(SETTINGS, max_examples=80 * SCALE)
@given(st.fixed_dictionaries({}, optional=_TREE_FILES))
def test_engine_never_crashes(files):
    """Discovery, loaders, graph and every rule on a small hostile tree: no exception, no rule
    crash (the engine turns one into a 'crashed' finding), every finding inside a file."""
    from auditor import engine
    from auditor.config import Config
    from auditor.reporters import get_reporter
    from auditor.reporters.graph import render

    with tree(files) as reader:
        report = engine.check([str(reader.root)], Config())
        for fmt in ("text", "json", "sarif", "github", "html"):
            get_reporter(fmt)(report)
        for fmt in ("json", "dot", "mermaid", "html", "svg"):
            render(report, fmt)
    for f in report.findings:
        assert "crashed" not in f.message, f
        assert not any(m in f.message for m in GUARD_MESSAGES), f
        assert f.line >= 1 and f.column >= 1


@pytest.mark.parametrize("name, text", [
    ("ss.txt", "LISTEN 0 128 0.0.0.0:2\u00b22 0.0.0.0:*\n"),
    ("inspect.json", json.dumps([{"Name": "/x", "NetworkSettings": {
        "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8\u00b2"}]}}}])),
])
def test_live_loaders_refuse_non_ascii_digits(name, text):
    from auditor.loaders.live.snapshots import _load_one, _State

    with tree({name: text.encode()}) as reader:
        _fmt, problems = _load_one(name, text, reader, _State("live"))
    assert_located(problems, {name: text.encode()})

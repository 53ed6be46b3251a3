"""The exposure map as data (graph --format json) and as documents for other programs:
what harena's map must show, ids shared with SARIF, and hostile names in every format."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from map_support import HARENA, PLANTED_SECRET, harena_report, write_hostile

FORMATS = ("json", "dot", "mermaid", "svg", "html")


def _run(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def harena_map() -> dict:
    from auditor.reporters.graph import render

    return json.loads(render(harena_report(), "json"))["map"]


def _node(m: dict, kind: str, label: str) -> dict:
    hits = [n for n in m["nodes"] if n["kind"] == kind and n["label"] == label]
    assert len(hits) == 1, (kind, label, [n["label"] for n in m["nodes"] if n["kind"] == kind])
    return hits[0]


def _edge(m: dict, source: dict, target: dict) -> dict:
    hits = [e for e in m["edges"] if e["source"] == source["id"] and e["target"] == target["id"]]
    assert len(hits) == 1, (source["label"], target["label"])
    return hits[0]


def test_harena_public_path_to_the_datastores_is_an_error(harena_map):
    m = harena_map
    internet = _node(m, "source", "internet")
    assert internet["sub"] == "0.0.0.0/0" and "exposed" in internet["tags"]
    for port, name, store in (("5432", "PostgreSQL", "postgres"), ("6379", "Redis", "redis")):
        rule = _node(m, "rule", f"{port}/tcp {name}")
        listener = _node(m, "listener", f"*:{port}/tcp")
        datastore = _node(m, "datastore", store)
        assert datastore["rank"] == 5 and datastore["sub"] == name
        assert rule["severity"] == listener["severity"] == "error"
        for a, b in ((internet, rule), (rule, listener), (listener, datastore)):
            edge = _edge(m, a, b)
            assert edge["severity"] == "error" and "exposed" in edge["tags"], edge
        rules = {f["rule"] for f in m["findings"] if listener["id"] in f["elements"]}
        assert rules == {"EXP001"}


def test_harena_ssh_is_open_to_the_world_on_the_security_group(harena_map):
    m = harena_map
    ssh = _node(m, "rule", "22/tcp SSH")
    assert ssh["severity"] == "error" and ssh["source"] == {"path": "aws/security-groups.json", "line": 11}
    group = next(g for g in m["groups"] if g["id"] == ssh["group"])
    assert group["label"] == "security group harena-allinone-sg-dev"
    assert [f["rule"] for f in m["findings"] if ssh["id"] in f["elements"]] == ["EXP002"]
    assert _edge(m, _node(m, "source", "internet"), ssh)["severity"] == "error"


def test_harena_nginx_fronts_the_services_beside_their_direct_ports(harena_map):
    m = harena_map
    server = _node(m, "server", "default server")
    rows = {r["label"]: r for r in server["rows"]}
    assert "/api/v1/users/" in rows and rows["/api/v1/users/"]["source"]["path"] == "nginx/conf.d/harena.conf"
    users = _node(m, "service", "user_service")
    via_nginx = [e for e in m["edges"] if e["source"] == server["id"] and e["target"] == users["id"]]
    assert len(via_nginx) == 1 and via_nginx[0]["source_row"] == rows["/api/v1/users/"]["id"]
    assert "exposed" in via_nginx[0]["tags"] and via_nginx[0]["severity"] is None
    nginx_listener = _node(m, "listener", "*:80/tcp")
    assert _edge(m, nginx_listener, server)["kind"] == "flow"
    direct = _node(m, "listener", "*:3000/tcp")
    assert _edge(m, direct, users)["severity"] == "warning"  # EXP004: the proxy can be bypassed
    assert {g["label"] for g in m["groups"]} >= {"nginx in service nginx", "compose project harena",
                                                 "compose project harena (datastores)", "host"}


def test_every_element_names_its_source_and_findings_agree_with_sarif(harena_map):
    from auditor.reporters import get_reporter

    m = harena_map
    for n in m["nodes"]:
        for el in (n, *n["rows"], *n["chips"]):
            src = el["source"]
            assert src and (HARENA / src["path"]).is_file() and src["line"] >= 1, el
    sarif = json.loads(get_reporter("sarif")(harena_report()))
    ids = {f["id"]: f for f in m["findings"]}
    results = sarif["runs"][0]["results"]
    assert len(results) == len(ids)
    elements = {e["id"] for n in m["nodes"] for e in (n, *n["rows"], *n["chips"])} | {g["id"] for g in m["groups"]}
    for r in results:
        f = ids[r["partialFingerprints"]["auditor/v1"]]
        loc = r["locations"][0]["physicalLocation"]
        # SARIF paths are relative to the repository (here: this one), the map's to the scanned root.
        assert loc["artifactLocation"]["uri"].endswith("/" + f["path"]) and f["line"] == loc["region"]["startLine"]
        assert f["elements"] and set(f["elements"]) <= elements, f


def test_an_element_holds_the_findings_of_its_lines(harena_map):
    m = harena_map
    chip = next(c for n in m["nodes"] for c in n["chips"] if c["source"] == {"path": ".env", "line": 8})
    assert chip["label"] == "DATABASE_URL"
    assert sorted(f["rule"] for f in m["findings"] if chip["id"] in f["elements"]) == ["SEC002", "URL004"]
    assert "****" in json.dumps(chip["details"]) and "FaK" not in json.dumps(chip["details"])


def test_a_stack_without_firewall_rules_is_reached_straight_from_the_internet(tmp_path):
    from auditor import engine
    from auditor.config import Config
    from auditor.reporters.exposure_map import build_map, document

    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: redis:7\n    ports: ['6379:6379']\n"
                                           "  local:\n    image: app\n    ports: ['127.0.0.1:8000:8000']\n")
    report = engine.check([str(tmp_path)], Config())
    m = document(build_map(report.graph, report.findings))
    internet = next(n for n in m["nodes"] if n["kind"] == "source")
    assert internet["sub"] == "no firewall rules known"
    targets = {e["target"] for e in m["edges"] if e["source"] == internet["id"]}
    labels = {n["id"]: n["label"] for n in m["nodes"]}
    assert {labels[t] for t in targets} == {"*:6379/tcp"}  # the loopback bind is not reachable
    assert next(n for n in m["nodes"] if n["label"] == "*:6379/tcp")["severity"] == "error"


# ---------------------------------------------------------------- hostile names


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = write_hostile(tmp_path_factory.mktemp("hostile"))
    out = {}
    for fmt in FORMATS:
        proc = _run("graph", str(root), "--format", fmt)
        assert proc.returncode == 0, proc.stderr
        out[fmt] = proc.stdout
    proc = _run("check", str(root), "--format", "html")
    assert proc.returncode == 1, proc.stderr
    out["report"] = proc.stdout
    return out


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


@pytest.mark.parametrize("fmt", ["html", "report"])
def test_hostile_names_do_not_become_markup(hostile, fmt):
    text = hostile[fmt]
    parser = _Tags()
    parser.feed(text)
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 2  # the data (application/json) and the page's own script
    assert not {"img", "b", "iframe", "object", "embed", "a"} & set(tags) - ({"a"} if fmt == "report" else set())
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
            if name == "href":
                assert value.startswith("#"), value
    data = re.search(r'<script type="application/json" id="auditor-data">(.*?)</script>', text, re.S)[1]
    assert "<" not in data and ">" not in data
    assert "alert(4)" in json.loads(data).__repr__()  # the name is there, as text
    assert PLANTED_SECRET not in text


def test_hostile_names_keep_the_svg_well_formed(hostile):
    root = ET.fromstring(hostile["svg"].split("\n", 1)[1])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    tags = {el.tag.split("}")[1] for el in root.iter()}
    assert tags <= {"svg", "style", "defs", "marker", "path", "g", "text", "rect", "title", "circle"}
    for el in root.iter():
        assert not [a for a in el.attrib if a.lower().startswith("on") or "href" in a.lower()], el.attrib
    texts = " ".join(t for el in root.iter() for t in [el.text or ""])
    assert 'web"<script>alert(1)</script>' in texts  # shown, not interpreted
    assert "\u202e" not in hostile["svg"]
    # The bidi override in a rule's description is shown as an escape, not applied.
    assert "\\\\u202eevil" in hostile["html"] and "\\u202eevil" not in hostile["html"].replace("\\\\", "")
    assert PLANTED_SECRET not in hostile["svg"]


def test_hostile_names_are_escaped_in_dot_and_mermaid(hostile):
    dot = hostile["dot"]
    # Every quoted string is closed on its line: no raw newline, no unescaped quote.
    for line in dot.splitlines()[1:-1]:
        stripped = re.sub(r'"(?:[^"\\]|\\.)*"', 'S', line)
        assert '"' not in stripped, line
        assert not re.search(r"\b(URL|href)\s*=", stripped), line
    assert r'\"<script>alert(1)</script>' in dot
    mermaid = hostile["mermaid"]
    # Outside quoted labels, only the statements the writer makes: names never reach the syntax.
    grammar = re.compile(r"\s*(flowchart LR|direction TB|end|subgraph g\d+\[S\]|n\d+(\[S\]|\[/S/\])"
                         r"|n\d+ (-->|==>|-\.->|-\.-)(\|S\|)? n\d+|classDef \w+ [\w:#,.\- ]+|class n\d+ \w+"
                         r"|linkStyle \d+ [\w:#,.\- ]+)")
    for line in mermaid.splitlines():
        stripped = re.sub(r'"[^"]*"', "S", line)
        assert grammar.fullmatch(stripped), line
    assert "alert#40;4#41;" in mermaid and "#60;script#62;" in mermaid
    assert PLANTED_SECRET not in dot + mermaid


def test_hostile_map_json_round_trips(hostile):
    m = json.loads(hostile["json"])["map"]
    ids = [e["id"] for n in m["nodes"] for e in (n, *n["rows"], *n["chips"])] + [g["id"] for g in m["groups"]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z0-9._/~-]+", i) for i in ids), ids
    labels = " ".join(n["label"] for n in m["nodes"])
    assert "app]:::x-->y[" in labels
    assert PLANTED_SECRET not in hostile["json"]


def test_graph_reports_and_embeds_findings_for_a_single_format_run(tmp_path):
    out = tmp_path / "harena.html"
    proc = _run("graph", str(HARENA), "--format", "html", "-o", str(out))
    assert proc.returncode == 0 and proc.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "http://" not in text.split("<body>")[0]
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)=', text)


def test_the_readme_shows_harena_map():
    readme = (HARENA.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "![Exposure map of fixtures/harena](docs/harena-map.svg)" in readme
    svg = ET.parse(HARENA.parents[1] / "docs" / "harena-map.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    errors = {g.get("id") for g in svg.iter(f"{ns}g") if "sev-error" in (g.get("class") or "").split()}
    assert {"rule-aws/security-groups.json_11_0.0.0.0/0", "listener-docker-compose.yml_191",
            "listener-docker-compose.yml_209"} <= errors
    red = [p for p in svg.iter(f"{ns}path") if "sev-error" in (p.get("class") or "").split()]
    assert any(p.get("data-target") == "datastore-docker-compose.yml_186" for p in red)


def test_listeners_are_grouped_by_the_host_the_deployment_model_knows(tmp_path):
    from auditor import engine
    from auditor.config import Config
    from auditor.reporters.exposure_map import build_map, document

    for name in ("shop", "blog"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "compose.yaml").write_text(f"services:\n  {name}:\n    image: app\n    ports: ['8080:80']\n")
    report = engine.check([str(tmp_path)], Config())
    m = document(build_map(report.graph, report.findings))
    hosts = {g["id"]: g["label"] for g in m["groups"] if g["kind"] == "host"}
    assert sorted(hosts.values()) == ["host of blog", "host of shop"]  # a folder is not a host
    by_host = {hosts[n["group"]]: n["sub"] for n in m["nodes"] if n["kind"] == "listener"}
    assert by_host == {"host of blog": "published by blog", "host of shop": "published by shop"}

"""The deployment model: which projects share a host, on what evidence, and where nginx runs."""
from __future__ import annotations

import textwrap
from pathlib import Path

from auditor import engine
from auditor.config import Config
from auditor.graph.deployments import matches


def load(tmp_path: Path, files: dict[str, str], config: Config = Config()):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    graph, _ = engine.load_graph(tmp_path, [""], config)
    return graph


def families(graph) -> list[list[str]]:
    return sorted(sorted(h.families) for h in graph.hosts if h.families)


def test_folders_are_separate_hosts_without_evidence(tmp_path):
    g = load(tmp_path, {
        "a/compose.yaml": "services:\n  web: {image: a, ports: ['80:80']}\n",
        "b/compose.yaml": "services:\n  web: {image: b, ports: ['80:80']}\n",
    })
    assert families(g) == [["a/compose.yaml"], ["b/compose.yaml"]]
    assert g.together("a/compose.yaml", "b/compose.yaml") is None


def test_a_network_one_creates_and_another_joins_puts_projects_on_one_host(tmp_path):
    g = load(tmp_path, {
        "a/compose.yaml": "services:\n  web: {image: a}\nnetworks:\n  edge: {name: proxy_edge}\n",
        "b/compose.yaml": "services:\n  api: {image: b}\nnetworks:\n  edge: {external: true, name: proxy_edge}\n",
    })
    assert families(g) == [["a/compose.yaml", "b/compose.yaml"]]
    assert "network 'proxy_edge'" in g.host_evidence("a/compose.yaml", "b/compose.yaml")


def test_a_network_all_join_as_external_is_weak_evidence(tmp_path):
    # a common name (`proxy`) created by hand: perhaps one host, perhaps several
    net = "networks:\n  edge: {external: true, name: proxy}\n"
    g = load(tmp_path, {
        "a/compose.yaml": "services:\n  web: {image: a}\n" + net,
        "b/compose.yaml": "services:\n  api: {image: b}\n" + net,
    })
    assert families(g) == [["a/compose.yaml"], ["b/compose.yaml"]]
    assert g.together("a/compose.yaml", "b/compose.yaml") is None
    weak = [d for d in g.deployments if d.weak]
    assert [d.projects for d in weak] == [("a/compose.yaml", "b/compose.yaml")]
    assert "external network 'proxy'" in weak[0].evidence[0].text


def test_alternatives_in_one_folder_never_run_together(tmp_path):
    g = load(tmp_path, {
        "x/docker-compose.yml": "services:\n  proxy: {image: a}\nnetworks:\n  n: {name: shared}\n",
        "x/docker-compose-v2.yml": "services:\n  proxy: {image: b}\nnetworks:\n  n: {name: shared}\n",
        "y/compose.yaml": "services:\n  app: {image: c}\nnetworks:\n  n: {external: true, name: shared}\n",
    })
    runs = sorted(d.projects for d in g.deployments if not d.weak)
    assert ("x/docker-compose-v2.yml", "x/docker-compose.yml", "y/compose.yaml") not in runs
    assert ("x/docker-compose.yml", "y/compose.yaml") in runs
    assert ("x/docker-compose-v2.yml", "y/compose.yaml") in runs


def test_a_shared_env_file_puts_projects_on_one_host(tmp_path):
    g = load(tmp_path, {
        "shared.env": "A=1\n",
        "a/compose.yaml": "services:\n  web: {image: a, env_file: ../shared.env}\n",
        "b/compose.yaml": "services:\n  api: {image: b, env_file: ../shared.env}\n",
    })
    assert "env file shared.env" in g.host_evidence("a/compose.yaml", "b/compose.yaml")


def test_configured_hosts_and_independent_examples(tmp_path):
    net = "networks:\n  proxy: {external: true}\n"
    config = Config.model_validate({"hosts": {"groups": {"prod": ["app", "ops/*"]},
                                              "independent": ["examples/*"]}})
    g = load(tmp_path, {
        "app/compose.yaml": "services:\n  web: {image: a}\n",
        "ops/monitoring/compose.yaml": "services:\n  grafana: {image: g}\n",
        "examples/one/compose.yaml": "services:\n  x: {image: x}\n" + net,
        "examples/two/compose.yaml": "services:\n  y: {image: y}\n" + net,
    }, config)
    assert ["app/compose.yaml", "ops/monitoring/compose.yaml"] in families(g)
    assert ["examples/one/compose.yaml"] in families(g) and ["examples/two/compose.yaml"] in families(g)
    host = g.host_of("app/compose.yaml")
    assert host.name == "prod" and "host 'prod'" in host.evidence[0].text


def test_overlay_variants_are_alternative_deployments(tmp_path):
    g = load(tmp_path, {
        "docker-compose.yml": "services:\n  app: {image: a}\n",
        "docker-compose.nginx.yml": "services:\n  nginx: {image: nginx, depends_on: [app]}\n",
        "docker-compose.bare.yml": "services:\n  app: {ports: ['80:80']}\n",
    })
    ids = sorted(p.id for p in g.projects)
    assert ids == ["docker-compose.yml", "docker-compose.yml+docker-compose.bare.yml",
                   "docker-compose.yml+docker-compose.nginx.yml"]
    assert len(g.hosts) == 1 and len(g.deployments) == 3
    assert g.together("docker-compose.yml+docker-compose.bare.yml",
                      "docker-compose.yml+docker-compose.nginx.yml") is None


def test_nginx_placement_needs_evidence(tmp_path):
    g = load(tmp_path, {
        "compose.yaml": "services:\n  app: {image: a, ports: ['127.0.0.1:5000:5000']}\n"
                        "  proxy: {image: nginx, volumes: ['./proxy:/etc/nginx/conf.d:ro']}\n",
        "proxy/site.conf": "server { listen 80; location / { proxy_pass http://app:5000; } }\n",
        "host/site.conf": "server { listen 80; location / { proxy_pass http://127.0.0.1:5000; } }\n",
        "other/site.conf": "server { listen 80; location / { proxy_pass http://app:5000; } }\n",
    })
    where = {p.config: p.where for p in g.placements}
    assert where == {"proxy/site.conf": "container", "host/site.conf": "host", "other/site.conf": "unknown"}
    assert [l.kind for l in g.proxy_links if l.config == "other/site.conf"] == ["unknown"]
    assert "publishes" in g.host_of("host/site.conf").evidence[0].text


def test_folder_patterns():
    assert matches("examples/one", ["examples/*"]) and matches("examples/one/deep", ["examples/*"])
    assert matches("", ["."]) and not matches("app", ["."])
    assert matches("app", ["app"]) and not matches("apps", ["app"])

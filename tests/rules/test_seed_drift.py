"""The seed stacks through the drift rules: DRF001 (docs), DRF002 (live snapshots), ENV003.

The seed docs were checked by hand against each fixture's compose, nginx and env files: every
fact their tables state agrees with the config (lecoffre's `/api/ -> Backend (8080)` is what
nginx proxies, dead target or not: NGX001's business; harena's `Grafana | 4000` is the published
side of `4000:3000`), so DRF001 must stay silent on them, and say so when a fact is changed.
fixtures/live/<seed>/ holds snapshots captured from each stack with the differences real hosts
drift into; DRF002 must report exactly those.
"""
from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import pytest

from auditor import engine
from auditor.config import find_config, load_config

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEEDS = ("lecoffre_node", "harena", "clean_stack")


@lru_cache(maxsize=None)
def findings(seed: str, rules: str, live: bool = False) -> tuple:
    root = FIXTURES / seed
    report = engine.check([root], load_config(find_config(root)), select=rules.split(","),
                          live=FIXTURES / "live" / seed if live else None)
    return tuple(report.findings)


def line_of(path: Path, needle: str) -> int:
    return next(i for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in l)


def summary(found) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.message) for f in found]


# ---------------------------------------------------------------- docs and env templates


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_docs_agree_with_their_config(seed):
    assert summary(findings(seed, "DRF001")) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_env_templates_agree(seed):
    # Only clean_stack has a template (.env.example), with the keys of .env.
    assert summary(findings(seed, "ENV003")) == []


def test_ord004_still_reads_the_documented_start_order():
    (f,) = findings("lecoffre_node", "ORD004")
    assert f.path == "docs/architecture.md"
    assert f.line == line_of(FIXTURES / "lecoffre_node" / "docs" / "architecture.md", "10. **loki**")


def test_a_changed_fact_is_reported_at_its_row(tmp_path):
    root = tmp_path / "lecoffre_node"
    shutil.copytree(FIXTURES / "lecoffre_node", root)
    env = root / ".env.master"
    env.write_text(env.read_text().replace("GRAFANA_PORT=3005", "GRAFANA_PORT=3006"))
    nginx = root / "conf" / "nginx" / "dev4.example.com-https.conf"
    nginx.write_text(nginx.read_text().replace("proxy_pass http://127.0.0.1:3100/;", "proxy_pass http://127.0.0.1:3101/;"))
    report = engine.check([root], load_config(find_config(root)), select=["DRF001"])
    doc = root / "docs" / "architecture.md"
    assert summary(report.findings) == [
        ("docs/architecture.md", line_of(doc, "| **grafana** | grafana |"),
         "docs say service 'grafana' publishes host port(s) 127.0.0.1:3005, but compose publishes 127.0.0.1:3006"),
        ("docs/architecture.md", line_of(doc, "| **/loki/** | loki | 3100"),
         "docs say route /loki/ of dev4.example.com goes to 'loki' port 3100, but nginx proxies it to 127.0.0.1:3101"),
        ("docs/architecture.md", line_of(doc, "| **dev4.example.com** | 443 | `/loki/`"),
         "docs say route /loki/ of dev4.example.com on port 443 goes to 'loki' port 3100, but nginx proxies it "
         "to 127.0.0.1:3101"),
    ]
    grafana = report.findings[0]
    assert [(r.path, r.line) for r in grafana.related] == [
        ("docker-compose.yml", line_of(root / "docker-compose.yml", '"127.0.0.1:${GRAFANA_PORT:-3005}:3000"'))]


# ---------------------------------------------------------------- live snapshots


def test_lecoffre_live_drift():
    live = FIXTURES / "live" / "lecoffre_node"
    ps, dump, ss = live / "docker-compose-ps.jsonl", live / "nginx-T.txt", live / "ss-ltnp.txt"
    assert summary(findings("lecoffre_node", "DRF002", True)) == [
        ("live:docker-compose-ps.jsonl", line_of(ps, '"Name": "ihm_client"'),
         "container 'ihm_client' publishes 0.0.0.0:9229->9229/tcp live, but compose does not declare it for "
         "service 'ihm_client'"),
        ("live:docker-compose-ps.jsonl", line_of(ps, '"Name": "loki"'),
         "container 'loki' publishes 0.0.0.0:3100->3100/tcp live, but compose declares 127.0.0.1:3100->3100/tcp "
         "for service 'loki'"),
        ("live:nginx-T.txt", line_of(dump, "location /api/ {"),
         "live nginx location /api/ of dev4.example.com (/etc/nginx/sites-enabled/dev4.example.com-https.conf) "
         "proxies to http://127.0.0.1:8081/, but in the repo it proxies to http://127.0.0.1:8080/"),
        ("live:nginx-T.txt", line_of(dump, "location /admin/ {"),
         "live nginx location /admin/ of dev4.example.com (/etc/nginx/sites-enabled/dev4.example.com-https.conf) "
         "proxies to http://127.0.0.1:9000, but the repo's server has no such location"),
        ("live:ss-ltnp.txt", line_of(ss, "127.0.0.1:3006"),
         "process 'node' listens on 127.0.0.1:3006/tcp on the live host, but nothing in the repo declares that "
         "port (no compose port, no nginx listen)"),
    ]


def test_lecoffre_live_drift_names_the_repo_side():
    by_line = {f.line: f for f in findings("lecoffre_node", "DRF002", True) if f.path == "live:nginx-T.txt"}
    api = by_line[line_of(FIXTURES / "live" / "lecoffre_node" / "nginx-T.txt", "location /api/ {")]
    https = FIXTURES / "lecoffre_node" / "conf" / "nginx" / "dev4.example.com-https.conf"
    assert [(r.path, r.line) for r in api.related] == [
        ("conf/nginx/dev4.example.com-https.conf", line_of(https, "location /api/ {"))]


def test_harena_live_drift():
    live = FIXTURES / "live" / "harena"
    rules, ps, ss = live / "describe-security-group-rules.json", live / "docker-compose-ps.json", live / "ss-ltnp.txt"
    declared = FIXTURES / "harena" / "aws" / "security-groups.json"
    text = declared.read_text().splitlines()
    postgres = next(i for i, l in enumerate(text, 1) if '"Description": "PostgreSQL"' in l) - 2  # its `{`
    rules_text = rules.read_text().splitlines()
    console = next(i for i, l in enumerate(rules_text, 1) if '"test temporaire"' in l)
    console_start = max(i for i in range(1, console) if rules_text[i - 1].strip() == "{")
    restricted = next(i for i, l in enumerate(rules_text, 1) if '"PostgreSQL - instance only"' in l)
    restricted_start = max(i for i in range(1, restricted) if rules_text[i - 1].strip() == "{")
    es_text = ps.read_text().splitlines()
    es = next(i for i, l in enumerate(es_text, 1) if '"Name": "harena_elasticsearch"' in l)
    es_publisher = next(i for i in range(es, len(es_text)) if '"PublishedPort": 9200' in es_text[i - 1]) - 3
    assert summary(findings("harena", "DRF002", True)) == [
        ("aws/security-groups.json", postgres,
         "declared rule of 'harena-allinone-sg-dev' (sg-0aa65b430c3e93bad) opens tcp/5432 from 0.0.0.0/0, but the "
         "live security groups (live:describe-security-group-rules.json) do not"),
        ("live:describe-security-group-rules.json", restricted_start,
         "live security group 'sg-0aa65b430c3e93bad' opens tcp/5432 from sg-0aa65b430c3e93bad, but no declared "
         "rule (aws/security-groups.json) does"),
        ("live:describe-security-group-rules.json", console_start,
         "live security group 'sg-0aa65b430c3e93bad' opens tcp/8080 from 0.0.0.0/0, but no declared rule "
         "(aws/security-groups.json) does"),
        ("live:docker-compose-ps.json", es_publisher,
         "container 'harena_elasticsearch' publishes 0.0.0.0:9200->9200/tcp live, but compose does not declare it "
         "for service 'elasticsearch'"),
        ("live:ss-ltnp.txt", line_of(ss, "cloudflared"),
         "process 'cloudflared' listens on 127.0.0.1:20241/tcp on the live host, but nothing in the repo declares "
         "that port (no compose port, no nginx listen)"),
    ]


def test_clean_stack_live_snapshots_agree():
    assert summary(findings("clean_stack", "DRF002", True)) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_without_live_snapshots_drf002_is_silent(seed):
    assert findings(seed, "DRF002") == ()


@pytest.mark.parametrize("seed", SEEDS)
def test_live_snapshots_of_the_seeds_load_cleanly(seed):
    assert summary(findings(seed, "AUD001,AUD002", True)) == summary(findings(seed, "AUD001,AUD002"))

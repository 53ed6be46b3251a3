"""The seed stacks through the URL, NGX and ORD rules: what each must report, and where.

Lines are found by searching the fixture text, so the fixtures may be edited above them.
"""
from __future__ import annotations

import pytest

from seed_support import line_of, seed_findings

IDS = ("URL001", "URL002", "URL003", "URL004", "NGX001", "NGX002", "NGX003",
       "ORD001", "ORD002", "ORD003", "ORD004")


def findings(seed: str) -> tuple:
    return seed_findings(seed, tuple(IDS))




def at(seed: str, rule: str, path: str, line: int) -> list:
    return [f for f in findings(seed) if (f.rule, f.path, f.line) == (rule, path, line)]


# ---------------------------------------------------------------- lecoffre_node

LC = "lecoffre_node"


def test_lecoffre_client_and_relay_bootstrap_from_different_relays():
    line = line_of(LC, "docker-compose.yml", "bootstrap_url: wss://dev3.example.com/ws/")
    (f,) = at(LC, "URL001", "docker-compose.yml", line)
    assert f.message == ("VITE_BOOTSTRAPURL points at dev4.example.com/ws/ but bootstrap_url (sdk_relay) "
                         "points at dev3.example.com/ws/")
    assert [(r.path, r.line) for r in f.related] == [
        (".env.master", line_of(LC, ".env.master", "VITE_BOOTSTRAPURL="))]
    assert [x.rule for x in findings(LC)].count("URL001") == 1


def test_lecoffre_dev3_relay_url_is_not_routed_by_dev3_nginx():
    line = line_of(LC, "docker-compose.yml", "bootstrap_url: wss://dev3.example.com/ws/")
    (f,) = at(LC, "URL002", "docker-compose.yml", line)
    assert "wss://dev3.example.com/ws/" in f.message
    assert "no server for dev3.example.com listens on port 443" in f.message
    relays = line_of(LC, ".env.master", "RELAY_URLS=")
    assert at(LC, "URL002", ".env.master", relays), "the dev3 relay in RELAY_URLS is unrouted too"
    routed_dev4 = {line_of(LC, ".env.master", k) for k in ("VITE_BOOTSTRAPURL=", "VITE_API_URL=", "VITE_STORAGEURL=")}
    assert not [f for f in findings(LC) if f.rule == "URL002" and f.path == ".env.master" and f.line in routed_dev4]


def test_lecoffre_ws_location_has_the_upgrade_headers():
    assert not [f for f in findings(LC) if f.rule == "URL003"]


@pytest.mark.parametrize("location, target", [
    ("location /api/", "127.0.0.1:8080"),
    ("location /signer/", "127.0.0.1:3001"),
    ("location /status/api", "127.0.0.1:3006"),
])
def test_lecoffre_nginx_routes_to_ports_nothing_publishes(location, target):
    conf = "conf/nginx/dev4.example.com-https.conf"
    line = line_of(LC, conf, "proxy_pass", after=location)
    (f,) = at(LC, "NGX001", conf, line)
    assert target in f.message


def test_lecoffre_resolved_routes_are_silent():
    ngx = [f for f in findings(LC) if f.rule == "NGX001"]
    assert len(ngx) == 3, [f.message for f in ngx]
    assert not [f for f in ngx if "127.0.0.2" in f.message or "3005" in f.message or "8090" in f.message]


def test_lecoffre_documented_order_puts_loki_before_grafana():
    line = line_of(LC, "docs/architecture.md", "**loki**", after="Ordre de Démarrage")
    (f,) = at(LC, "ORD004", "docs/architecture.md", line)
    assert "'loki' before 'grafana'" in f.message
    depends = line_of(LC, "docker-compose.yml", "- grafana", after="  loki:")
    assert (f.related[0].path, f.related[0].line) == ("docker-compose.yml", depends)
    assert [x.rule for x in findings(LC)].count("ORD004") == 1  # promtail follows from loki


def test_lecoffre_has_no_ordering_or_nginx_config_errors():
    assert not [f for f in findings(LC) if f.rule in ("ORD001", "ORD002", "ORD003", "NGX002", "NGX003")]


# ---------------------------------------------------------------- harena

HA = "harena"


@pytest.mark.parametrize("key, service, address, alias", [
    ("DATABASE_URL", "postgres", "203.0.113.10:5432", "harena_postgres"),
    ("REDIS_URL", "redis", "203.0.113.10:6379", "harena_redis"),
])
def test_harena_services_reach_datastores_through_the_public_ip(key, service, address, alias):
    (f,) = at(HA, "URL004", ".env", line_of(HA, ".env", f"{key}="))
    assert f.message == (f"{key} reaches service '{service}' through the public address {address}; "
                         f"use the service name '{service}' (or '{alias}') on the compose network")
    assert "FaKe" not in f.message


def test_harena_reports_nothing_else_of_these_rules():
    assert sorted(f.rule for f in findings(HA)) == ["URL004", "URL004"]


# ---------------------------------------------------------------- clean_stack


def test_clean_stack_is_silent():
    loud = [f for f in findings("clean_stack") if f.severity in ("warning", "error")]
    assert loud == [], [f"{f.rule} {f.path}:{f.line} {f.message}" for f in loud]

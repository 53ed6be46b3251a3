"""The seed stacks through the PORT and EXP rules: what each must report, and where.

Lines are found by searching the fixture text, so the fixtures may be edited above them.
"""
from __future__ import annotations

import pytest

from seed_support import FIXTURES, line_of, seed_findings

IDS = ("PORT001", "EXP001", "EXP002", "EXP003", "EXP004", "EXP005")
SG = "aws/security-groups.json"
COMPOSE = "docker-compose.yml"


def findings(seed: str) -> tuple:
    return seed_findings(seed, tuple(IDS))


def lines(seed: str, path: str) -> list[str]:
    return (FIXTURES / seed / path).read_text(encoding="utf-8").splitlines()


def sg_rule_line(seed: str, port: int) -> int:
    """Line of the `{` of the IpRanges entry of the permission for `port` (the rule object)."""
    text = lines(seed, SG)
    start = next(i for i, l in enumerate(text) if f'"FromPort": {port},' in l)
    entry = next(i for i in range(start, len(text)) if '"CidrIp"' in text[i])
    return next(i for i in range(entry, 0, -1) if text[i].strip() == "{") + 1


def of(seed: str, rule: str) -> list:
    return [f for f in findings(seed) if f.rule == rule]


# ---------------------------------------------------------------- harena

HA = "harena"


@pytest.mark.parametrize("port,name", [(22, "SSH"), (5432, "PostgreSQL"), (6379, "Redis")])
def test_harena_world_open_sensitive_ports(port, name):
    line = sg_rule_line(HA, port)
    hits = [f for f in of(HA, "EXP002") if (f.path, f.line) == (SG, line)]
    assert len(hits) == 1, of(HA, "EXP002")
    assert f"{port}/tcp ({name})" in hits[0].message and "0.0.0.0/0" in hits[0].message
    assert hits[0].severity == "error"


def test_harena_world_open_only_the_sensitive_ports():
    # 80 and 443 are public by design; 3000 is a user service, not Grafana.
    assert {f.line for f in of(HA, "EXP002")} == {sg_rule_line(HA, p) for p in (22, 5432, 6379)}


@pytest.mark.parametrize("port", [3000, 3001, 3002, 3004, 3005, 3006, 3008])
def test_harena_backend_ports_bypass_the_proxy(port):
    line = line_of(HA, COMPOSE, f'"{port}:{port}"')
    hits = [f for f in of(HA, "EXP004") if (f.path, f.line) == (COMPOSE, line)]
    assert len(hits) == 1
    f = hits[0]
    assert f"host port {port}/tcp" in f.message and "open to the world" in f.message
    assert any(r.path == "nginx/conf.d/harena.conf" for r in f.related)
    assert any(r.path == SG and r.line == sg_rule_line(HA, port) for r in f.related)


def test_harena_nginx_itself_is_not_bypassed():
    assert len(of(HA, "EXP004")) == 7
    assert line_of(HA, COMPOSE, '"80:80"') not in {f.line for f in of(HA, "EXP004")}


def test_harena_https_opened_but_never_configured():
    (f,) = of(HA, "EXP005")
    assert (f.path, f.line, f.severity) == (SG, sg_rule_line(HA, 443), "note")
    assert "443/tcp" in f.message


def test_harena_datastores_published_and_open():
    got = {(f.line, f.message.split(" service ")[0]) for f in of(HA, "EXP001")}
    assert got == {(line_of(HA, COMPOSE, '"5432:5432"'), "PostgreSQL"),
                   (line_of(HA, COMPOSE, '"6379:6379"'), "Redis")}


def test_harena_has_no_port_conflict_or_all_traffic_rule():
    assert of(HA, "PORT001") == [] and of(HA, "EXP003") == []


# ---------------------------------------------------------------- lecoffre_node

LC = "lecoffre_node"


@pytest.mark.parametrize("service,entry", [
    ("blindbit", '"0.0.0.0:8000:8000"'),
    ("sdk_relay", '"0.0.0.0:8090:8090"'),
    ("sdk_relay", '"0.0.0.0:8091:8091"'),
    ("sdk_storage", '"0.0.0.0:8081:8080"'),
    ("ihm_client", '"0.0.0.0:3003:3003"'),
])
def test_lecoffre_services_behind_host_nginx_are_published_on_all_interfaces(service, entry):
    line = line_of(LC, COMPOSE, entry)
    hits = [f for f in of(LC, "EXP004") if (f.path, f.line) == (COMPOSE, line)]
    assert len(hits) == 1
    assert hits[0].message.startswith(f"'{service}' is proxied by nginx")
    assert any(r.path.startswith("conf/nginx/") for r in hits[0].related)


def test_lecoffre_loopback_bound_services_are_not_bypassable():
    # lecoffre-front (127.0.0.2), grafana and loki (127.0.0.1) are fronted but not public.
    assert len(of(LC, "EXP004")) == 5


def test_lecoffre_has_no_other_exposure_finding():
    # No security-group rules in this seed; 127.0.0.2:3004 and host nginx's 3000 do not collide.
    assert [f for f in findings(LC) if f.rule != "EXP004"] == []


# ---------------------------------------------------------------- clean_stack


def test_clean_stack_is_silent():
    assert [f for f in findings("clean_stack") if f.severity in ("warning", "error")] == []

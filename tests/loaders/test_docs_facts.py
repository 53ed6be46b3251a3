"""Facts read from docs tables: cells, table kinds, the vocabulary and its user extension."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.knowledge.docs_vocabulary import ORDER_PHRASES, column_role, marks_start_order, synonyms
from auditor.loaders.docs.markdown import parse_doc
from auditor.loaders.docs.facts import extract_facts, parse_destination, parse_ports
from auditor.model import RouteFact, ServicePortsFact, VariableFact

REPO = Path(__file__).resolve().parents[2]


def facts(markdown: str, extra=None):
    doc, _ = parse_doc(markdown, "docs/a.md")
    return extract_facts([doc], extra)


# ---------------------------------------------------------------- cells


@pytest.mark.parametrize("cell, expected", [
    ("8000", [("", 8000, None)]),
    ("0.0.0.0:8000", [("0.0.0.0", 8000, None)]),
    ("127.0.0.2:3004", [("127.0.0.2", 3004, None)]),
    ("[::1]:8080", [("::1", 8080, None)]),
    ("localhost:5432", [("127.0.0.1", 5432, None)]),
    ("38332 (RPC)", [("", 38332, None)]),
    ("8090\n8091", [("", 8090, None), ("", 8091, None)]),
    ("0.0.0.0:8090\n0.0.0.0:8091", [("0.0.0.0", 8090, None), ("0.0.0.0", 8091, None)]),
    ("8090 (WS), 8091 (HTTP)", [("", 8090, None), ("", 8091, None)]),
    ("3000-3008", [("", 3000, 3008)]),
    ("127.0.0.1:53/udp", [("127.0.0.1", 53, None)]),
])
def test_port_cells_understood(cell, expected):
    got = parse_ports(cell)
    assert [(p.address, p.port, p.port_end) for p in got] == expected


@pytest.mark.parametrize("cell", ["-", "—", "–", "N/A", "aucun", "none"])
def test_none_markers_say_no_port(cell):
    assert parse_ports(cell) == ()


@pytest.mark.parametrize("cell", ["", "HTTP 3000", "4000:3000", "voir compose", "8080 ou 8081", "99999",
                                  "3008-3000", "host.docker.internal:80", "8080\nsee below"])
def test_cells_not_understood_state_nothing(cell):
    assert parse_ports(cell) is None


def test_protocol_is_kept_only_when_written():
    (udp,) = parse_ports("53/udp")
    (plain,) = parse_ports("53")
    assert (udp.protocol, plain.protocol) == ("udp", None)


@pytest.mark.parametrize("cell, expected", [
    ("Grafana (3005)", ("Grafana", 3005)),
    ("grafana", ("grafana", None)),
    ("127.0.0.1:3005", ("127.0.0.1", 3005)),
    ("http://api:8080/", ("api", 8080)),
    ("Redirection port 3000", ("Redirection port 3000", None)),
    ("SDK Relay (port 8090)", ("SDK Relay", 8090)),
])
def test_destination_cells(cell, expected):
    assert parse_destination(cell) == expected


# ---------------------------------------------------------------- tables


LECOFFRE_SERVICES = """
## Services Locaux (Docker Compose)

| Service | Container | Port Local | Port Interne | Protocole | URL d'accès |
|---------|-----------|------------|--------------|-----------|-------------|
| **bitcoin** | bitcoin-signet | - | 38332 (RPC)<br>38333 (P2P) | TCP | Réseau interne uniquement |
| **grafana** | grafana | 127.0.0.1:3005 | 3000 | HTTP | http://127.0.0.1:3005 |
"""


def test_french_service_table():
    bitcoin, grafana = facts(LECOFFRE_SERVICES)
    assert isinstance(bitcoin, ServicePortsFact)
    assert (bitcoin.service, bitcoin.container, bitcoin.host_ports) == ("bitcoin", "bitcoin-signet", ())
    assert [p.port for p in bitcoin.container_ports] == [38332, 38333]
    assert [(p.address, p.port) for p in grafana.host_ports] == [("127.0.0.1", 3005)]
    assert grafana.loc.line == 7 and grafana.loc.path == "docs/a.md"


def test_route_table_takes_its_domain_from_the_heading():
    (route,) = facts("## Proxy Nginx (dev4.example.com)\n\n| Route | Destination | Port |\n|---|---|---|\n"
                     "| **/ws/** | sdk_relay | 8090 |\n")
    assert isinstance(route, RouteFact)
    assert (route.path, route.domain, route.destination, route.destination_port, route.listen_port) == \
        ("/ws/", "dev4.example.com", "sdk_relay", 8090, None)


def test_bare_port_is_the_server_port_when_destinations_name_theirs():
    rows = facts("| Domaine | Port | Route | Destination |\n|---|---|---|---|\n"
                 "| dev4.example.com | 80 | `/` | Redirection HTTPS |\n"
                 "| dev4.example.com | 443 | `/grafana/` | Grafana (3005) |\n")
    assert [(r.domain, r.listen_port, r.path, r.destination, r.destination_port) for r in rows] == [
        ("dev4.example.com", 80, "/", "Redirection HTTPS", None),
        ("dev4.example.com", 443, "/grafana/", "Grafana", 3005),
    ]


def test_variable_table_skips_elided_values():
    rows = facts("| Variable | Valeur | Service |\n|---|---|---|\n"
                 "| **GF_SERVER_ROOT_URL** | https://dev4.example.com/grafana/ | grafana |\n"
                 "| API_KEY | `<secret>` | api |\n| TOKEN | ... | |\n| RELAY_URLS | wss://a/ws/,wss://b/ws/ ||\n")
    assert [(v.key, v.value, v.service) for v in rows if isinstance(v, VariableFact)] == [
        ("GF_SERVER_ROOT_URL", "https://dev4.example.com/grafana/", "grafana"),
        ("RELAY_URLS", "wss://a/ws/,wss://b/ws/", ""),
    ]


@pytest.mark.parametrize("table", [
    "| Script | Fonction | Utilisation |\n|---|---|---|\n| start.sh | Démarrage | ./start.sh |\n",
    "| Volume | Services | Données |\n|---|---|---|\n| sdk_data | sdk_relay | Relay data |\n",
    "| Port | Source | Description |\n|---|---|---|\n| 22 | 198.51.100.7/32 | SSH |\n",
    "| Ressource | Valeur | Description |\n|---|---|---|\n| Redis | 203.0.113.10:6379 | Cache |\n",
    "| Service | Description |\n|---|---|\n| grafana | dashboards |\n",
])
def test_tables_without_facts_give_none(table):
    assert facts(table) == []


def test_user_synonyms_extend_the_vocabulary():
    table = "| Composant | Port Hôte |\n|---|---|\n| postgres | 127.0.0.1:5432 |\n"
    assert facts(table) == []
    (fact,) = facts(table, {"service": ["Composant"], "host_port": ["Port Hôte"]})
    assert fact.service == "postgres" and fact.host_ports[0].port == 5432


def test_unknown_roles_in_user_synonyms_are_ignored():
    assert column_role("Machin", synonyms({"no_such_role": ("Machin",)})) is None


def test_headers_match_folded():
    table = synonyms()
    for header in ("Port Interne", "PORT INTERNE", "**Port interne**", "Port Hôte", "Port hote", "Domaine :"):
        assert column_role(header, table) is not None, header


def test_start_order_phrases_live_in_the_vocabulary():
    assert ORDER_PHRASES
    assert marks_start_order("📋 **Ordre de Démarrage des Services**")
    assert not marks_start_order("Services Locaux")


@pytest.mark.parametrize("seed, doc, count", [
    ("lecoffre_node", "docs/architecture.md", 48),
    ("harena", "docs/infrastructure-aws.md", 10),
    ("clean_stack", "docs/architecture.md", 10),
])
def test_seed_docs_give_facts(seed, doc, count):
    text = (REPO / "fixtures" / seed / doc).read_text(encoding="utf-8")
    assert len(facts(text)) == count

"""The port and image tables: coverage of the well-known lists, and image matching."""
from __future__ import annotations

import pytest

from auditor.knowledge import ports as k

# At least what Prowler's and KICS's sensitive-port checks name.
SENSITIVE = [
    (20, "tcp"), (21, "tcp"), (22, "tcp"), (23, "tcp"), (135, "tcp"), (137, "udp"), (139, "tcp"),
    (161, "udp"), (389, "tcp"), (445, "tcp"), (636, "tcp"), (1433, "tcp"), (1434, "udp"),
    (1521, "tcp"), (1883, "tcp"), (2049, "tcp"), (2082, "tcp"), (2083, "tcp"), (2181, "tcp"),
    (2375, "tcp"), (2376, "tcp"), (2379, "tcp"), (2380, "tcp"), (2483, "tcp"), (3306, "tcp"),
    (3389, "tcp"), (4222, "tcp"), (5432, "tcp"), (5601, "tcp"), (5672, "tcp"), (5900, "tcp"),
    (5984, "tcp"), (6000, "tcp"), (6379, "tcp"), (6443, "tcp"), (7000, "tcp"), (7001, "tcp"),
    (7474, "tcp"), (7687, "tcp"), (8086, "tcp"), (8200, "tcp"), (8500, "tcp"), (8983, "tcp"),
    (9042, "tcp"), (9090, "tcp"), (9092, "tcp"), (9160, "tcp"), (9200, "tcp"), (9300, "tcp"),
    (10250, "tcp"), (11211, "tcp"), (11211, "udp"), (15672, "tcp"), (27017, "tcp"),
    (27018, "tcp"), (27019, "tcp"),
]


@pytest.mark.parametrize("port,protocol", SENSITIVE)
def test_sensitive_port_is_known_and_named(port, protocol):
    hits = k.sensitive_ports(port, port, protocol)
    assert hits, f"{port}/{protocol} is not a sensitive port"
    assert all(h.name for h in hits)


@pytest.mark.parametrize("port", [80, 443, 53, 8080])
def test_public_by_design_ports_are_named_but_not_sensitive(port):
    assert k.port_name(port)
    assert k.sensitive_ports(port, port, "tcp") == []


@pytest.mark.parametrize("port", [3000, 9000, 9443, 10000, 8123])
def test_generic_ports_need_the_image(port):
    assert k.sensitive_ports(port, port, "tcp") == []
    assert any(p.generic for p in k.known_ports(port, port, "tcp"))


def test_protocols_matter():
    assert k.sensitive_ports(22, 22, "udp") == []
    assert k.sensitive_ports(161, 161, "tcp") == []
    assert k.sensitive_ports(22, 22, "all")


def test_ranges_overlap():
    names = {p.name for p in k.sensitive_ports(27000, 28000, "tcp")}
    assert names == {"MongoDB"}
    assert {p.name for p in k.sensitive_ports(5000, 5500, "tcp")} == {"PostgreSQL"}


def test_every_entry_is_well_formed():
    for p in k.PORTS:
        assert 0 < p.low <= p.high <= 65535, p
        assert p.protocols and p.protocols <= {"tcp", "udp"}, p
        assert p.category in k.SENSITIVE_CATEGORIES | {"public"}, p


@pytest.mark.parametrize("image,kind", [
    ("postgres", "PostgreSQL"),
    ("postgres:16-alpine", "PostgreSQL"),
    ("docker.io/library/postgres:16@sha256:" + "a" * 64, "PostgreSQL"),
    ("public.ecr.aws/docker/library/redis:7", "Redis"),
    ("localhost:5000/redis", "Redis"),
    ("registry.example.com:5000/mirror/mongo:7", "MongoDB"),
    ("postgis/postgis:16-3.4", "PostgreSQL"),
    ("timescale/timescaledb:latest-pg16", "PostgreSQL"),
    ("mysql:8", "MySQL"),
    ("mariadb:11", "MariaDB"),
    ("percona:8", "MySQL"),
    ("redis/redis-stack:latest", "Redis"),
    ("valkey/valkey:8", "Valkey"),
    ("eqalpha/keydb", "KeyDB"),
    ("memcached:1.6", "Memcached"),
    ("elasticsearch:8.11.0", "Elasticsearch"),
    ("docker.elastic.co/elasticsearch/elasticsearch:8.11.0", "Elasticsearch"),
    ("opensearchproject/opensearch:2", "OpenSearch"),
    ("rabbitmq:3-management", "RabbitMQ"),
    ("bitnami/postgresql:16", "PostgreSQL"),
    ("bitnami/redis:7.2", "Redis"),
    ("bitnami/mongodb", "MongoDB"),
    ("bitnami/kafka:3.7", "Kafka"),
    ("confluentinc/cp-kafka:7.6.0", "Kafka"),
    ("apache/kafka:3.7.0", "Kafka"),
    ("nats:2.10", "NATS"),
    ("eclipse-mosquitto:2", "Mosquitto (MQTT)"),
    ("cassandra:4", "Cassandra"),
    ("couchdb:3", "CouchDB"),
    ("neo4j:5", "Neo4j"),
    ("influxdb:2.7", "InfluxDB"),
    ("clickhouse/clickhouse-server:24.3", "ClickHouse"),
    ("zookeeper:3.9", "ZooKeeper"),
    ("quay.io/coreos/etcd:v3.5.0", "etcd"),
    ("mcr.microsoft.com/mssql/server:2022-latest", "MSSQL"),
])
def test_datastore_images(image, kind):
    assert k.datastore_of_image(image) == kind


@pytest.mark.parametrize("image", [
    None, "", "nginx:1.25", "grafana/grafana:10", "prometheuscommunity/postgres-exporter",
    "oliver006/redis_exporter", "redis-commander", "mongo-express", "minio/minio",
    "git.example.com/4nk/sdk_relay:ext", "grafana/loki:2.9", "provectuslabs/kafka-ui",
])
def test_not_datastore_images(image):
    assert k.datastore_of_image(image) is None


@pytest.mark.parametrize("image", [
    "nginx", "nginx:1.25-alpine", "nginxinc/nginx-unprivileged:stable", "openresty/openresty",
    "traefik:v3", "caddy:2", "haproxy:2.9", "jwilder/nginx-proxy", "nginxproxy/nginx-proxy",
    "jc21/nginx-proxy-manager:latest", "docker.io/library/nginx@sha256:" + "b" * 64,
])
def test_reverse_proxy_images(image):
    assert k.is_reverse_proxy_image(image)


@pytest.mark.parametrize("image", ["node:20", "grafana/grafana", "nginx-exporter/nginx-prometheus-exporter", "postgres"])
def test_not_reverse_proxy_images(image):
    assert not k.is_reverse_proxy_image(image)


@pytest.mark.parametrize("image,name", [
    ("grafana/grafana:10.4.2", "Grafana"), ("prom/prometheus", "Prometheus"),
    ("portainer/portainer-ce:2.19", "Portainer"), ("adminer", "Adminer"),
    ("dpage/pgadmin4", "pgAdmin"), ("phpmyadmin:5", "phpMyAdmin"),
    ("docker.elastic.co/kibana/kibana:8.11.0", "Kibana"),
])
def test_admin_ui_images(image, name):
    assert k.admin_ui_of_image(image) == name


def test_datastore_ports_by_container_port():
    assert k.datastore_port(5432) == "PostgreSQL"
    assert k.datastore_port(6379) == "Redis"
    assert k.datastore_port(27017) == "MongoDB"
    assert k.datastore_port(9000) is None  # ClickHouse's, but also everybody's
    assert k.datastore_port(3000) is None
    assert k.datastore_port(22) is None


def test_host_daemons():
    assert 22 in k.HOST_DAEMON_PORTS

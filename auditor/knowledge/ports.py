"""Ports and images: which services a port number or a container image stands for.

Three tables a reviewer can extend without reading rule code:

- `PORTS`: well-known ports with a human name, the protocols they use and a category. A category
  in `SENSITIVE_CATEGORIES` means "never open this to the whole internet" (EXP002). The list
  covers at least what Prowler's and KICS's sensitive-port checks cover. Ports that are public
  by design (HTTP, HTTPS, DNS, mail) are listed for naming only.
- `DATASTORE_IMAGES`: databases, caches, search engines and message brokers (EXP001), matched
  by repository name whatever the registry, tag or digest.
- `ADMIN_UI_IMAGES` and `REVERSE_PROXY_IMAGES`.

Decisions recorded here:
- A port marked `generic` (Grafana's 3000, Portainer's and ClickHouse's 9000, ...) is the
  default of countless ordinary applications too. Its number alone proves nothing: it counts
  only when the service behind it is recognised by its image.
- MinIO is NOT a datastore here: its S3 API is meant to be reached by clients (presigned URLs),
  so publishing it is a design choice, not the mistake EXP001 looks for. Its image serves API
  and console alike, so it is not an admin-UI image either.
- Host daemons (`HOST_DAEMON_PORTS`) run on the host outside compose and nginx, so auditor never
  sees them listen: a firewall rule for them is never "stale".
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

TCP = frozenset({"tcp"})
UDP = frozenset({"udp"})
BOTH = frozenset({"tcp", "udp"})

# Categories whose ports must not be open to the world (EXP002).
SENSITIVE_CATEGORIES = frozenset({
    "remote-access", "file-sharing", "database", "cache", "search", "broker", "container-api",
    "cluster", "admin-ui", "monitoring", "directory", "network-management",
})
# Categories EXP001 treats as datastores.
DATASTORE_CATEGORIES = frozenset({"database", "cache", "search", "broker"})


@dataclass(frozen=True)
class KnownPort:
    name: str
    low: int
    high: int
    protocols: frozenset[str]
    category: str
    generic: bool = False  # the number is also the default of many ordinary apps

    @property
    def sensitive(self) -> bool:
        return self.category in SENSITIVE_CATEGORIES

    def overlaps(self, low: int, high: int, protocol: str) -> bool:
        return (protocol == "all" or protocol in self.protocols) and self.low <= high and low <= self.high


def _p(name: str, ports: int | tuple[int, int], category: str, protocols: frozenset[str] = TCP,
       generic: bool = False) -> KnownPort:
    low, high = (ports, ports) if isinstance(ports, int) else ports
    return KnownPort(name, low, high, protocols, category, generic)


PORTS: tuple[KnownPort, ...] = (
    # remote access and remote shells
    _p("FTP data", 20, "file-sharing"),
    _p("FTP", 21, "file-sharing"),
    _p("SSH", 22, "remote-access"),
    _p("Telnet", 23, "remote-access"),
    _p("TFTP", 69, "file-sharing", UDP),
    _p("MS RPC", 135, "remote-access", BOTH),
    _p("NetBIOS", (137, 138), "file-sharing", UDP),
    _p("NetBIOS session", 139, "file-sharing"),
    _p("SMB", 445, "file-sharing"),
    _p("rsync", 873, "file-sharing"),
    _p("RDP", 3389, "remote-access", BOTH),
    _p("VNC HTTP", 5800, "remote-access"),
    _p("VNC", (5900, 5903), "remote-access"),
    _p("WinRM", (5985, 5986), "remote-access"),
    _p("X11", (6000, 6063), "remote-access"),
    # file systems and directories
    _p("rpcbind", 111, "file-sharing", BOTH),
    _p("NFS", 2049, "file-sharing", BOTH),
    _p("LDAP", 389, "directory", BOTH),
    _p("LDAPS", 636, "directory"),
    _p("Kerberos", 88, "directory", BOTH),
    _p("SNMP", (161, 162), "network-management", UDP),
    # databases
    _p("MSSQL", 1433, "database"),
    _p("MSSQL Browser", 1434, "database", BOTH),
    _p("Oracle", 1521, "database"),
    _p("Oracle", (2483, 2484), "database"),
    _p("MySQL", 3306, "database"),
    _p("MySQL X Protocol", 33060, "database"),
    _p("PostgreSQL", 5432, "database"),
    _p("CockroachDB", 26257, "database"),
    _p("MongoDB", (27017, 27019), "database"),
    _p("Cassandra", (7000, 7001), "database"),
    _p("Cassandra JMX", 7199, "database"),
    _p("Cassandra", 9042, "database"),
    _p("Cassandra Thrift", 9160, "database"),
    _p("CouchDB", 5984, "database"),
    _p("Erlang port mapper", 4369, "cluster"),
    _p("Neo4j", (7473, 7474), "database"),
    _p("Neo4j Bolt", 7687, "database"),
    _p("InfluxDB", 8086, "database"),
    _p("ClickHouse HTTP", 8123, "database", generic=True),
    _p("ClickHouse", 9000, "database", generic=True),
    _p("RethinkDB", 28015, "database"),
    # caches
    _p("Redis", 6379, "cache"),
    _p("Redis Sentinel", 26379, "cache"),
    _p("Memcached", 11211, "cache", BOTH),
    # search
    _p("Elasticsearch", 9200, "search"),
    _p("Elasticsearch transport", 9300, "search"),
    _p("Solr", 8983, "search"),
    _p("Meilisearch", 7700, "search"),
    _p("Typesense", 8108, "search"),
    # brokers
    _p("RabbitMQ", 5672, "broker"),
    _p("RabbitMQ management", 15672, "broker"),
    _p("RabbitMQ clustering", 25672, "broker"),
    _p("Kafka", 9092, "broker"),
    _p("ZooKeeper", 2181, "broker"),
    _p("NATS", 4222, "broker"),
    _p("NATS cluster", 6222, "broker"),
    _p("NATS monitoring", 8222, "broker"),
    _p("MQTT", 1883, "broker"),
    _p("ActiveMQ", 61616, "broker"),
    _p("Pulsar", 6650, "broker"),
    # container and cluster control planes
    _p("Docker API", (2375, 2376), "container-api"),
    _p("containerd/BuildKit", 2377, "container-api"),
    _p("etcd", (2379, 2380), "cluster"),
    _p("Kubernetes API", 6443, "container-api"),
    _p("kubelet", 10250, "container-api"),
    _p("kubelet read-only", 10255, "container-api"),
    _p("Consul", 8500, "cluster"),
    _p("Consul RPC", (8300, 8302), "cluster", BOTH),
    _p("Vault", 8200, "cluster"),
    _p("Nomad", 4646, "cluster"),
    _p("SaltStack", (4505, 4506), "cluster"),
    _p("Puppet", 8140, "cluster"),
    _p("Hadoop NameNode", 9870, "cluster"),
    _p("Hadoop NameNode", 50070, "cluster"),
    # admin UIs and monitoring
    _p("Grafana", 3000, "admin-ui", generic=True),
    _p("Prometheus", 9090, "monitoring"),
    _p("Alertmanager", 9093, "monitoring"),
    _p("node exporter", 9100, "monitoring"),
    _p("Kibana", 5601, "admin-ui"),
    _p("Portainer", 9000, "admin-ui", generic=True),
    _p("Portainer", 9443, "admin-ui", generic=True),
    _p("Webmin", 10000, "admin-ui", generic=True),
    _p("cPanel", (2082, 2083), "admin-ui"),
    _p("WHM", (2086, 2087), "admin-ui"),
    _p("Jupyter", 8888, "admin-ui", generic=True),
    # public by design: named, never sensitive
    _p("DNS", 53, "public", BOTH),
    _p("SMTP", 25, "public"),
    _p("SMTP submission", 587, "public"),
    _p("SMTPS", 465, "public"),
    _p("IMAPS", 993, "public"),
    _p("HTTP", 80, "public"),
    _p("HTTPS", 443, "public", BOTH),
    _p("HTTP alternate", 8080, "public", generic=True),
    _p("HTTPS alternate", 8443, "public", generic=True),
)

# Ports of daemons that run on the host itself (never in compose or nginx): auditor cannot see
# them listen, so a firewall rule for them is never reported as stale.
HOST_DAEMON_PORTS: frozenset[int] = frozenset({22})


def known_ports(low: int, high: int, protocol: str) -> list[KnownPort]:
    """Known services whose ports overlap `low`-`high` for `protocol` ("all" for any)."""
    return list(_known_ports(low, high, protocol))


@lru_cache(maxsize=4096)
def _known_ports(low: int, high: int, protocol: str) -> tuple[KnownPort, ...]:
    # remembered: rules ask about the same few ports for every service of a stack
    return tuple(p for p in PORTS if p.overlaps(low, high, protocol))


def sensitive_ports(low: int, high: int, protocol: str) -> list[KnownPort]:
    """Sensitive services a port range reveals by number alone (generic numbers excluded)."""
    return [p for p in known_ports(low, high, protocol) if p.sensitive and not p.generic]


def datastore_port(port: int, protocol: str = "tcp") -> Optional[str]:
    """The datastore a container port stands for, when the number is unambiguous."""
    for p in known_ports(port, port, protocol):
        if p.category in DATASTORE_CATEGORIES and not p.generic:
            return p.name
    return None


def port_name(port: int, protocol: str = "tcp") -> Optional[str]:
    hits = known_ports(port, port, protocol)
    return hits[0].name if hits else None


# ---------------------------------------------------------------- images

# Repository name -> human name. A bare name (no `/`) also matches as the last path segment
# under any namespace or mirror (`mirror.example.com/library/postgres`, `someorg/redis`); a name
# with a `/` matches that path exactly; a name ending in `/` matches a whole namespace.
DATASTORE_IMAGES: dict[str, str] = {
    # PostgreSQL family
    "postgres": "PostgreSQL", "postgresql": "PostgreSQL", "postgis/postgis": "PostgreSQL",
    "timescale/timescaledb": "PostgreSQL", "timescale/timescaledb-ha": "PostgreSQL",
    "timescaledb": "PostgreSQL", "supabase/postgres": "PostgreSQL", "pgvector/pgvector": "PostgreSQL",
    "cockroachdb/cockroach": "CockroachDB",
    # MySQL family
    "mysql": "MySQL", "mysql/mysql-server": "MySQL", "mysql/community-server": "MySQL",
    "mariadb": "MariaDB", "percona": "MySQL", "percona/percona-server": "MySQL",
    "percona-server": "MySQL", "postgresql-repmgr": "PostgreSQL",
    "mongodb-sharded": "MongoDB", "clickhouse-server": "ClickHouse",
    # other relational
    "mssql/server": "MSSQL", "azure-sql-edge": "MSSQL", "gvenzl/oracle-xe": "Oracle",
    "gvenzl/oracle-free": "Oracle", "database/express": "Oracle", "database/free": "Oracle",
    # document, graph, wide-column, time series
    "mongo": "MongoDB", "mongodb": "MongoDB", "mongodb/mongodb-community-server": "MongoDB",
    "percona/percona-server-mongodb": "MongoDB", "percona-server-mongodb": "MongoDB",
    "cassandra": "Cassandra", "scylladb/scylla": "ScyllaDB", "couchdb": "CouchDB",
    "neo4j": "Neo4j", "arangodb": "ArangoDB", "rethinkdb": "RethinkDB", "influxdb": "InfluxDB",
    "clickhouse/clickhouse-server": "ClickHouse", "yandex/clickhouse-server": "ClickHouse",
    "clickhouse": "ClickHouse", "questdb/questdb": "QuestDB", "surrealdb/surrealdb": "SurrealDB",
    "etcd": "etcd", "coreos/etcd": "etcd", "etcd-development/etcd": "etcd",
    # caches
    "redis": "Redis", "redis-stack": "Redis", "redis-stack-server": "Redis",
    "redis/redis-stack": "Redis", "redis/redis-stack-server": "Redis", "redis-cluster": "Redis",
    "valkey/valkey": "Valkey", "valkey": "Valkey", "eqalpha/keydb": "KeyDB", "keydb": "KeyDB",
    "dragonflydb/dragonfly": "Dragonfly", "memcached": "Memcached",
    # search
    "elasticsearch": "Elasticsearch", "elasticsearch/elasticsearch": "Elasticsearch",
    "opensearchproject/opensearch": "OpenSearch", "opensearch": "OpenSearch", "solr": "Solr",
    "getmeili/meilisearch": "Meilisearch", "typesense/typesense": "Typesense",
    # brokers
    "rabbitmq": "RabbitMQ", "confluentinc/cp-kafka": "Kafka", "confluentinc/cp-server": "Kafka",
    "apache/kafka": "Kafka", "apache/kafka-native": "Kafka", "kafka": "Kafka",
    "wurstmeister/kafka": "Kafka", "redpandadata/redpanda": "Redpanda",
    "vectorized/redpanda": "Redpanda", "confluentinc/cp-zookeeper": "ZooKeeper",
    "zookeeper": "ZooKeeper", "wurstmeister/zookeeper": "ZooKeeper", "nats": "NATS",
    "nats-streaming": "NATS", "eclipse-mosquitto": "Mosquitto (MQTT)", "emqx": "EMQX (MQTT)",
    "emqx/emqx": "EMQX (MQTT)", "vernemq/vernemq": "VerneMQ (MQTT)",
    "apache/activemq-classic": "ActiveMQ", "apache/activemq-artemis": "ActiveMQ",
    "rmohr/activemq": "ActiveMQ", "apachepulsar/pulsar": "Pulsar",
}

ADMIN_UI_IMAGES: dict[str, str] = {
    "grafana/grafana": "Grafana", "grafana/grafana-oss": "Grafana",
    "grafana/grafana-enterprise": "Grafana", "prom/prometheus": "Prometheus",
    "prom/alertmanager": "Alertmanager", "portainer/portainer": "Portainer",
    "portainer/portainer-ce": "Portainer", "portainer/portainer-ee": "Portainer",
    "portainer/agent": "Portainer agent", "adminer": "Adminer", "dpage/pgadmin4": "pgAdmin",
    "phpmyadmin": "phpMyAdmin", "phpmyadmin/phpmyadmin": "phpMyAdmin",
    "mongo-express": "mongo-express", "rediscommander/redis-commander": "Redis Commander",
    "redis/redisinsight": "RedisInsight", "redislabs/redisinsight": "RedisInsight",
    "kibana": "Kibana", "kibana/kibana": "Kibana",
    "opensearchproject/opensearch-dashboards": "OpenSearch Dashboards",
    "netdata/netdata": "Netdata", "cadvisor/cadvisor": "cAdvisor",
    "grafana": "Grafana", "prometheus": "Prometheus", "amir20/dozzle": "Dozzle", "louislam/dockge": "Dockge",
}

REVERSE_PROXY_IMAGES: frozenset[str] = frozenset({
    "nginx", "nginxinc/", "openresty/openresty", "openresty", "traefik", "caddy", "haproxy",
    "jwilder/nginx-proxy", "nginxproxy/nginx-proxy", "jc21/nginx-proxy-manager",
    "bitnami/nginx", "bitnami/openresty", "envoyproxy/envoy", "linuxserver/swag",
    "linuxserver/nginx", "nginx-proxy-manager",
})


@lru_cache(maxsize=4096)
def image_repository(image: Optional[str]) -> str:
    """`registry:5000/ns/name:tag@sha256:...` -> `ns/name`; Docker Hub's `library/` dropped."""
    if not image:
        return ""
    text = image.strip().lower().split("@", 1)[0]
    parts = [p for p in text.split("/") if p]
    if not parts:
        return ""
    if ":" in parts[-1]:
        parts[-1] = parts[-1].split(":", 1)[0]
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # a registry host
    if parts[:2] == ["docker", "library"] and len(parts) > 2:
        parts = parts[2:]  # Docker Hub's official images behind a mirror (public.ecr.aws)
    elif parts[0] == "library" and len(parts) > 1:
        parts = parts[1:]
    return "/".join(parts)


def _lookup(image: Optional[str], table: Iterable[str]) -> Optional[str]:
    repo = image_repository(image)
    if not repo:
        return None
    return _lookup_repo(repo, _frozen(table))


_FROZEN: dict[int, tuple[Iterable[str], frozenset[str]]] = {}


def _frozen(table: Iterable[str]) -> frozenset[str]:
    """The names of one of this module's tables, as a set made once (keyed by the table, kept
    alive with it)."""
    hit = _FROZEN.get(id(table))
    if hit is None or hit[0] is not table:
        hit = _FROZEN[id(table)] = (table, frozenset(table))
    return hit[1]


@lru_cache(maxsize=4096)
def _lookup_repo(repo: str, names: frozenset[str]) -> Optional[str]:
    if repo in names:
        return repo
    for name in names:
        if name.endswith("/") and repo.startswith(name):
            return name
    last = repo.rsplit("/", 1)[-1]
    if last in names:  # table names without `/` match under any namespace
        return last
    # `docker.elastic.co/elasticsearch/elasticsearch` style: namespace/name exact after a mirror
    tail = "/".join(repo.split("/")[-2:])
    if tail in names:
        return tail
    return None


def datastore_of_image(image: Optional[str]) -> Optional[str]:
    """The datastore an image runs ("PostgreSQL"), or None."""
    hit = _lookup(image, DATASTORE_IMAGES)
    return DATASTORE_IMAGES[hit] if hit else None


def image_may_run(image: Optional[str], kind: str) -> bool:
    """Whether an image outside the tables may still run a datastore such as `kind`: its name
    says it runs one (`acme/elasticsearch-icu`, `jc21/mariadb-aria` on MySQL's port). An
    image named otherwise (`owncloud/ocis`, which serves HTTP on 9200) runs something else."""
    repo = image_repository(image)
    words = {kind.lower().split()[0]} | {v.lower().split()[0] for v in DATASTORE_IMAGES.values()} \
        | {k.rsplit("/", 1)[-1] for k in DATASTORE_IMAGES}
    return any(len(w) >= 4 and w not in _GENERIC_IMAGE_WORDS and w in repo for w in words)


# words of datastore image names that say nothing by themselves (`mssql/server`)
_GENERIC_IMAGE_WORDS = frozenset({"server", "cluster", "stack", "community", "enterprise", "express", "free"})


def admin_ui_of_image(image: Optional[str]) -> Optional[str]:
    hit = _lookup(image, ADMIN_UI_IMAGES)
    return ADMIN_UI_IMAGES[hit] if hit else None


def is_reverse_proxy_image(image: Optional[str]) -> bool:
    return _lookup(image, REVERSE_PROXY_IMAGES) is not None


def service_kind_of_image(image: Optional[str]) -> Optional[str]:
    """What sensitive service an image runs, for naming exposed ports: datastore or admin UI."""
    return datastore_of_image(image) or admin_ui_of_image(image)

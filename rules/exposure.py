"""EXP: what the internet can reach: published datastores, world-open firewall rules, proxies
bypassed through a published port, and firewall openings nothing uses."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator, Optional

from auditor.graph import addresses as addr
from auditor.graph.build import command_listens
from auditor.graph.model import Exposure, Graph, Listener, ProxyLink
from auditor.knowledge import ports as known
from auditor.model import Loc, Problem, Related, SecurityGroupRule, Service, span_text
from auditor.registry import rule

_PORT_PROTOCOLS = ("tcp", "udp", "sctp")


# ---------------------------------------------------------------- shared helpers


def _exposure_of(graph: Graph) -> dict[int, Exposure]:
    return {e.listener: e for e in graph.exposures}


def _published(l: Listener) -> str:
    return f"host port {span_text(l.port, l.port_end)}/{l.protocol} on {addr.describe_bind(l.address)}"


def _rule_related(locs: Iterable[Loc], message: str) -> tuple[Related, ...]:
    unique = sorted(set(locs), key=lambda x: (x.path, x.line, x.column))
    return tuple(Related.at(x, message) for x in unique)


def _rule_range(r: SecurityGroupRule) -> Optional[tuple[int, int]]:
    """The port range of a tcp/udp/sctp rule; None when it has no resolved port range."""
    if r.protocol not in _PORT_PROTOCOLS or {"protocol", "from_port", "to_port"} & set(r.unresolved):
        return None
    low = r.from_port if r.from_port is not None and r.from_port >= 0 else 0
    high = r.to_port if r.to_port is not None and r.to_port >= 0 else 65535
    return (min(low, high), max(low, high))


def _all_traffic(r: SecurityGroupRule) -> bool:
    if "protocol" in r.unresolved:
        return False
    if r.protocol == "all":
        return True
    rng = _rule_range(r)
    return rng is not None and rng[0] <= 1 and rng[1] >= 65535


def _grouped(rules: Iterable[SecurityGroupRule]) -> dict[tuple, list[SecurityGroupRule]]:
    """Rules of one entry (one JSON object, one Terraform block) that differ only by source."""
    out: dict[tuple, list[SecurityGroupRule]] = defaultdict(list)
    for r in rules:
        out[(r.loc.path, r.loc.line, r.loc.column, r.group_id, r.group_name, r.protocol,
             r.from_port, r.to_port)].append(r)
    return out


def _sources(rules: list[SecurityGroupRule]) -> str:
    """`0.0.0.0/0 and ::/0`, with how a computed source was resolved when it was
    (`0.0.0.0/0 by default (parameter SSHLocation)`)."""
    names = sorted({r.source for r in rules}, key=lambda s: (":" in s, s))
    via = sorted({r.via for r in rules if r.via})
    return " and ".join(names) + "".join(f" {v}" for v in via)


def _rule_subject(r: SecurityGroupRule) -> str:
    group = r.group_name or r.group_id
    return f"security group '{group}'" if group else "security-group rule"


def _world_ingress(graph: Graph) -> list[SecurityGroupRule]:
    return [r for r in graph.sg_rules if r.direction == "ingress" and r.world]


# ---------------------------------------------------------------- EXP001


@rule("EXP001", "public-datastore-port", "error",
      "A database, cache, search or message-broker service publishes a port on all interfaces.",
      tags=("security", "exposure"))
def public_datastore_port(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds a database, cache, search engine or message broker (recognised by its image, such as
    `postgres`, `bitnami/redis` or `docker.elastic.co/elasticsearch/elasticsearch`, whatever the
    registry, tag or digest, or else by a container port that only a datastore uses, such as
    5432 or 27017, when the image does not say otherwise: a service built from a Dockerfile, or
    an image whose name fits that datastore, but not `owncloud/ocis` on 9200) that publishes a host port on all interfaces (`"5432:5432"`, `0.0.0.0`,
    `::`) or on a public address. A port bound to `127.0.0.1` is fine.

    Where security-group rules are part of the scan, the firewall decides: a port that no rule
    opens, or that rules open only to specific sources, is not reachable from the internet and
    is not reported. Without firewall rules, a published port is taken as reachable: Docker
    writes its own iptables rules, past `ufw`.

    ## Why is this bad?
    Datastores are the crown jewels and are built to trust their network: default or weak
    passwords, unauthenticated Redis and Elasticsearch, and scanners that find a new open
    PostgreSQL within minutes. The other services of the stack reach it over the compose
    network and never needed the published port.

    ## Example
    ```yaml
    services:
      postgres:
        image: postgres:16
        ports:
          - "5432:5432"       # every interface, the public one included
    ```

    ## How to fix
    Drop `ports:` (services reach `postgres:5432` over the compose network), or bind it to the
    loopback for host tools: `"127.0.0.1:5432:5432"`.

    `auditor fix --unsafe-fixes` publishes the port on 127.0.0.1 only (unsafe: clients on other
    machines lose access).
    """
    exposures = _exposure_of(graph)
    for i, l in enumerate(graph.listeners):
        if l.kind != "compose":
            continue
        service = graph.service(l.service)
        if service is None:
            continue
        kind = known.datastore_of_image(service.image) or _datastore_by_port(l, service)
        exposure = exposures.get(i)
        if kind is None or exposure is None or not exposure.reachable:
            continue
        message = f"{kind} service '{service.name}' publishes {_published(l)}"
        related: tuple[Related, ...] = ()
        if exposure.firewall == "open":
            message += ", and the security group opens it to the world"
            related = _rule_related(exposure.rules, "the security group opens it here")
        yield Problem(message=message, loc=l.loc, related=related,
                      impact="critical" if exposure.firewall == "open" else None)


def _datastore_by_port(l: Listener, service: Service) -> Optional[str]:
    """The datastore a container port stands for, when the image does not say otherwise: a
    service built here (its image is the local build's name), or one whose image is not
    written out, is taken by its port; a named image only when its name fits the datastore."""
    if l.target is None:
        return None
    image = service.image or ""
    named = bool(known.image_repository(image)) and "$" not in image and service.build is None
    span = min(l.port_end - l.port, 64)  # a huge range is not a datastore's port
    for target in range(l.target, l.target + span + 1):
        name = known.datastore_port(target, l.protocol)
        if name and (not named or known.image_may_run(image, name)):
            return name
    return None


# ---------------------------------------------------------------- EXP002


@rule("EXP002", "world-open-ingress", "error",
      "A security-group rule opens a sensitive port to 0.0.0.0/0 or ::/0.",
      tags=("security", "exposure", "firewall"))
def world_open_ingress(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds a security-group ingress rule (AWS JSON, Terraform, CloudFormation) that opens a
    sensitive port to the whole internet (`0.0.0.0/0` or `::/0`): remote access (SSH, RDP,
    Telnet, VNC, X11, WinRM), file sharing (FTP, SMB, NetBIOS, NFS), databases, caches, search
    engines, brokers, container and cluster control planes (Docker API, etcd, Kubernetes,
    Consul, Vault) and admin or monitoring UIs. A port range counts when it overlaps such a
    port. The table lives in `auditor/knowledge/ports.py`.

    A port number that ordinary applications use just as often (3000, 9000, 8888, 10000) counts
    only when the service published behind it is recognised by its image (a `grafana/grafana`
    container published on the opened port). Ports that are public by design (80, 443, DNS,
    mail) never count. A rule that opens every port or every protocol is EXP003's finding.

    Values that templates compute count when they are known before deployment: a
    CloudFormation parameter's `Default` (`CidrIp: !Ref SSHLocation` with `Default: 0.0.0.0/0`:
    most stacks are deployed with their defaults), `Fn::If` over conditions on such defaults,
    `Fn::Sub`, `Fn::Join`, `Fn::Select` and `Fn::FindInMap` over literal mappings; the message
    then says "by default (parameter SSHLocation)". A resource whose `Condition` is false with
    the defaults is not created. In Terraform, a variable's `default` and `locals` count the
    same way ("by default (variable admin_cidrs)"), and calls to the
    terraform-aws-modules/security-group module (registry or local source, its
    `//modules/<name>` presets) open what their inputs say: `ingress_rules` by name
    (`postgresql-tcp` is 5432/tcp) over `ingress_cidr_blocks`, and `ingress_with_cidr_blocks`
    entries ("through module 'db_sg' (rule postgresql-tcp)"); `create = false` creates nothing.
    Anything else computed (a parameter or variable without a default, `AWS::Region`, data
    sources, imports, resource attributes) is unknown and reported by nobody.

    One finding per rule entry and service, at the rule.

    ## Why is this bad?
    These services are scanned for continuously; an open SSH or database port is brute-forced
    within hours, and several of them (Docker API, Redis, Elasticsearch, etcd) give away the
    host with no password at all.

    ## Example
    ```json
    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
     "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "PostgreSQL"}]}
    ```

    ## How to fix
    Restrict the source to the addresses that need it (an office or VPN CIDR, the security
    group of the instances that connect), reach admin ports through SSM or a bastion, and keep
    datastores off the firewall entirely: the stack reaches them over the compose network.
    """
    for rules in _grouped(_world_ingress(graph)).values():
        r = rules[0]
        rng = _rule_range(r)
        if rng is None or _all_traffic(r):
            continue
        for name, ports in _sensitive_behind(graph, r, rng).items():
            opened = span_text(*rng)
            shown = ",".join(ports)
            if shown == opened:
                what = f"{opened}/{r.protocol} ({name})"
            else:
                what = f"{opened}/{r.protocol}, which includes {shown} ({name}),"
            yield Problem(message=f"{_rule_subject(r)} opens {what} to {_sources(rules)}", loc=r.loc,
                          impact="critical" if name in _DATASTORES else None)


# Names of datastores (by port or by image): a world-open one is the worst case of EXP002.
_DATASTORES = frozenset({p.name for p in known.PORTS if p.category in known.DATASTORE_CATEGORIES}
                        | set(known.DATASTORE_IMAGES.values()))


def _sensitive_behind(graph: Graph, r: SecurityGroupRule, rng: tuple[int, int]) -> dict[str, list[str]]:
    """Sensitive services an opened range reaches, by port number or by the image behind it."""
    found: dict[str, list[str]] = {}

    def add(name: str, low: int, high: int) -> None:
        text = span_text(max(low, rng[0]), min(high, rng[1]))
        found.setdefault(name, [])
        if text not in found[name]:
            found[name].append(text)

    for p in known.sensitive_ports(rng[0], rng[1], r.protocol):
        add(p.name, p.low, p.high)
    for l in graph.listeners_over(rng[0], rng[1]):
        if l.kind != "compose" or l.protocol != r.protocol or addr.is_loopback(l.address):
            continue
        if l.port > rng[1] or l.port_end < rng[0]:
            continue
        service = graph.service(l.service)
        name = known.service_kind_of_image(service.image) if service else None
        if name:
            add(name, l.port, l.port_end)
    return found


# ---------------------------------------------------------------- EXP003


@rule("EXP003", "all-traffic-open", "error",
      "A security-group ingress rule opens all protocols or all ports to the world.",
      tags=("security", "exposure", "firewall"))
def all_traffic_open(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds a security-group ingress rule that opens every protocol (`IpProtocol: "-1"`,
    `protocol = "all"`) or every port of a protocol (`0-65535`, `1-65535`) to `0.0.0.0/0` or
    `::/0`. ICMP rules are not concerned.

    ## Why is this bad?
    The firewall no longer protects anything: every service the host runs now or later, every
    debug port and every datastore someone publishes for a minute is on the internet.

    ## Example
    ```json
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ```

    ## How to fix
    Replace the rule by one rule per port the world must reach (usually 80 and 443) and
    restrict the others to known sources.
    """
    for rules in _grouped(_world_ingress(graph)).values():
        r = rules[0]
        if not _all_traffic(r):
            continue
        if r.protocol == "all":
            what = "all traffic (every protocol and port)"
        else:
            what = f"every {r.protocol} port"
        yield Problem(message=f"{_rule_subject(r)} opens {what} to {_sources(rules)}", loc=r.loc)


# ---------------------------------------------------------------- EXP004


@rule("EXP004", "proxy-bypass", "warning",
      "A service behind nginx is also reachable directly from outside.",
      tags=("security", "exposure", "nginx"))
def proxy_bypass(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds a compose service that nginx proxies to (on the host through a loopback port, or in a
    container through the service name) and that also publishes a port on all interfaces or a
    public address. Where security-group rules are part of the scan, the port must also be open
    to the world in them; without rules it is taken as reachable, since Docker publishes ports
    past `ufw`. Every public port of a fronted service is reported: any of them skips the proxy.

    The reverse proxy itself is never "bypassed": the nginx container's own 80/443, and any
    service running a reverse-proxy image (nginx, Traefik, Caddy, HAProxy, ...), are expected
    to be public. A port bound to `127.0.0.1` is not public.

    ## Why is this bad?
    Everything the proxy adds is skipped on the direct port: TLS, authentication, rate limits,
    IP allow-lists, security headers, request size limits and access logs. The service also
    trusts `X-Forwarded-*` headers that a direct client can now forge.

    ## Example
    ```yaml
    services:
      api:
        ports:
          - "0.0.0.0:8000:8000"   # nginx proxies /api/ to 127.0.0.1:8000, but so can anyone
    ```

    ## How to fix
    Bind the port to the loopback (`"127.0.0.1:8000:8000"`) when nginx runs on the host, or
    drop `ports:` entirely when nginx runs in compose and reaches `api:8000` over the network;
    then close the port in the security group.

    `auditor fix` publishes the port on the loopback address nginx already uses, and restates
    the docs table (safe when every route to the service goes through that address or the
    compose network; unsafe otherwise).
    """
    fronted = _fronted_services(graph)
    exposures = _exposure_of(graph)
    for i, l in enumerate(graph.listeners):
        links = fronted.get(l.service or "") if l.kind == "compose" else None
        exposure = exposures.get(i)
        if not links or exposure is None or not exposure.reachable:
            continue
        service = graph.service(l.service)
        name = service.name if service else l.service
        message = f"'{name}' is proxied by nginx but also publishes {_published(l)}"
        related = _rule_related((k.loc for k in links), "nginx proxies to it here")
        if exposure.firewall == "open":
            message += ", open to the world in the security group"
            related += _rule_related(exposure.rules, "the security group opens it here")
        yield Problem(message=message + ", so clients can bypass the proxy", loc=l.loc, related=related)


def _fronted_services(graph: Graph) -> dict[str, list[ProxyLink]]:
    runners = {c.id: c.runs_in for c in graph.nginx}
    out: dict[str, list[ProxyLink]] = defaultdict(list)
    for link in graph.proxy_links:
        if link.kind != "service" or not link.service or link.service == runners.get(link.config):
            continue
        service = graph.service(link.service)
        if service is not None and known.is_reverse_proxy_image(service.image):
            continue  # a proxy behind a proxy: its public ports are its job
        out[link.service].append(link)
    return out


# ---------------------------------------------------------------- EXP005


@rule("EXP005", "stale-ingress", "note",
      "A security-group rule opens a port that nothing on the host listens on.",
      tags=("exposure", "firewall"))
def stale_ingress(graph: Graph, host_daemon_ports: Iterable[int] = tuple(sorted(known.HOST_DAEMON_PORTS))) -> Iterator[Problem]:
    """
    ## What it does
    Finds a security-group ingress rule that opens a port (or range) on which nothing of the
    scanned stack listens: no compose published port and no `listen` of a host nginx covers it
    (an nginx container's 80 counts through its published port). A listener bound only to the
    loopback does not count: the opening reaches nothing.

    Not concerned: rules for every port or every protocol (EXP003), ICMP, and ports of daemons
    that run on the host outside compose and nginx, which auditor cannot see (option
    `host_daemon_ports`, default `[22]` for sshd). Only security groups that evidently protect
    this host are checked (at least one of their rules reaches a listener): a group of a managed
    database or a load balancer in the same file is left alone. Nothing is checked when the scan
    holds no compose project and no nginx configuration.

    ## Why is this bad?
    A forgotten opening is an exposure waiting for its service: the next container published on
    that port is on the internet at once, unnoticed. It also tells readers a service exists
    there, which misleads whoever maintains the stack (443 opened for a TLS setup never done).

    ## Example
    ```json
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
     "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS - not configured yet"}]}
    ```

    ## How to fix
    Revoke the rule, or configure what it was opened for (here: a `listen 443 ssl` server).
    A `network_mode: host` service listens where its command's well-known flags say
    (`--web.listen-address=:9100`, `--port 9100`); when they say nothing, the host's ports are
    not all known and the rule stays silent.

    If a host daemon auditor cannot see uses the port, add it to the rule's
    `host_daemon_ports` option.

    ## Options
    - `host_daemon_ports` (default `[22]`): ports that daemons outside compose and nginx listen
      on (sshd); openings of these ports are not reported.
    """
    if not graph.projects and not graph.nginx:
        return
    if any(s.network_mode == "host" and not s.ports and not command_listens(s.command) for s in graph.services):
        return  # a host-network service listens where nothing here says: any port may be its
    daemons = {int(p) for p in host_daemon_ports if str(p).strip().isascii() and str(p).strip().isdigit()}
    ingress = [r for r in graph.sg_rules if r.direction == "ingress"]
    attached = {_group_key(r) for r in ingress if _rule_range(r) is not None and _reaching(graph, r)}
    attached |= {_group_key(r) for r in ingress if r.protocol == "all" and _reaching(graph, r)}
    for rules in _grouped(ingress).values():
        r = rules[0]
        rng = _rule_range(r)
        if rng is None or _all_traffic(r) or _group_key(r) not in attached:
            continue
        if any(rng[0] <= p <= rng[1] for p in daemons) or _reaching(graph, r):
            continue
        opened = f"{span_text(*rng)}/{r.protocol}"
        loopback = sorted({_listener_name(graph, l) for l in _covering(graph, r)})
        if loopback:
            why = f"only the loopback listener(s) {', '.join(loopback)} use it"
        elif rng[0] == rng[1]:
            why = "nothing on the host listens on it"
        else:
            why = "nothing on the host listens on any of these ports"
        yield Problem(message=f"{_rule_subject(r)} opens {opened} to {_sources(rules)}, but {why}", loc=r.loc)


def _group_key(r: SecurityGroupRule) -> tuple[str, str]:
    return (r.loc.path, r.group_id or r.group_name)


def _covering(graph: Graph, r: SecurityGroupRule) -> list[Listener]:
    rng = _rule_range(r)
    if r.protocol == "all":
        return list(graph.listeners)
    if rng is None:
        return []
    return [l for l in graph.listeners_over(rng[0], rng[1])
            if l.protocol == r.protocol and l.port <= rng[1] and rng[0] <= l.port_end]


def _reaching(graph: Graph, r: SecurityGroupRule) -> bool:
    """Whether the rule lets traffic reach a listener bound beyond the loopback."""
    return any(not addr.is_loopback(l.address) for l in _covering(graph, r))


def _listener_name(graph: Graph, l: Listener) -> str:
    if l.kind == "nginx":
        return f"host nginx ({l.address})"
    service = graph.service(l.service)
    return f"'{service.name if service else l.service}' ({l.address})"

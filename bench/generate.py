"""A realistic synthetic stack of N services, with seeded defects of every rule family.

Run: `python bench/generate.py N DIR`. `bench/run.py` calls `generate()` for each size.

Shape (what real self-hosted repositories look like, scaled up):
- services in compose projects of 25 (`GROUP`): the even projects live side by side in the root
  folder (`compose.gNNN.yml`, each named with `name:`, all reading the root `.env`), the odd
  ones in folders of their own (`stacks/gNNN/docker-compose.yml` and their own `.env`), so both
  a shared env file read by many projects and many small projects are exercised;
- host ports interpolated from the env (`${APP7_PORT:-10007}`), images, healthchecks,
  depends_on, volumes, logging, and environments with URLs, connection strings and secret
  references;
- env files with several keys per service (port, tag, log level, public URL, ...);
- a host nginx with one site per project: a TLS server per service with locations `/`, `/api/`
  and `/ws/`, plus one wildcard and one regex server per project;
- AWS security groups (describe-security-groups JSON), one group per project, one rule per
  service;
- a docs table of every service, its port and URL.

Seeded defects, in slot `i % GROUP` of each project (so every project carries each family):
AUD (a broken nginx file, an unclosed quote in an env file), PORT, EXP, SEC, URL, ORD, NGX,
ENV and DRF. Everything is deterministic: the same N gives the same bytes.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

GROUP = 25
ROLES = ("api", "web", "worker", "db", "cache", "grafana", "search", "queue")
IMAGES = {
    "api": "ghcr.io/example/api:{tag}", "web": "ghcr.io/example/web:{tag}",
    "worker": "ghcr.io/example/worker:{tag}", "db": "postgres:16.3", "cache": "redis:7.2",
    "grafana": "grafana/grafana:10.4.2", "search": "opensearchproject/opensearch:2.13.0",
    "queue": "rabbitmq:3.13-management",
}
CONTAINER_PORT = {"api": 8080, "web": 3000, "worker": 9000, "db": 5432, "cache": 6379,
                  "grafana": 3000, "search": 9200, "queue": 5672}
# Datastores and brokers are not proxied by nginx; the rest are sites.
SITES = ("api", "web", "worker", "grafana")


def _name(i: int) -> str:
    return f"{ROLES[i % len(ROLES)]}{i}"


def _var(i: int) -> str:
    return f"{ROLES[i % len(ROLES)].upper()}{i}"


def _host_port(i: int) -> int:
    return 10000 + i


def _fake_secret(i: int, salt: str) -> str:
    """A deterministic value that looks like a real credential (mixed case, digits, no word)."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    x = (i + 1) * 2654435761 + sum(map(ord, salt)) * 40503
    out = []
    for _ in range(24):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(alphabet[(x >> 33) % len(alphabet)])
    return "".join(out)


class _Group:
    """One compose project of up to GROUP services."""

    def __init__(self, g: int, services: range):
        self.g = g
        self.services = services
        self.in_root = g % 2 == 0
        self.folder = "" if self.in_root else f"stacks/g{g:03d}"
        self.compose_name = f"compose.g{g:03d}.yml" if self.in_root else "docker-compose.yml"
        self.db = next((i for i in services if ROLES[i % len(ROLES)] == "db"), None)

    def slot(self, i: int) -> int:
        return i % GROUP


def _service(grp: _Group, i: int, lines: list[str], env: list[str]) -> None:
    role = ROLES[i % len(ROLES)]
    name, var, slot = _name(i), _var(i), grp.slot(i)
    port = _host_port(i)
    cport = CONTAINER_PORT[role]
    tag = f"1.{i % 40}.{i % 7}"
    env += [f"# {name}", f"{var}_PORT={port}", f"{var}_TAG={tag}", f"{var}_LOG_LEVEL=info",
            f"{var}_PUBLIC_URL=https://{name}.example.org/"]
    image = IMAGES[role].format(tag=f"${{{var}_TAG:-{tag}}}")
    lines += [f"  {name}:", f"    image: {image}", "    restart: unless-stopped"]
    lines += [f"    container_name: {name}"]
    # ports: loopback behind nginx, interpolated from the env
    # internal services publish on every interface, for the other hosts of the VPC
    bind = ""
    if slot == 3:
        port = _host_port(i - 1)  # PORT001: the same host port as the previous service
    published = f"{bind}${{{var}_PORT:-{port}}}:{cport}"
    if role in ("db", "cache") and slot != 11:
        published = f"127.0.0.1:{port}:{cport}"
    if slot == 11 and role in ("db", "cache", "search", "queue"):
        published = f"{port}:{cport}"  # EXP001: a datastore on every interface
    lines += ["    ports:", f'      - "{published}"']
    # environment
    lines += ["    environment:", f"      LOG_LEVEL: ${{{var}_LOG_LEVEL:-info}}",
              f"      PUBLIC_URL: ${{{var}_PUBLIC_URL}}", "      TZ: Europe/Paris"]
    if grp.db is not None and role in ("api", "worker"):
        db = _name(grp.db)
        lines += [f"      DATABASE_URL: postgresql://app:${{{_var(grp.db)}_PASSWORD}}@{db}:5432/app"]
    if role == "db":
        lines += ["      POSTGRES_USER: app", f"      POSTGRES_PASSWORD: ${{{var}_PASSWORD}}",
                  "      POSTGRES_DB: app"]
        env.append(f"{var}_PASSWORD=${{POSTGRES_PASSWORD_FROM_VAULT:-}}")
    if role == "grafana" or slot == 9:
        password = "admin" if slot == 9 else f"${{{var}_ADMIN_PASSWORD:-}}"  # SEC003
        lines += ["      GF_SECURITY_ADMIN_USER: admin", f"      GF_SECURITY_ADMIN_PASSWORD: {password}",
                  f"      GF_SERVER_ROOT_URL: https://{name}.example.org/"]
    if slot == 15:
        # URL001: the env file and this service disagree on one endpoint
        env.append(f"G{grp.g}_CHECKOUT_API_URL=https://checkout.example.org/v1/")
        lines += [f"      G{grp.g}_CHECKOUT_API_URL: https://checkout-staging.example.org/v2/"]
    if slot == 7:
        lines += [f'      API_SECRET_KEY: "{_fake_secret(i, "key")}"']  # SEC001
    if slot == 8:
        env.append(f"{var}_BROKER_URL=amqp://app:{_fake_secret(i, 'amqp')}@queue{i}:5672/")  # SEC002
    if slot == 19:
        lines += [f"      UPSTREAM_TOKEN: ${{{var}_UPSTREAM_TOKEN}}"]  # ENV002: set nowhere
    if slot == 14:
        # URL004: an internal call through the public address of the host
        lines += [f"      {var}_INTERNAL_URL: http://203.0.113.10:{_host_port(i - 1)}/"]
    if slot == 12:
        env.append(f"{var}_EVENTS_URL=https://{name}.example.org/events/stream")  # URL002
    if slot == 18:
        env.append(f"{var}_LOG_LEVEL=debug")  # ENV001: assigned twice, different values
    lines += ["    volumes:", f"      - {name}-data:/var/lib/{role}",
              "    logging:", "      driver: json-file", "      options:", '        max-size: "10m"']
    if role in ("db", "cache") and slot != 15:
        test = '["CMD-SHELL", "pg_isready -U app"]' if role == "db" else '["CMD", "redis-cli", "ping"]'
        lines += ["    healthcheck:", f"      test: {test}", "      interval: 10s", "      retries: 5"]
    deps = []
    if grp.db is not None and role in ("api", "worker") and grp.db != i:
        deps.append((_name(grp.db), "service_healthy"))
    if slot == 16 and i + 1 in grp.services:
        deps.append((_name(i + 1), "service_started"))  # ORD002: a cycle with the next service
    if slot == 17 and i - 1 in grp.services:
        deps.append((_name(i - 1), "service_started"))
    if slot == 13 and i - 1 in grp.services:
        deps.append((_name(i - 1), "service_healthy"))  # ORD003 when that one has no healthcheck
    if deps:
        lines.append("    depends_on:")
        for dep, cond in deps:
            lines += [f"      {dep}:", f"        condition: {cond}"]
    lines.append("")


def _compose(grp: _Group, env: list[str]) -> str:
    lines = [f"name: g{grp.g:03d}", "", "services:"]
    for i in grp.services:
        _service(grp, i, lines, env)
    lines.append("volumes:")
    lines += [f"  {_name(i)}-data:" for i in grp.services]
    return "\n".join(lines) + "\n"


def _nginx(grp: _Group) -> str:
    out = [f"# project g{grp.g:03d}: one site per service", ""]
    for i in grp.services:
        role = ROLES[i % len(ROLES)]
        if role not in SITES:
            continue
        name, slot, port = _name(i), grp.slot(i), _host_port(i)
        if slot == 3:
            port = _host_port(i - 1)
        target = f"127.0.0.1:{port}"
        if slot == 6:
            target = f"127.0.0.1:{port + 40000}"  # NGX001: nothing listens there
        protocols = "TLSv1 TLSv1.1 TLSv1.2" if slot == 10 else "TLSv1.2 TLSv1.3"  # NGX003
        server_name = f"{name}.example.org"
        if slot == 2:
            server_name = f"{_name(i - 1)}.example.org"  # NGX002: claimed by the previous server
        out += ["server {", "    listen 443 ssl;", f"    server_name {server_name};",
                f"    ssl_certificate /etc/letsencrypt/live/{name}/fullchain.pem;",
                f"    ssl_certificate_key /etc/letsencrypt/live/{name}/privkey.pem;",
                f"    ssl_protocols {protocols};", "    client_max_body_size 20m;", ""]
        if slot != 12:
            out += ["    location / {", f"        proxy_pass http://{target};",
                    "        proxy_set_header Host $host;",
                    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "    }"]
        out += ["    location /api/ {", f"        proxy_pass http://{target}/api/;",
                "        proxy_set_header X-Real-IP $remote_addr;", "    }",
                "    location /ws/ {", f"        proxy_pass http://{target}/ws/;"]
        if slot != 20:  # URL003: a websocket location without the upgrade headers
            out += ["        proxy_http_version 1.1;", "        proxy_set_header Upgrade $http_upgrade;",
                    '        proxy_set_header Connection "upgrade";']
        out += ["    }", "}", ""]
    out += ["server {", "    listen 443 ssl;", f"    server_name *.g{grp.g:03d}.example.org;",
            "    ssl_protocols TLSv1.2 TLSv1.3;", "    location / {",
            f"        proxy_pass http://127.0.0.1:{_host_port(grp.services[0])};", "    }", "}", "",
            "server {", "    listen 443 ssl;", f"    server_name ~^(?<sub>[a-z]+)\\.g{grp.g:03d}\\.example\\.net$;",
            "    ssl_protocols TLSv1.2 TLSv1.3;", "    location / {", "        return 404;", "    }", "}", ""]
    return "\n".join(out)


def _security_groups(groups: list[_Group]) -> str:
    out = []
    for grp in groups:
        perms = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                  "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS"}],
                  "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}]
        for i in grp.services:
            slot = grp.slot(i)
            if ROLES[i % len(ROLES)] in ("db", "cache") and slot != 11:
                continue  # bound to the loopback: no rule
            port, cidr = _host_port(i), "10.0.0.0/16"
            if slot == 4:
                cidr = "0.0.0.0/0"  # EXP004 with the all-interfaces publish above
            if slot == 21:
                port = _host_port(i) + 30000  # EXP005: no listener behind it
                cidr = "0.0.0.0/0"
            if slot == 22 and ROLES[i % len(ROLES)] == "grafana":
                cidr = "0.0.0.0/0"  # EXP002: an admin UI open to the world
            perms.append({"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                          "IpRanges": [{"CidrIp": cidr, "Description": _name(i)}],
                          "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []})
        if grp.slot(grp.services[0]) == 0 and grp.g % 3 == 0:
            perms.append({"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "IpRanges": [],
                          "Ipv6Ranges": [{"CidrIpv6": "::/0"}], "PrefixListIds": [],
                          "UserIdGroupPairs": []})  # EXP003: every udp port to the world
        out.append({"Description": f"project g{grp.g:03d}", "GroupName": f"g{grp.g:03d}-sg",
                    "GroupId": f"sg-{grp.g:017x}", "VpcId": "vpc-0abc", "IpPermissions": perms,
                    "IpPermissionsEgress": []})
    return json.dumps({"SecurityGroups": out}, indent=4) + "\n"


def _docs(groups: list[_Group]) -> str:
    out = ["# Services", "", "Every service of the stack, its host port and public URL.", "",
           "| Service | Port | URL |", "|---------|------|-----|"]
    for grp in groups:
        for i in grp.services:
            port = _host_port(i) + (1 if grp.slot(i) == 23 else 0)  # DRF001: the docs lag behind
            out.append(f"| {_name(i)} | {port} | https://{_name(i)}.example.org/ |")
    out += ["", "## Start order", "", "1. databases", "2. APIs", "3. web", ""]
    return "\n".join(out)


def generate(root: Path, n: int) -> None:
    """Write a stack of `n` services under `root` (an empty or missing folder)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    groups = [_Group(g, range(start, min(start + GROUP, n))) for g, start in enumerate(range(0, n, GROUP))]
    root_env: list[str] = ["# shared by the projects of this folder", "COMPOSE_HTTP_TIMEOUT=120", ""]
    for grp in groups:
        env = root_env if grp.in_root else [f"# project g{grp.g:03d}"]
        text = _compose(grp, env)
        folder = root / grp.folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / grp.compose_name).write_text(text)
        if not grp.in_root:
            if grp.g % 4 == 3:
                env.append('BROKEN_NOTE="unclosed quote')  # AUD001: costs this file's own findings
            (folder / ".env").write_text("\n".join(env) + "\n")
            # ENV003: a template beside it that lags behind
            keys = dict.fromkeys(line.split("=", 1)[0] for line in env if "=" in line)
            (folder / ".env.example").write_text("".join(f"{k}=\n" for k in list(keys)[1:]) + "OLD_FLAG=\n")
        (root / "nginx" / "sites-enabled").mkdir(parents=True, exist_ok=True)
        (root / "nginx" / "sites-enabled" / f"g{grp.g:03d}.conf").write_text(_nginx(grp))
    (root / ".env").write_text("\n".join(root_env) + "\n")
    # AUD001: one nginx file nginx itself would refuse
    (root / "nginx" / "sites-enabled" / "zz-broken.conf").write_text(
        "server {\n    listen 443 ssl;\n    server_name broken.example.org;\n    location / {\n"
        "        proxy_pass http://127.0.0.1:9;\n    }\n")
    (root / "aws").mkdir(exist_ok=True)
    (root / "aws" / "security-groups.json").write_text(_security_groups(groups))
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "services.md").write_text(_docs(groups))
    (root / "README.md").write_text("# Example stack\n\nGenerated by auditor's bench/generate.py.\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: generate.py N DIR")
    generate(Path(sys.argv[2]), int(sys.argv[1]))

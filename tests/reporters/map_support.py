"""Shared by the exposure map tests: the seed fixture's report and a stack with hostile names."""
from __future__ import annotations

import functools
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HARENA = REPO / "fixtures" / "harena"

# Names that break a naive writer of each format: quotes, backslashes, newlines, markup,
# `javascript:` URLs, Mermaid and DOT syntax, a bidi override.
HOSTILE = {
    "docker-compose.yml": r'''services:
  "web\"<script>alert(1)</script>":
    image: "nginx:1.25\"><img src=x onerror=alert(2)>"
    ports:
      - "8080:80"
    volumes:
      - ./nginx:/etc/nginx/conf.d:ro
  "db\\x \"quoted\" {a|b} #1 ;%%\n-->":
    image: postgres:16
    ports:
      - "5432:5432"
    environment:
      CALLBACK_URL: "javascript:alert(document.cookie)//http://x"
      LINK: "http://db:5432/<b>bold</b>\"onmouseover=\"alert(3)"
  "app]:::x-->y[":
    image: node:20
    environment:
      DATABASE_URL: "postgres://u:sup3rs3cretPW@db:5432/a"
''',
    "nginx/site.conf": r'''server {
    listen 80;
    server_name "evil\"name" <script>x</script>.example.com;
    location ~ "^/x\"y" {
        proxy_pass http://app]:::x-->y[:3000;
    }
    location "/a\\b\nc" {
        proxy_pass http://127.0.0.1:9999;
    }
    location /javascript:alert(1) {
        return 302 javascript:alert(1);
    }
    location /ok {
        proxy_pass http://backend;
    }
}
upstream backend { server "x\"y":80; }
''',
    'nginx/we"ird <b>name</b>.conf': 'server { listen 81; location /</script> { proxy_pass http://127.0.0.1:5432; } }\n',
    "aws/security-groups.json": r'''{"SecurityGroups": [{"GroupId": "sg-1\"<x>", "GroupName": "grp\"\n<script>alert(4)</script>\\", "IpPermissions": [
  {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "db \"open\"\n</title><script>alert(5)</script> javascript:alert(6)"}]},
  {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "\u202eevil"}]},
  {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}]}
]}]}
''',
    ".env": 'API_URL=javascript:alert(7)\nPASSWORD=hunter2hunter2\nNEXT_URL="http://x\\"y/<script>"\n',
    "README.md": '# Docs "quoted" <script>alert(8)</script>\n\nReach [it](javascript:alert(9)) at http://127.0.0.1:8080/a"b<c>\n',
}

# What must never appear raw in a document that a browser or a graph tool parses.
PLANTED_SECRET = "sup3rs3cretPW"


def write_hostile(root: Path) -> Path:
    for rel, content in HOSTILE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="")
    return root


@functools.lru_cache(maxsize=None)
def harena_report():
    from auditor import engine
    from auditor.config import Config

    return engine.check([str(HARENA)], Config())

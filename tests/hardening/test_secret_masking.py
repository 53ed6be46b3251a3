"""Secret masking everywhere: known secret values planted in every kind of input never reach any
output (check in every format, the graph in every format, a baseline), whole or as a fragment of
six characters or more.

A fragment that also shows in a control run (the same tree with other secret values planted) is
ordinary report text, not a leak: so the check cannot fail on a coincidence of characters."""
from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from hardening_support import CHECK_FORMATS, GRAPH_FORMATS, all_leaks, auditor, write_tree

# Where each secret is planted (the names say where); each is random-looking, mixed case, 14-18
# characters, so that no word of a report can contain six of its characters in a row by chance.
SLOTS = (
    "env_password", "env_token_quoted", "env_url_password", "env_redis_password", "env_dup_old",
    "env_dup_new", "compose_password", "compose_list_secret", "compose_url", "compose_command_flag",
    "compose_command_inline", "compose_command_url", "compose_flow_flag", "nginx_proxy_userinfo", "nginx_bearer",
    "docs_table_password", "docs_table_url", "docs_code_password", "docs_inline_url",
    "docs_table_token", "sg_description_token", "live_env_password", "live_nginx_userinfo",
    "url_public_address", "url_mismatch_env", "url_mismatch_compose",
)


def make_secrets(seed: int) -> dict[str, str]:
    rnd = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    out = {}
    for slot in SLOTS:
        size = rnd.randint(14, 18)
        body = [rnd.choice(string.ascii_uppercase), rnd.choice(string.ascii_lowercase), rnd.choice(string.digits)]
        body += [rnd.choice(alphabet) for _ in range(size - 4)]
        rnd.shuffle(body)
        out[slot] = "".join(body[:4]) + "!" + "".join(body[4:])  # like `Zq8v!Kp3Lm2Xw9`
    # A token of a known format (a GitHub personal access token), found whatever its key says.
    out["github_token"] = "ghp_" + "".join(rnd.choice(alphabet) for _ in range(36))
    return out


def tree(s: dict[str, str]) -> dict[str, str]:
    return {
        ".env": (
            f"DB_PASSWORD={s['env_password']}\n"
            f"API_TOKEN=\"{s['env_token_quoted']}\"\n"
            f"DATABASE_URL=postgres://app:{s['env_url_password']}@db:5432/app\n"
            f"REDIS_URL=redis://:{s['env_redis_password']}@redis:6379/0\n"
            f"CI_TOKEN={s['github_token']}\n"
            f"SESSION_SECRET={s['env_dup_old']}\n"
            f"SESSION_SECRET={s['env_dup_new']}\n"  # ENV001: the message must not show either value
            "PUBLIC_URL=https://app.example.com\n"
            # URL004 (a service reached through the public address) and URL001 (one endpoint, two
            # hosts) on URLs that carry passwords
            f"BACKEND_DSN=postgres://app:{s['url_public_address']}@203.0.113.10:5432/app\n"
            f"API_URL=https://svc:{s['url_mismatch_env']}@api.example.com/v1\n"
        ),
        ".auditor.toml": "[hosts]\npublic_addresses = [\"203.0.113.10\"]\n",
        "compose.yaml": (
            "services:\n"
            "  db:\n"
            "    image: postgres:16\n"
            "    ports: [\"5432:5432\"]\n"
            "    environment:\n"
            f"      POSTGRES_PASSWORD: {s['compose_password']}\n"
            f"      DSN: \"mysql://root:{s['compose_url']}@mysql:3306/x\"\n"
            "      APP_DB_PASSWORD: ${DB_PASSWORD}\n"
            f"    command: [\"postgres\", \"-c\", \"password={s['compose_command_inline']}\"]\n"
            "  cache:\n"
            "    image: redis:7\n"
            "    ports: [\"6379:6379\"]\n"
            f"    command: redis-server --requirepass {s['compose_command_flag']}\n"
            "    healthcheck:\n"
            f"      test: [\"CMD\", \"redis-cli\", \"-a\", \"{s['compose_command_flag']}\", \"ping\"]\n"
            "  worker:\n"
            "    image: example/worker\n"
            "    depends_on: [ghost]\n"
            "    environment:\n"
            f"      - SECRET_KEY={s['compose_list_secret']}\n"
            f"      - VITE_API_URL=https://svc:{s['url_mismatch_compose']}@api2.example.com/v1\n"
            f"    command: [\"run\", \"--db\", \"postgres://w:{s['compose_command_url']}@db/w\"]\n"
            # one line holding a finding (EXP001 on the port) and a secret without a key beside it
            f"  queue: {{image: redis:7, ports: [\"6380:6379\"], command: \"redis-server --requirepass "
            f"{s['compose_flow_flag']}\"}}\n"
        ),
        "nginx/site.conf": (
            "server {\n"
            "  listen 80;\n"
            "  server_name app.example.com;\n"
            "  ssl_protocols TLSv1 TLSv1.2;\n"
            "  location / {\n"
            f"    proxy_pass http://admin:{s['nginx_proxy_userinfo']}@127.0.0.1:9999;\n"
            "  }\n"
            "  location /ws {\n"
            f"    proxy_set_header Authorization \"Bearer {s['nginx_bearer']}\";\n"
            "    proxy_pass http://127.0.0.1:9998;\n"
            "  }\n"
            "}\n"
        ),
        "docs/ARCHITECTURE.md": (
            "# Stack\n\n"
            "| Variable | Value |\n"
            "|---|---|\n"
            f"| DB_PASSWORD | {s['docs_table_password']} |\n"
            f"| ADMIN_URL | https://ops:{s['docs_table_url']}@admin.example.com |\n"
            f"| API_TOKEN | `{s['docs_table_token']}` |\n\n"
            "| Service | Port |\n"
            "|---|---|\n"
            "| db | 5433 |\n\n"
            "```sh\n"
            f"SMTP_PASSWORD={s['docs_code_password']}\n"
            "```\n\n"
            f"Connect with `psql postgres://app:{s['docs_inline_url']}@db/app`.\n"
        ),
        "aws/security-groups.json": json.dumps({"SecurityGroups": [{
            "GroupId": "sg-0123", "GroupName": "web", "Description": "web servers",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [
                {"CidrIp": "0.0.0.0/0", "Description": f"token={s['sg_description_token']}"}]}],
        }]}),
    }


def live_tree(s: dict[str, str]) -> dict[str, str]:
    return {
        "inspect.json": json.dumps([{
            "Name": "/stack-db-1",
            "Config": {"Env": [f"POSTGRES_PASSWORD={s['live_env_password']}"],
                       "Labels": {"com.docker.compose.service": "db", "com.docker.compose.project": "stack"}},
            "State": {"Status": "running"},
            "NetworkSettings": {"Ports": {"5432/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5432"}]}},
        }]),
        "nginx-T.txt": (
            "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
            "# configuration file /etc/nginx/conf.d/site.conf:\n"
            "server {\n  listen 80;\n  server_name app.example.com;\n"
            f"  location / {{ proxy_pass http://admin:{s['live_nginx_userinfo']}@127.0.0.1:9999; }}\n}}\n"
        ),
    }


def _outputs(base: Path, secrets: dict[str, str]) -> dict[str, str]:
    root, live = base / "stack", base / "live"
    write_tree(root, tree(secrets))
    write_tree(live, live_tree(secrets))
    out: dict[str, str] = {}
    for fmt in CHECK_FORMATS:
        proc = auditor("check", str(root), "--format", fmt, "--statistics")
        assert proc.returncode == 1
        out[f"check-{fmt}"] = proc.stdout + proc.stderr
        proc = auditor("check", str(root), "--format", fmt, "--live", str(live))
        out[f"check-live-{fmt}"] = proc.stdout + proc.stderr
    written = base / "report.sarif"
    auditor("check", str(root), "--format", "sarif", "--output", str(written))
    out["check-output-file"] = written.read_text(encoding="utf-8")
    for fmt in GRAPH_FORMATS:
        proc = auditor("graph", str(root), "--format", fmt)
        out[f"graph-{fmt}"] = proc.stdout + proc.stderr
    baseline = base / "baseline.json"
    proc = auditor("baseline", str(root), "-o", str(baseline))
    out["baseline"] = baseline.read_text(encoding="utf-8") + proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    planted, other = make_secrets(1), make_secrets(2)
    outputs = _outputs(tmp_path_factory.mktemp("planted"), planted)
    controls = _outputs(tmp_path_factory.mktemp("control"), other)
    return planted, outputs, controls


def test_planted_secrets_are_reported(runs):
    """The tree does exercise the rules that see secrets: otherwise the masking test proves little."""
    _planted, outputs, _ = runs
    doc = json.loads(_json_part(outputs["check-json"]))
    rules = {f["rule"] for f in doc["findings"]}
    assert {"SEC001", "SEC002", "ENV001", "DRF001", "NGX003", "EXP002", "URL001", "URL004"} <= rules, rules
    assert any(f["rule"] == "DRF001" and "DB_PASSWORD" in f["message"] for f in doc["findings"])
    live = json.loads(_json_part(outputs["check-live-json"]))
    assert {f["path"] for f in live["findings"]} & {"live:inspect.json", "live:nginx-T.txt"} or any(
        f["rule"] == "DRF002" for f in live["findings"])


def _json_part(text: str) -> str:
    """The JSON document of `check --format json --statistics` (statistics go to stderr, after)."""
    return text[: text.rindex("}") + 1]


@pytest.mark.parametrize("output", [
    *(f"check-{f}" for f in CHECK_FORMATS), *(f"check-live-{f}" for f in CHECK_FORMATS),
    "check-output-file", *(f"graph-{f}" for f in GRAPH_FORMATS), "baseline",
])
def test_no_secret_in_any_output(runs, output):
    planted, outputs, controls = runs
    leaks = all_leaks(planted.values(), outputs[output], controls[output])
    assert not leaks, f"{output} shows secret material: {leaks}"

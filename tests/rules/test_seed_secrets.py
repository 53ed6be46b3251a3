"""The seed stacks through the SEC and ENV rules: what each must report, and that no secret
value ever reaches an output in clear.

Lines are found by searching the fixture text, so the fixtures may be edited above them.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from auditor import engine
from seed_support import FIXTURES, line_of, seed_findings
from auditor.config import find_config, load_config
from auditor.knowledge.secrets import key_kind

IDS = ("SEC001", "SEC002", "SEC003", "ENV001", "ENV002")
SEEDS = ("lecoffre_node", "harena", "clean_stack")


def findings(seed: str) -> tuple:
    return seed_findings(seed, tuple(IDS))




def lines_of(seed: str, path: str, needle: str) -> list[int]:
    lines = (FIXTURES / seed / path).read_text(encoding="utf-8").splitlines()
    return [i + 1 for i, l in enumerate(lines) if needle in l]


def at(seed: str, rule: str, path: str, line: int) -> list:
    return [f for f in findings(seed) if (f.rule, f.path, f.line) == (rule, path, line)]


# ---------------------------------------------------------------- lecoffre_node

LC = "lecoffre_node"


def test_lecoffre_grafana_admin_password_is_a_default_credential():
    line = line_of(LC, ".env.master", "GRAFANA_ADMIN_PASSWORD=")
    (f,) = at(LC, "SEC003", ".env.master", line)
    assert f.message == (
        "GRAFANA_ADMIN_PASSWORD is a well-known default credential (ad****23): a vendor or image default")
    assert f.severity == "error"
    assert not at(LC, "SEC001", ".env.master", line), "one finding per defect"


def test_lecoffre_compose_copy_of_the_grafana_password_is_not_reported_again():
    assert not [f for f in findings(LC) if f.rule == "SEC003" and f.path == "docker-compose.yml"]


def test_lecoffre_committed_api_secrets_are_plaintext_secrets():
    reported = {f.line for f in findings(LC) if f.rule == "SEC001" and f.path == ".env.master"}
    for key in ("SIGNER_API_KEY=", "IDNOT_CLIENT_SECRET=", "STRIPE_SECRET_KEY=", "OVH_APP_SECRET="):
        assert line_of(LC, ".env.master", key) in reported, key
    for key in ("STRIPE_PUBLISHABLE_KEY=", "IDNOT_TOKEN_URL=", "GRAFANA_ADMIN_USER="):
        assert line_of(LC, ".env.master", key) not in reported, key


# ---------------------------------------------------------------- harena

HA = "harena"


def test_harena_env_urls_embed_their_passwords():
    for key, masked in (("DATABASE_URL=", "postgresql://harena_admin:****@203.0.113.10:5432/harena"),
                        ("REDIS_URL=", "redis://:****@203.0.113.10:6379/0")):
        (f,) = at(HA, "SEC002", ".env", line_of(HA, ".env", key))
        assert f.message == f"{key[:-1]} embeds a password in its URL ({masked})"


def test_harena_docs_repeat_the_same_credentials():
    doc = "docs/infrastructure-aws.md"
    for key in ("DATABASE_URL=postgresql://harena_admin:FaKe", "REDIS_URL=redis://:FaKe"):
        line = line_of(HA, doc, key)
        (f,) = at(HA, "SEC002", doc, line)
        assert f.message.startswith(key.split("=")[0] + " embeds a password in its URL")


def test_harena_password_placeholder_in_docs_is_not_reported():
    doc = "docs/infrastructure-aws.md"
    placeholder_lines = lines_of(HA, doc, "harena_admin:PASSWORD@")
    assert placeholder_lines, "the fixture keeps its PASSWORD placeholder lines"
    for line in placeholder_lines:
        assert not [f for f in findings(HA) if f.path == doc and f.line == line]
    assert len([f for f in findings(HA) if f.rule == "SEC002" and f.path == doc]) == 2


def test_harena_secret_placeholders_are_not_secrets():
    for key in ("BRIDGE_CLIENT_SECRET=", "OPENAI_API_KEY=", "GRAFANA_ADMIN_PASSWORD="):
        line = line_of(HA, ".env", key)
        assert not [f for f in findings(HA) if f.path == ".env" and f.line == line], key


def test_harena_compose_interpolations_are_reported_at_the_env_file_only():
    assert not [f for f in findings(HA) if f.rule.startswith("SEC") and f.path == "docker-compose.yml"]


# ---------------------------------------------------------------- clean_stack


def test_clean_stack_is_silent():
    loud = [f for f in findings("clean_stack") if f.severity in ("warning", "error")]
    assert loud == []


# ---------------------------------------------------------------- no secret in any output


def _planted(seed: str) -> set[str]:
    """Every value of the seed's env files that is a secret (or a URL password) in clear."""
    from auditor.graph.urls import find_urls
    from auditor.knowledge.secrets import is_placeholder

    root = FIXTURES / seed
    graph, _ = engine.load_graph(root, [""], load_config(find_config(root)))
    values: set[str] = set()
    for env in graph.env_files:
        for v in env.vars:
            if key_kind(v.key) and not is_placeholder(v.value) and len(v.value) >= 6:
                values.add(v.value)
            values.update(u.password for u in find_urls(v.value) if u.password and len(u.password) >= 6)
    return values


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", ("json", "text"))
def test_secret_values_never_appear_in_check_output(seed, fmt):
    planted = _planted(seed)
    if seed != "clean_stack":
        assert planted, "the seed plants secrets"
    run = subprocess.run([sys.executable, "-m", "auditor", "check", str(FIXTURES / seed),
                          "--format", fmt, "--fail-on", "never"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout + run.stderr
    leaked = sorted(v for v in planted if v in out)
    assert not leaked, f"secret values in {fmt} output: {[v[:3] + '…' for v in leaked]}"
    if fmt == "json":
        json.loads(run.stdout)


def test_masked_forms_are_the_only_trace():
    text = json.dumps([f.message for f in findings(LC) + findings(HA)])
    assert "ad****23" in text
    assert re.search(r"postgresql://harena_admin:\*{4}@", text)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_ignored_env_file_is_no_committed_secret(tmp_path):
    (tmp_path / ".gitignore").write_text(".env\n")
    (tmp_path / ".env").write_text("DB_PASSWORD=FaKe-Local-Passw0rd\nADMIN_PASSWORD=admin123\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    report = engine.check([tmp_path], load_config(None), select=IDS)
    rules = sorted(f.rule for f in report.findings)
    assert rules == [], "an ignored file is never committed: neither its secrets nor its defaults ship"
    (tmp_path / ".gitignore").write_text("")
    report = engine.check([tmp_path], load_config(None), select=IDS)
    assert sorted(f.rule for f in report.findings) == ["SEC001", "SEC003"], "about to be committed"

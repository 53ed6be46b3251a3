"""The command line as users and CI meet it: JSON per the contract, exit codes, rules/explain."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "auditor" / "schemas" / "report.schema.json").read_text())


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("fixture", ["lecoffre_node", "harena", "clean_stack"])
def test_json_document_follows_the_contract(fixture):
    proc = run("check", f"fixtures/{fixture}", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["root"] == str((REPO / "fixtures" / fixture).resolve())
    summary = {s: sum(1 for f in doc["findings"] if f["severity"] == s) for s in ("error", "warning", "note")}
    assert doc["summary"] == summary
    assert proc.returncode == (1 if summary["error"] else 0)


def test_lecoffre_lists_every_file_with_its_kind():
    doc = json.loads(run("check", "fixtures/lecoffre_node", "--format", "json").stdout)
    kinds = {f["path"]: f["kind"] for f in doc["files"]}
    assert kinds[".env.master"] == "env"
    assert kinds["docker-compose.yml"] == "compose"
    assert kinds["docs/architecture.md"] == "docs"
    for site in ("dev4.example.com.conf", "dev4.example.com-https.conf", "dev3.example.com.conf",
                 "dev3.example.com-3000.conf"):
        assert kinds[f"conf/nginx/{site}"] == "nginx"
    assert not any(f["rule"] in ("AUD001", "AUD002") for f in doc["findings"]), doc["findings"]


def test_harena_security_groups_are_found():
    doc = json.loads(run("check", "fixtures/harena", "--format", "json").stdout)
    kinds = {f["path"]: f["kind"] for f in doc["files"]}
    assert kinds["aws/security-groups.json"] == "secgroup"
    assert kinds["nginx/conf.d/harena.conf"] == "nginx"


def test_rules_and_explain():
    listing = run("rules")
    assert listing.returncode == 0
    assert "AUD001" in listing.stdout and "parse-error" in listing.stdout
    for token in ("AUD001", "parse-error", "aud002"):
        proc = run("explain", token)
        assert proc.returncode == 0, proc.stderr
        assert "## What it does" in proc.stdout


def test_usage_error_is_exit_2_without_traceback(tmp_path):
    proc = run("check", str(tmp_path), "--format", "nope")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    proc = run("explain", "NOPE999")
    assert proc.returncode == 2


def test_bad_config_is_exit_2(tmp_path):
    (tmp_path / ".auditor.toml").write_text("[compose]\nenv_file = ['.env']\n")
    proc = run("check", str(tmp_path))
    assert proc.returncode == 2
    assert "env_file" in proc.stderr and ".auditor.toml:2" in proc.stderr


def test_empty_folder_is_a_usage_error_unless_allowed(tmp_path):
    """A typo in the path must not pass CI: no input file is exit 2, with a clear message."""
    proc = run("check", str(tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no input file to check" in proc.stderr and "--allow-empty" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run("check", str(tmp_path), "--allow-empty")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings in 0 files" in proc.stdout


def test_missing_path_is_exit_2():
    proc = run("check", "does-not-exist/")
    assert proc.returncode == 2
    assert "does-not-exist" in proc.stderr and "Traceback" not in proc.stderr


def test_text_output_has_no_colour_when_piped():
    proc = run("check", "fixtures/harena")
    assert "\033[" not in proc.stdout


def test_env_file_is_relative_to_the_current_folder_and_must_exist(tmp_path):
    """`--env-file` as docker compose reads it: from the current folder, for every project."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "compose.yaml").write_text("services:\n  a:\n    image: x:${TAG}\n")
    (tmp_path / "prod.env").write_text("TAG=1\n")
    ok = run("check", ".", "--env-file", "prod.env", "--select", "ENV002", cwd=tmp_path)
    assert ok.returncode == 0 and "No findings" in ok.stdout
    missing = run("check", ".", "--env-file", "nope.env", cwd=tmp_path)
    assert missing.returncode == 2 and "--env-file nope.env: no such file" in missing.stderr
    assert "Traceback" not in missing.stderr

"""Section 5 of issue 11: one hostile file costs only its own findings. A file that breaks a
loader gets AUD001 on itself, every other file keeps its findings; no input ends the run; a file
whose kind is decided by its content but that cannot be read gets AUD002 instead of vanishing."""
from __future__ import annotations

import json
import os

import pytest

from security_support import run, write_tree

GOOD = "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
SG = {"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}


def _check(root) -> dict:
    proc = run("check", str(root), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("hostile", [
    "services:\n  web:\n    image: nginx\n    env_file: \"x\\0\"\n",
    "include:\n  - \"x\\0.yaml\"\nservices:\n  web:\n    image: nginx\n",
    "services:\n  web:\n    extends:\n      file: \"x\\0.yaml\"\n      service: a\n",
    "services:\n  web:\n    image: nginx\n    volumes: [\"./x\\0:/data\"]\n",
    "services:\n  web:\n    image: nginx\n    build: \"x\\0\"\n",
    "name: p\nservices:\n  web:\n    image: nginx\n    volumes: [{type: bind, source: \"a\\0b\", target: /x}]\n",
])
def test_nul_in_a_compose_path_costs_only_that_file(tmp_path, hostile):
    write_tree(tmp_path, {"a/compose.yaml": GOOD, "b/compose.yaml": hostile})
    doc = _check(tmp_path)
    assert any(f["rule"] == "EXP001" and f["path"] == "a/compose.yaml" for f in doc["findings"]), doc
    assert not [f for f in doc["findings"] if f["rule"].startswith("AUD") and f["path"] == "a/compose.yaml"]


def test_a_loader_crash_is_pinned_on_the_file_that_caused_it():
    """Whatever breaks a joining loader (compose, nginx) on one file, the others load without it."""
    from auditor.loaders.inputs import load_together

    def load(paths):
        if "b/bad.yaml" in paths:
            raise ValueError("a loader bug")
        return [f"project of {p}" for p in paths], []

    problems: list = []
    got = load_together(["a/compose.yaml", "b/bad.yaml", "b/compose.yaml", "c/compose.yaml"], load, problems)
    assert got == ["project of a/compose.yaml", "project of b/compose.yaml", "project of c/compose.yaml"]
    assert [(p.rule, p.loc.path) for p in problems] == [("AUD001", "b/bad.yaml")]


def test_surrogates_in_json_inputs_do_not_end_the_run(tmp_path):
    sg = json.dumps(SG).replace('"web"', '"w\\udfffb"')
    write_tree(tmp_path, {"security-groups.json": sg, "live/inspect.json": json.dumps(
        [{"Name": "/we\udfffb", "State": {"Status": "running", "Running": True},
          "HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}},
          "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}}}])
        .replace("\\udfff", "\\udfff")})
    for fmt in ("text", "json", "sarif", "github"):
        proc = run("check", str(tmp_path), "--format", fmt, "--live", str(tmp_path / "live"))
        assert proc.returncode in (0, 1), (fmt, proc.stderr)
        assert "EXP002" in proc.stdout, (fmt, proc.stdout)


def test_a_too_large_content_sniffed_file_is_reported(tmp_path):
    big = json.dumps(SG, indent=2)
    padding = " " * (6 * 1024 * 1024)
    write_tree(tmp_path, {"security-groups.json": big[:-1] + padding + "}"})
    doc = _check(tmp_path)
    skipped = [f for f in doc["findings"] if f["rule"] == "AUD002"]
    assert skipped and skipped[0]["path"] == "security-groups.json", doc


def test_utf16_without_bom_is_reported(tmp_path):
    (tmp_path / "security-groups.json").write_bytes(json.dumps(SG).encode("utf-16-le"))
    doc = _check(tmp_path)
    assert any(f["rule"] == "AUD002" and f["path"] == "security-groups.json" for f in doc["findings"]), doc


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_content_sniffed_file_is_reported(tmp_path):
    path = tmp_path / "security-groups.json"
    path.write_text(json.dumps(SG))
    path.chmod(0)
    doc = _check(tmp_path)
    assert any(f["rule"] == "AUD002" and f["path"] == "security-groups.json" for f in doc["findings"]), doc

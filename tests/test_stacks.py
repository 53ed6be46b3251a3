"""A stack in a subfolder with its own configuration is checked with it, whether one runs
`auditor check deploy/`, `auditor check .` or the pre-commit hook (`--whole-stacks` with the
changed files)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.stacks import split, stacks_of

REPO = Path(__file__).resolve().parents[1]


def auditor(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def found(proc: subprocess.CompletedProcess, prefix: str = "") -> list[tuple]:
    doc = json.loads(proc.stdout)
    return sorted((prefix + f["path"], f["line"], f["rule"], f["message"], f["fingerprint"])
                  for f in doc["findings"])


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository whose stack lives in deploy/, configured by deploy/.auditor.toml (which
    silences the secret rules and ignores a folder), beside an unrelated root-level env file."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "fixtures" / "harena", root / "deploy")
    (root / "deploy" / ".auditor.toml").write_text(
        'ignore = ["SEC"]\nexclude = ["docs/"]\nfail_on = "warning"\n', encoding="utf-8")
    (root / "tools.env").write_text("A=1\nA=2\n", encoding="utf-8")
    return root


def test_check_dot_reports_the_stack_as_check_deploy_does(repo):
    alone = auditor(repo, "check", "deploy/", "--format", "json")
    whole = auditor(repo, "check", ".", "--format", "json")
    assert alone.returncode == whole.returncode == 1, alone.stderr + whole.stderr
    mine = found(alone, "deploy/")
    assert mine and not any(r[2].startswith("SEC") for r in mine)          # its config applies
    assert not any("docs/" in r[0] for r in mine)
    theirs = [r for r in found(whole) if r[0].startswith("deploy/")]
    assert theirs == mine
    root_only = [r for r in found(whole) if not r[0].startswith("deploy/")]
    assert [(r[0], r[2]) for r in root_only] == [("tools.env", "ENV001")]  # the root stack: no deploy file


def test_the_hook_checks_each_changed_stack_with_its_own_config(repo):
    alone = found(auditor(repo, "check", "deploy/", "--format", "json"), "deploy/")
    hook = auditor(repo, "check", "--whole-stacks", "deploy/docker-compose.yml", "--format", "json")
    assert hook.returncode == 1, hook.stderr
    assert found(hook) == alone                                             # the root stack did not change
    both = auditor(repo, "check", "--whole-stacks", "deploy/.env", "tools.env", "--format", "json")
    assert found(both) == found(auditor(repo, "check", ".", "--format", "json"))


def test_the_stack_fail_on_decides_for_its_findings(repo):
    (repo / "tools.env").write_text("B=1\n", encoding="utf-8")
    (repo / "deploy" / ".auditor.toml").write_text('select = ["EXP005"]\nfail_on = "note"\n')
    assert auditor(repo, "check", ".").returncode == 1                      # a note fails deploy
    assert auditor(repo, "check", ".", "--fail-on", "error").returncode == 0


def test_split_and_stacks_of(repo):
    (repo / "deploy" / "inner").mkdir()
    (repo / "deploy" / "inner" / "pyproject.toml").write_text("[tool.auditor]\n")
    stacks = split(repo, [""])
    assert [(s.prefix, s.paths, s.nested) for s in stacks] == [
        ("", [""], ["deploy", "deploy/inner"]), ("deploy", [""], ["inner"]), ("deploy/inner", [""], [])]
    assert [(s.prefix, s.paths) for s in split(repo, ["deploy/docker-compose.yml"])] == [
        ("deploy", ["docker-compose.yml"])]
    assert stacks_of(["tools.env", "deploy/.env", "deploy/inner/x.env", "deploy/nginx/conf.d/harena.conf"],
                     repo) == ["", "deploy", "deploy/inner"]


def test_a_baseline_written_over_the_repository_silences_every_stack(repo):
    made = auditor(repo, "baseline", ".", "-o", "b.json")
    assert made.returncode == 0, made.stderr
    proc = auditor(repo, "check", ".", "--baseline", "b.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr

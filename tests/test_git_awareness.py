"""Git awareness: an ignored `.env` feeds the graph but is no committed secret.

Tracked files are reported; untracked files git does not ignore are about to be committed and
are reported too; outside a work tree everything is. Only a repository whose `.git` folder is
the scanned root's own counts: a repository above the root is never consulted (issue 11), so
scanning a subfolder reports everything. git itself is never run: tests use it only to build
the repositories whose state auditor reads.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor import engine
from auditor.config import Config, find_config, load_config
from auditor.gitinfo import file_status
from auditor.registry import all_rules

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

COMPOSE = """services:
  api:
    image: ghcr.io/example/api:1
    env_file: .env
    ports:
      - "127.0.0.1:8000:8000"
  postgres:
    image: postgres:16
    ports:
      - "5432:5432"
"""
ENV = """POSTGRES_PASSWORD=Zq8vT3kLm2Rx9WpQ
DATABASE_URL=postgresql://app:Zq8vT3kLm2Rx9WpQ@203.0.113.10:5432/app
"""


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_CONFIG_NOSYSTEM="1", HOME=str(repo))
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout


def found(path: Path) -> set[tuple[str, str]]:
    report = engine.check([path], load_config(find_config(path)))
    return {(f.rule, f.path) for f in report.findings}


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    stack = root / "deploy"
    stack.mkdir(parents=True)
    (stack / "docker-compose.yml").write_text(COMPOSE)
    (stack / ".env").write_text(ENV)
    for folder in (root, stack):
        (folder / ".auditor.toml").write_text("[hosts]\npublic_addresses = ['203.0.113.10']\n")
    (root / ".gitignore").write_text(".env\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "stack")
    return root


def test_secret_rules_are_tagged():
    rules = all_rules()
    for rid in ("SEC001", "SEC002"):
        assert "committed-secret" in rules[rid].tags, rid


def test_status_of_each_file(repo):
    stack = repo / "deploy"
    (stack / "new.env").write_text("A=1\n")
    status = file_status(repo, ["deploy/docker-compose.yml", "deploy/.env", "deploy/new.env"])
    assert status == {"deploy/docker-compose.yml": "tracked", "deploy/.env": "ignored",
                      "deploy/new.env": "untracked"}
    # a subfolder: the repository above it is not consulted
    assert file_status(stack, ["docker-compose.yml", ".env", "new.env"]) == {}


def test_ignored_env_feeds_the_graph_but_is_no_committed_secret(repo):
    got = found(repo)
    # the URL of the ignored .env still reaches the graph and its rules
    assert ("URL004", "deploy/.env") in got, got
    # but the ignored file holds no *committed* plaintext secret
    assert ("SEC001", "deploy/.env") not in got, got
    assert ("SEC002", "deploy/.env") not in got, got
    assert ("EXP001", "deploy/docker-compose.yml") in got, got
    report = engine.check([repo], load_config(find_config(repo)))
    assert {f.path: f.tracked for f in report.files} == {"deploy/.env": False, "deploy/docker-compose.yml": True}


def test_a_parent_repository_is_not_consulted(repo):
    """Its `.gitignore` lies outside the scanned root: it cannot silence a secret."""
    got = found(repo / "deploy")
    assert {("SEC001", ".env"), ("SEC002", ".env"), ("URL004", ".env")} <= got
    report = engine.check([repo / "deploy"], load_config(find_config(repo / "deploy")))
    assert {f.path: f.tracked for f in report.files} == {".env": None, "docker-compose.yml": None}


def test_a_tracked_env_is_reported_even_if_gitignore_names_it(repo):
    git(repo, "add", "-f", "deploy/.env")
    got = found(repo)
    assert {("SEC001", "deploy/.env"), ("SEC002", "deploy/.env"), ("URL004", "deploy/.env")} <= got


def test_an_untracked_env_not_ignored_is_about_to_be_committed(repo):
    (repo / ".gitignore").write_text("")
    got = found(repo)
    assert {("SEC001", "deploy/.env"), ("SEC002", "deploy/.env")} <= got


def test_other_findings_of_an_ignored_file_are_still_reported(repo):
    env = repo / "deploy" / ".env"
    env.write_text(ENV + "POSTGRES_PASSWORD=other-value-Q8x\n")
    got = found(repo)
    assert ("ENV001", "deploy/.env") in got  # a duplicate key is no secret
    assert ("SEC001", "deploy/.env") not in got


def test_outside_a_work_tree_everything_is_reported(tmp_path):
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / ".env").write_text(ENV)
    (tmp_path / ".gitignore").write_text(".env\n")  # no repository: means nothing
    got = found(tmp_path)
    assert {("SEC001", ".env"), ("SEC002", ".env")} <= got
    assert file_status(tmp_path, [".env"]) == {}


def test_a_hook_environment_pointing_elsewhere_does_not_confuse_it(repo, monkeypatch, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    assert file_status(repo, ["deploy/.env"]) == {"deploy/.env": "ignored"}
    got = engine.check([repo], Config()).findings
    assert not [f for f in got if f.rule == "SEC001"]

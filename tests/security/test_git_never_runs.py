"""Section 1 of issue 11: scanning a repository never runs git, so nothing the repository's config
names (core.fsmonitor, hooks, filters) can run, whichever way the repository is reached: its own
`.git`, a `.git` file pointing elsewhere, or a repository above the root. And nothing above the
root is consulted: a parent's `.gitignore` cannot silence a secret."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from auditor import engine
from auditor.config import Config
from auditor.gitinfo import file_status
from security_support import git, run, write_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git builds the repositories")

PWN = "touch {marker}; false"
ENV = "DB_PASSWORD=Zq8vKp3Lm2Xw9T\nA=1\n"


def _planted(repo: Path, marker: Path) -> None:
    git(repo, "config", "core.fsmonitor", PWN.format(marker=marker))
    git(repo, "config", "core.hooksPath", str(repo / "hooks"))
    (repo / "hooks").mkdir(exist_ok=True)
    for hook in ("post-index-change", "post-checkout", "pre-commit"):
        (repo / "hooks" / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (repo / "hooks" / hook).chmod(0o755)
    git(repo, "config", "filter.x.clean", PWN.format(marker=marker))
    git(repo, "config", "filter.x.process", PWN.format(marker=marker))
    (repo / ".gitattributes").write_text("* filter=x\n")


def test_own_fsmonitor_never_runs(tmp_path):
    r1, marker = tmp_path / "r1", tmp_path / "pwned.txt"
    write_tree(r1, {".env": ENV})
    git(r1, "init", "-q")
    git(r1, "add", ".env")
    git(r1, "commit", "-qm", "x")
    _planted(r1, marker)
    proc = run("check", str(r1))
    assert proc.returncode == 1, proc.stderr  # the committed password is reported
    assert "SEC001" in proc.stdout
    assert not marker.exists()


def test_a_git_file_pointing_elsewhere_is_not_followed(tmp_path):
    elsewhere, r1, marker = tmp_path / "elsewhere", tmp_path / "r1", tmp_path / "pwned.txt"
    write_tree(elsewhere, {".env": ENV, ".gitignore": ".env\n"})
    git(elsewhere, "init", "-q")
    git(elsewhere, "add", ".gitignore")
    git(elsewhere, "commit", "-qm", "x")
    _planted(elsewhere, marker)
    write_tree(r1, {".env": ENV, ".gitignore": ".env\n", ".git": f"gitdir: {elsewhere / '.git'}\n"})
    proc = run("check", str(r1))
    assert not marker.exists()
    assert "SEC001" in proc.stdout  # the index and ignore files of elsewhere are not consulted
    assert file_status(r1, [".env"]) == {}


def test_a_parent_repository_is_not_consulted(tmp_path):
    parent, marker = tmp_path / "parent", tmp_path / "pwned.txt"
    write_tree(parent, {".gitignore": "*.env\n.env\n", "r1/.env": ENV})
    git(parent, "init", "-q")
    git(parent, "add", ".gitignore")
    git(parent, "commit", "-qm", "x")
    _planted(parent, marker)
    proc = run("check", str(parent / "r1"))
    assert not marker.exists()
    assert "SEC001" in proc.stdout, proc.stdout  # the parent's .gitignore does not silence it
    assert file_status(parent / "r1", [".env"]) == {}


def test_no_process_is_started(tmp_path, monkeypatch):
    """In-process: checking a repository starts no program at all."""
    import os

    write_tree(tmp_path, {".env": ENV, ".gitignore": "x\n"})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")

    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started: {args!r}")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    for name in ("system", "posix_spawn", "posix_spawnp", "execv", "execve", "execvp", "fork"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)
    report = engine.check([tmp_path], Config())
    assert {f.path: f.tracked for f in report.files} == {".env": True}


def test_a_linked_git_folder_is_not_followed(tmp_path):
    elsewhere, r1 = tmp_path / "elsewhere", tmp_path / "r1"
    write_tree(elsewhere, {".gitignore": ".env\n"})
    git(elsewhere, "init", "-q")
    (elsewhere / ".git" / "info").mkdir(exist_ok=True)
    (elsewhere / ".git" / "info" / "exclude").write_text(".env\n")
    write_tree(r1, {".env": ENV})
    (r1 / ".git").symlink_to(elsewhere / ".git")
    assert file_status(r1, [".env"]) == {}


def test_ignore_files_linked_outside_are_not_read(tmp_path):
    outside, r1 = tmp_path / "outside", tmp_path / "r1"
    write_tree(outside, {"ignore": ".env\n"})
    write_tree(r1, {".env": ENV})
    git(r1, "init", "-q")
    (r1 / ".gitignore").symlink_to(outside / "ignore")
    assert file_status(r1, [".env"]).get(".env") != "ignored"  # unknown: reported like a committed file

"""Git awareness, read-only: is each scanned file tracked, ignored, or new?

A git-ignored file (a developer's real `.env`) is never committed: it still feeds the graph
(its ports and URLs are the ones the stack really uses) but the engine does not report it as a
committed plaintext secret. Tracked files and untracked-but-not-ignored files (about to be
committed) are reported like any other. Outside a git work tree, or without git, nothing is
known and every file is treated as committed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Literal, Optional

Status = Literal["tracked", "ignored", "untracked"]

# Variables a git hook (pre-commit) inherits that would point git at another repository or
# index than the one holding the scanned folder; everything else (ssh, proxies, config) is kept.
_REPO_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR",
                   "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE")


def _git(root: Path, *args: str, stdin: Optional[str] = None) -> Optional[str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}
    env["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True,
                              text=True, encoding="utf-8", errors="surrogateescape", timeout=30,
                              env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode not in (0, 1):
        return None  # not a work tree, a repository git refuses (safe.directory), ...
    return proc.stdout


def file_status(root: Path, paths: Iterable[str]) -> dict[str, Status]:
    """Git's view of each root-relative path; empty when the root is not in a git work tree."""
    paths = list(paths)
    if not paths or shutil.which("git") is None:
        return {}
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.strip() != "true":
        return {}
    listed = _git(root, "ls-files", "-z", "--cached", "--", ".")  # relative to the root
    if listed is None:
        return {}
    tracked = {p for p in listed.split("\0") if p}
    ignored_out = _git(root, "check-ignore", "-z", "--stdin", stdin="\0".join(paths) + "\0")
    ignored = {p for p in (ignored_out or "").split("\0") if p}
    status: dict[str, Status] = {}
    for p in paths:
        if p in tracked:
            status[p] = "tracked"
        elif p in ignored:
            status[p] = "ignored"
        else:
            status[p] = "untracked"
    return status


def ignored_paths(root: Path, paths: Iterable[str]) -> set[str]:
    """The subset of root-relative `paths` that git ignores; empty outside a work tree."""
    return {p for p, s in file_status(root, paths).items() if s == "ignored"}

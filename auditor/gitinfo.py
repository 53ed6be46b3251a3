"""Git awareness, read-only: which scanned files git ignores (never committed)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable


def ignored_paths(root: Path, paths: Iterable[str]) -> set[str]:
    """The subset of root-relative `paths` that git ignores; empty outside a work tree."""
    paths = list(paths)
    if not paths or shutil.which("git") is None:
        return set()
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "-z", "--stdin"],
            input="\0".join(paths) + "\0", capture_output=True, text=True, timeout=20,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if proc.returncode not in (0, 1):
        return set()  # not a git work tree, or git refused: no git awareness
    return {p for p in proc.stdout.split("\0") if p}

"""Helpers of the security tests: the hardening helpers (bounded CLI runs, tree writing, leak
checks) plus git for building repositories (the tests trust their own repositories; auditor
never runs git)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hardening"))

from hardening_support import (  # noqa: E402,F401 - re-exported
    CHECK_FORMATS, GRAPH_FORMATS, REPO, all_leaks, auditor, limit_memory, snapshot, snapshot_diff,
    write_tree,
)


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_CONFIG_NOSYSTEM="1", HOME=str(repo))
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m auditor ARGS` without the hardening helper's exit-code assertion (exit 2 is
    sometimes the right answer here), but still never a traceback."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=120, preexec_fn=limit_memory,
                          errors="surrogateescape")
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    return proc


def every_output(root: Path, tmp: Path, *extra: str) -> dict[str, str]:
    """Everything auditor can say about `root`: each check format (stdout and stderr), each graph
    format, and a baseline written with -o."""
    out: dict[str, str] = {}
    for fmt in CHECK_FORMATS:
        proc = run("check", str(root), "--format", fmt, "--statistics", *extra)
        out[f"check-{fmt}"] = proc.stdout + proc.stderr
    for fmt in GRAPH_FORMATS:
        proc = run("graph", str(root), "--format", fmt)
        out[f"graph-{fmt}"] = proc.stdout + proc.stderr
    target = tmp / "baseline-out.json"
    proc = run("baseline", str(root), "-o", str(target))
    out["baseline"] = proc.stdout + proc.stderr + (target.read_text() if target.exists() else "")
    return out

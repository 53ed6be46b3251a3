"""Helpers shared by the hardening tests: running the CLI, snapshots of a tree, leak checks."""
from __future__ import annotations

import hashlib
import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Mapping, Optional, Union

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
SEEDS = ("lecoffre_node", "harena", "clean_stack")

# Generous bounds: they catch hangs and blow-ups, not slowness (tests/benchmarks measures that).
TIMEOUT = 60
MEMORY = 1536 << 20

CHECK_FORMATS = ("text", "json", "sarif", "github", "html")
GRAPH_FORMATS = ("json", "dot", "mermaid", "html", "svg")


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def auditor(*args: str, cwd: Optional[Path] = None, env: Optional[Mapping[str, str]] = None,
            timeout: int = TIMEOUT) -> subprocess.CompletedProcess:
    """`python -m auditor ARGS`, bounded in time and memory; never a traceback."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)  # `--format auto` and annotations must not depend on CI
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=timeout, preexec_fn=limit_memory)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1), (args, proc.returncode, proc.stderr[-3000:])
    return proc


def write_tree(root: Path, files: Mapping[str, Union[str, bytes]]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


def copy_fixture(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under `root` (hidden ones and `.git` included, links not followed): its type,
    mode, mtime_ns and content hash (files), target (links) or sorted listing (folders)."""
    out: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(folder, root)
        st = os.lstat(folder)
        out[rel_dir] = ("dir", st.st_mode, st.st_mtime_ns, tuple(sorted(dirs + files)))
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                out[rel] = ("file", st.st_mode, st.st_mtime_ns, st.st_size, digest)
            else:
                out[rel] = ("other", st.st_mode, st.st_mtime_ns)
    return out


def snapshot_diff(before: dict, after: dict) -> list[str]:
    changes = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            changes.append(f"{key}: {before.get(key)} -> {after.get(key)}")
    return changes


# ---------------------------------------------------------------- secrets


def leaked_fragments(secret: str, output: str, control: str = "", min_length: int = 6) -> list[str]:
    """Substrings of `secret` (at least `min_length` long) present in `output`.

    A fragment that `control` also contains (the same command's output over the same tree with
    other secret values planted) is ordinary text of the report, not a leak: that is what keeps
    the check free of false failures however the secret happens to read."""
    found = []
    n = len(secret)
    for size in range(n, min_length - 1, -1):
        for i in range(n - size + 1):
            fragment = secret[i:i + size]
            if fragment in output and fragment not in control and not any(fragment in f for f in found):
                found.append(fragment)
    return found


def all_leaks(secrets: Iterable[str], output: str, control: str = "") -> dict[str, list[str]]:
    leaks = {}
    for s in secrets:
        found = leaked_fragments(s, output, control)
        if found:
            leaks[s] = found
    return leaks

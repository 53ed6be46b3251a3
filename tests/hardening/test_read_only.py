"""Read-only: no command changes the scanned tree (bytes, mtimes, listings, hidden files, caches),
in a plain folder or in a git work tree (git awareness must not write the index); only an explicit
`baseline -o` into the tree adds exactly that file."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hardening_support import CHECK_FORMATS, FIXTURES, GRAPH_FORMATS, SEEDS, auditor, snapshot, snapshot_diff

COMMANDS = (
    *((("check", "{root}", "--format", f), "root") for f in CHECK_FORMATS),
    (("check", "{root}", "--format", "json", "--statistics", "--fail-on", "note"), "root"),
    (("check", ".", "--format", "text"), "root"),  # relative paths, run from inside the tree
    (("check", "--format", "sarif", "--live", "{root}"), "root"),  # the tree as its own live state
    (("rules",), "root"),
    (("explain", "SEC001"), "root"),
    *((("graph", "{root}", "--format", f), "root") for f in GRAPH_FORMATS),
    (("baseline", "{root}", "-o", "{outside}/baseline.json"), "root"),
    (("check", "{root}", "--baseline", "{outside}/baseline.json"), "outside"),
)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                        "HOME": str(root.parent), "PATH": "/usr/bin:/bin:/usr/local/bin"})


def _prepare(tmp_path: Path, seeds: tuple[str, ...], git: bool) -> tuple[Path, Path]:
    root, outside = tmp_path / "tree", tmp_path / "outside"
    if len(seeds) == 1:
        shutil.copytree(FIXTURES / seeds[0], root, symlinks=True)
    else:
        for seed in seeds:
            shutil.copytree(FIXTURES / seed, root / seed, symlinks=True)
    outside.mkdir()
    if git:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        (root / ".gitignore").write_text(".env.local\n")
        (root / ".env.local").write_text("LOCAL_ONLY=1\n")  # ignored: git check-ignore says so
        (root / "untracked.env").write_text("NEW=1\n")  # untracked, not ignored
        _git(root, "init", "-q")
        _git(root, "add", "-A", ".")
        _git(root, "reset", "-q", "untracked.env")
        _git(root, "commit", "-q", "-m", "seed")
    return root, outside


def _run_all(root: Path, outside: Path) -> None:
    before = snapshot(root)
    index = (root / ".git" / "index").stat().st_mtime_ns if (root / ".git").exists() else None
    for args, cwd in COMMANDS:
        argv = [a.format(root=root, outside=outside) for a in args]
        auditor(*argv, cwd=root if cwd == "root" else outside)
        changes = snapshot_diff(before, snapshot(root))
        assert not changes, f"`auditor {' '.join(argv)}` changed the tree: {changes[:10]}"
        if index is not None:
            assert (root / ".git" / "index").stat().st_mtime_ns == index


def test_no_command_changes_the_tree(tmp_path):
    _run_all(*_prepare(tmp_path, SEEDS, git=False))


@pytest.mark.parametrize("seed", SEEDS)
def test_no_command_changes_a_git_work_tree(seed, tmp_path):
    root, outside = _prepare(tmp_path, (seed,), git=True)
    proc = auditor("check", str(root), "--format", "json", "--fail-on", "never")
    assert '"untracked.env"' in proc.stdout and '".env.local"' in proc.stdout  # git awareness ran
    _run_all(root, outside)


def test_baseline_into_the_tree_adds_only_that_file(tmp_path):
    root, _ = _prepare(tmp_path, ("lecoffre_node",), git=False)
    before = snapshot(root)
    auditor("baseline", ".", "-o", "auditor-baseline.json", cwd=root)
    changes = snapshot_diff(before, snapshot(root))
    added = [c for c in changes if c.startswith("auditor-baseline.json:")]
    listing = [c for c in changes if c.startswith(".:")]  # the root folder: new entry, new mtime
    assert len(added) == 1 and added[0].split(" -> ")[0].endswith("None")
    assert len(listing) == 1 and set(changes) == set(added + listing), changes
    assert (root / "auditor-baseline.json").read_text().strip()

"""Determinism: the same tree gives byte-identical output whatever the order the file system lists
it in, the hash seed, or the working directory; fingerprints survive lines inserted above."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from hardening_support import CHECK_FORMATS, FIXTURES, GRAPH_FORMATS, SEEDS, auditor

COMMANDS = [("check", "--format", f) for f in CHECK_FORMATS] + [("graph", "--format", f) for f in GRAPH_FORMATS]


def _outputs(root: Path, *, cwd: Path | None = None, path_arg: str | None = None, env=None) -> dict:
    out = {}
    target = path_arg if path_arg is not None else str(root)
    for cmd in COMMANDS:
        proc = auditor(cmd[0], target, *cmd[1:], cwd=cwd, env=env)
        out[" ".join(cmd)] = (proc.returncode, proc.stdout, proc.stderr)
    return out


def _normalise(outputs: dict, root: Path) -> dict:
    """The scanned root is absolute in JSON (`root`) and SARIF (`originalUriBaseIds`): replace it."""
    real = os.path.realpath(root)
    uri = Path(real).as_uri()
    return {k: (rc, out.replace(uri, "ROOT_URI").replace(real, "ROOT"), err.replace(real, "ROOT"))
            for k, (rc, out, err) in outputs.items()}


def _copy_in_order(src: Path, dest: Path, reverse: bool) -> None:
    """Recreate `src` at `dest`, creating entries in sorted or reverse-sorted order (directory
    listings of most file systems then come back in different orders)."""
    dest.mkdir()
    entries = sorted(src.iterdir(), key=lambda p: p.name, reverse=reverse)
    for entry in entries:
        target = dest / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        elif entry.is_dir():
            _copy_in_order(entry, target, reverse)
        else:
            shutil.copy2(entry, target)


def _tree(base: Path, seeds) -> Path:
    base.mkdir()
    for name in seeds:
        shutil.copytree(FIXTURES / name, base / name, symlinks=True)
    return base


@pytest.fixture(scope="module")
def seeds_tree(tmp_path_factory) -> Path:
    """The two seed stacks with findings side by side: one tree with every kind of input."""
    return _tree(tmp_path_factory.mktemp("seeds") / "tree", ("lecoffre_node", "harena"))


def test_hash_seed_with_tied_findings(tmp_path):
    """All three seeds in one tree: lecoffre_node's host nginx `listen 80` conflicts with the
    `nginx` service of both harena and clean_stack, two findings that differ only by `related`."""
    root = _tree(tmp_path / "tree", SEEDS)
    outputs = {seed: auditor("check", str(root), "--format", "json", env={"PYTHONHASHSEED": seed}).stdout
               for seed in ("0", "1", "2", "3", "4", "12345")}
    assert len(set(outputs.values())) == 1, "the JSON report depends on the hash seed"


def test_listing_order_does_not_matter(seeds_tree, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _copy_in_order(seeds_tree, a, reverse=False)
    _copy_in_order(seeds_tree, b, reverse=True)
    first, second = _normalise(_outputs(a), a), _normalise(_outputs(b), b)
    for key in first:
        assert first[key] == second[key], key


def test_reversed_scandir_gives_the_same_report(seeds_tree, monkeypatch):
    """In-process: every directory listing comes back reversed (os.scandir, os.listdir)."""
    from auditor import engine
    from auditor.config import Config
    from auditor.reporters import get_reporter
    from auditor.reporters.graph import render as render_graph

    def reports():
        report = engine.check([str(seeds_tree)], Config())
        texts = [get_reporter(f)(report) for f in ("json", "sarif", "github")]
        return texts + [render_graph(report, f) for f in GRAPH_FORMATS]

    plain = reports()
    real_scandir, real_listdir = os.scandir, os.listdir

    class Reversed:
        def __init__(self, entries):
            self.entries = list(entries)[::-1]

        def __iter__(self):
            return iter(self.entries)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def close(self):
            pass

    calls = []

    def scandir(path="."):
        calls.append(path)
        with real_scandir(path) as it:
            return Reversed(it)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", lambda path=".": real_listdir(path)[::-1])
    reversed_run = reports()
    assert calls, "discovery no longer lists folders with os.scandir: patch what it uses"
    assert plain == reversed_run


def test_hash_seed_does_not_matter(seeds_tree):
    first = _outputs(seeds_tree, env={"PYTHONHASHSEED": "0"})
    second = _outputs(seeds_tree, env={"PYTHONHASHSEED": "12345"})
    for key in first:
        assert first[key] == second[key], key


def test_working_directory_does_not_matter(seeds_tree, tmp_path):
    from_root = _outputs(seeds_tree, cwd=seeds_tree, path_arg=".")
    from_elsewhere = _outputs(seeds_tree, cwd=tmp_path, path_arg=str(seeds_tree))
    from_parent = _outputs(seeds_tree, cwd=seeds_tree.parent, path_arg=seeds_tree.name)
    for key in from_root:
        assert from_root[key] == from_elsewhere[key] == from_parent[key], key


# ---------------------------------------------------------------- fingerprints

_PADDING = "\n\n\n"  # blank lines are harmless at the top of every format auditor reads


def _findings(root: Path) -> list[dict]:
    proc = auditor("check", str(root), "--format", "json", "--fail-on", "never")
    return json.loads(proc.stdout)["findings"]


@pytest.mark.parametrize("seed", ["lecoffre_node", "harena"])  # clean_stack has no finding
def test_fingerprints_survive_lines_inserted_above(seed, tmp_path):
    root = tmp_path / seed
    shutil.copytree(FIXTURES / seed, root, symlinks=True)
    before = _findings(root)
    assert before, f"{seed} has no findings: the test would prove nothing"
    shifted_files = sorted({f["path"] for f in before if (root / f["path"]).is_file()
                            and not (root / f["path"]).is_symlink()})
    for rel in shifted_files:
        path = root / rel
        data = path.read_bytes()
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        path.write_bytes(bom + _PADDING.encode() + data[len(bom):])
    after = _findings(root)
    shift = _PADDING.count("\n")
    moved = {(f["rule"], f["path"], f["line"] + (shift if f["path"] in shifted_files else 0), f["column"]):
             f["fingerprint"] for f in before}
    now = {(f["rule"], f["path"], f["line"], f["column"]): f["fingerprint"] for f in after}
    assert set(moved) == set(now), (set(moved) ^ set(now))
    changed = {k: (moved[k], now[k]) for k in moved if moved[k] != now[k]}
    assert not changed, f"fingerprints changed when lines shifted: {changed}"

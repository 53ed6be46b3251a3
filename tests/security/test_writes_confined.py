"""Section 2 of issue 11: nothing is written except where the command line says, and never
through a link planted in the tree."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from security_support import run, snapshot, snapshot_diff, write_tree

BASHRC = "alias ll='ls -l'\n"


def _tree(tmp_path: Path, baseline: str) -> tuple[Path, Path]:
    r2, home = tmp_path / "r2", tmp_path / "home"
    write_tree(home, {".bashrc": BASHRC})
    write_tree(r2, {".auditor.toml": f'baseline = "{baseline}"\n', "$(cd;id>.pwned).env": "K=1\nK=2\n"})
    return r2, home


def test_configured_baseline_outside_is_refused(tmp_path):
    r2, home = _tree(tmp_path, str(tmp_path / "home" / ".bashrc"))
    before = snapshot(tmp_path)
    proc = run("baseline", str(r2))
    assert proc.returncode == 2 and "inside" in proc.stderr
    assert snapshot_diff(before, snapshot(tmp_path)) == []


@pytest.mark.parametrize("relative", ["../home/.bashrc", "sub/../../home/.bashrc"])
def test_configured_baseline_climbing_out_is_refused(tmp_path, relative):
    r2, home = _tree(tmp_path, relative)
    (r2 / "sub").mkdir()
    proc = run("baseline", str(r2))
    assert proc.returncode == 2
    assert (home / ".bashrc").read_text() == BASHRC


def test_configured_baseline_through_a_linked_folder_is_refused(tmp_path):
    r2, home = _tree(tmp_path, "out/.bashrc")
    (r2 / "out").symlink_to(home)
    proc = run("baseline", str(r2))
    assert proc.returncode == 2
    assert (home / ".bashrc").read_text() == BASHRC


def test_configured_baseline_that_is_a_link_is_not_written_through(tmp_path):
    r2, home = _tree(tmp_path, "b.json")
    (r2 / "b.json").symlink_to(home / ".bashrc")
    proc = run("baseline", str(r2))
    assert proc.returncode == 2 and "link" in proc.stderr
    assert (home / ".bashrc").read_text() == BASHRC
    # nor read through, when `check` uses it
    proc = run("check", str(r2))
    assert proc.returncode == 2 and BASHRC.strip() not in proc.stdout + proc.stderr


def test_configured_baseline_inside_is_written(tmp_path):
    r2, _ = _tree(tmp_path, "b.json")
    proc = run("baseline", str(r2))
    assert proc.returncode == 0, proc.stderr
    assert '"tool": "auditor"' in (r2 / "b.json").read_text()
    assert run("check", str(r2)).returncode == 0


@pytest.mark.parametrize("command", [["check"], ["baseline"], ["graph"]])
def test_output_link_is_not_written_through(tmp_path, command):
    r2, home = _tree(tmp_path, "b.json")
    (r2 / ".auditor.toml").unlink()
    (r2 / "report.txt").symlink_to(home / ".bashrc")
    proc = run(*command, str(r2), "-o", str(r2 / "report.txt"))
    assert proc.returncode == 2 and "link" in proc.stderr
    assert (home / ".bashrc").read_text() == BASHRC


def test_output_to_a_device_link_still_works(tmp_path):
    r2, _ = _tree(tmp_path, "b.json")
    (r2 / ".auditor.toml").unlink()
    (tmp_path / "null").symlink_to(os.devnull)
    proc = run("check", str(r2), "-o", str(tmp_path / "null"))
    assert proc.returncode == 0 and not proc.stderr, proc.stderr


def test_check_writes_nothing(tmp_path):
    r2, _ = _tree(tmp_path, "b.json")
    (r2 / "b.json").write_text('{"tool": "auditor", "version": 1, "findings": []}\n')
    before = snapshot(tmp_path)
    for fmt in ("text", "json", "sarif", "github"):
        run("check", str(r2), "--format", fmt)
    run("graph", str(r2))
    assert snapshot_diff(before, snapshot(tmp_path)) == []

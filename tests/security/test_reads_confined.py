"""Section 8 of issue 11: a configuration or baseline linked to a file outside is not read, files
are opened without following links and checked to be what was meant, and the files auditor
itself reads (configuration, baseline) are regular files of bounded size."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from auditor.reader import Reader, read_confined
from security_support import run, write_tree

LEAK = "LEAKMARK7391"


@pytest.mark.parametrize("name,text", [
    (".auditor.toml", f'select = ["{LEAK}"]\n'),
    ("pyproject.toml", f'[tool.auditor]\nselect = ["{LEAK}"]\n'),
])
def test_config_linked_outside_is_not_read(tmp_path, name, text):
    outside, root = tmp_path / "outside", tmp_path / "root"
    write_tree(outside, {name: text})
    write_tree(root, {".env": "A=1\n"})
    (root / name).symlink_to(outside / name)
    proc = run("check", str(root), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert LEAK not in proc.stdout + proc.stderr


def test_config_linked_inside_its_folder_is_read(tmp_path):
    write_tree(tmp_path, {"real.toml": 'select = ["NOSUCHRULE"]\n', ".env": "A=1\n"})
    (tmp_path / ".auditor.toml").symlink_to("real.toml")
    proc = run("check", str(tmp_path))
    assert proc.returncode == 2 and "NOSUCHRULE" in proc.stderr


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_config_and_baseline_must_be_regular_files(tmp_path, special):
    write_tree(tmp_path, {".env": "A=1\n"})
    if special == "fifo":
        special = str(tmp_path / "fifo")
        os.mkfifo(special)
    for args in (["--config", special], ["--baseline", special]):
        proc = run("check", str(tmp_path), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "regular" in proc.stderr, proc.stderr


def test_config_size_is_bounded(tmp_path):
    write_tree(tmp_path, {".env": "A=1\n", "big.toml": "# " + "x" * (2 << 20) + "\n"})
    proc = run("check", str(tmp_path), "--config", str(tmp_path / "big.toml"))
    assert proc.returncode == 2 and "larger than" in proc.stderr


def test_swapped_link_never_reads_outside(tmp_path):
    """A link flipped between an inside and an outside target while files are read: every read
    either gets the inside file or nothing (issue: 1 run in 33 read the outside file)."""
    outside, root = tmp_path / "outside", tmp_path / "root"
    write_tree(outside, {"x.env": f"SECRET={LEAK}\n"})
    write_tree(root, {"inside.env": "A=1\n"})
    link = root / "x.env"
    stop = threading.Event()

    def flip():
        targets = [str(root / "inside.env"), str(outside / "x.env")]
        i = 0
        while not stop.is_set():
            tmp = root / f".swap{i % 2}"
            try:
                tmp.symlink_to(targets[i % 2])
                os.replace(tmp, link)
            except OSError:
                pass
            i += 1

    thread = threading.Thread(target=flip)
    thread.start()
    try:
        for _ in range(3000):
            data, _problem = read_confined(root, "x.env", 1 << 20)
            assert data is None or LEAK.encode() not in data
            text, _ = Reader(root).read("x.env")
            assert text is None or LEAK not in text
    finally:
        stop.set()
        thread.join()


def test_folder_swapped_for_a_link_is_caught(tmp_path):
    outside, root = tmp_path / "outside", tmp_path / "root"
    write_tree(outside, {"x.env": f"SECRET={LEAK}\n"})
    write_tree(root, {"d/x.env": "A=1\n"})
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            try:
                os.rename(root / "d", root / "d.real")
                (root / "d").symlink_to(outside)
                os.unlink(root / "d")
                os.rename(root / "d.real", root / "d")
            except OSError:
                pass

    thread = threading.Thread(target=flip)
    thread.start()
    try:
        for _ in range(3000):
            data, _problem = read_confined(root, "d/x.env", 1 << 20)
            assert data is None or LEAK.encode() not in data
    finally:
        stop.set()
        thread.join()


def test_nul_in_a_path_is_not_read(tmp_path):
    assert read_confined(tmp_path, "a\0b", 10)[0] is None
    assert Reader(Path(tmp_path)).read("a\0b")[0] is None

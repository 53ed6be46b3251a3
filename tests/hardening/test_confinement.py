"""Confinement: nothing outside the scanned root is read, whatever the inputs point at: symlinks
(files, folders, loops), nginx includes (`../..`, absolute host paths, globs, paths mapped
through bind mounts), compose `include`, `extends`, `env_file`, bind mounts, secret files,
`--env-file`, docs links.

Proved twice: a marker planted outside the root never shows in any output, and, in-process,
every path opened while checking (and rendering) is inside the root."""
from __future__ import annotations


import builtins
import io
import os
import pathlib
from pathlib import Path

import pytest

from hardening_support import CHECK_FORMATS, GRAPH_FORMATS, auditor, write_tree

MARKER = "OUTSIDE7731MARKER"


def build(base: Path) -> tuple[Path, Path]:
    root, outside = base / "root", base / "outside"
    write_tree(outside, {
        ".env": f"SECRET_MARK={MARKER}\nDB_PASSWORD={MARKER}pw\nPORT=1{MARKER}\n",
        "site.conf": f"server {{ listen 9; server_name {MARKER}.example.com; "
                     f"location / {{ proxy_pass http://{MARKER}:1; }} }}\n",
        "compose.yaml": f"services:\n  leak:\n    image: {MARKER}\n    ports: ['1:1']\n",
        "doc.md": f"| Service | Port |\n|---|---|\n| {MARKER} | 1 |\n",
        "secret.txt": f"{MARKER}\n",
        "sg.json": '{"SecurityGroups": [{"GroupId": "sg-' + MARKER + '", "IpPermissions": []}]}',
        "conf.d/x.conf": f"server {{ listen 10; server_name {MARKER}-glob; }}\n",
    })
    o = str(outside)
    write_tree(root, {
        "compose.yaml": (
            "include:\n"
            "  - ../outside/compose.yaml\n"
            f"  - {o}/compose.yaml\n"
            f"  - path: [{o}/compose.yaml]\n"
            f"    env_file: [{o}/.env]\n"
            "services:\n"
            "  web:\n"
            "    image: nginx:1.27\n"
            "    ports: [\"8080:80\"]\n"
            "    env_file:\n"
            "      - ../outside/.env\n"
            f"      - {o}/.env\n"
            "      - /etc/shadow\n"
            "    environment:\n"
            "      FROM_OUTSIDE: ${SECRET_MARK:-unset}\n"
            "    volumes:\n"
            "      - ../outside:/etc/nginx/conf.d:ro\n"
            f"      - {o}/conf.d:/etc/nginx/sites-enabled:ro\n"
            "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro\n"  # nginx runs here: includes map through mounts
            "    secrets: [s1, s2]\n"
            "  child:\n"
            "    extends:\n"
            "      file: ../outside/compose.yaml\n"
            "      service: leak\n"
            "  child2:\n"
            "    extends:\n"
            f"      file: {o}/compose.yaml\n"
            "      service: leak\n"
            "secrets:\n"
            "  s1:\n"
            "    file: ../outside/secret.txt\n"
            "  s2:\n"
            "    file: /etc/shadow\n"
        ),
        "nginx/nginx.conf": (
            "http {\n"
            "  include ../../outside/site.conf;\n"
            f"  include {o}/site.conf;\n"
            f"  include {o}/*.conf;\n"
            "  include /etc/shadow;\n"
            "  include /etc/nginx/../../" + o.lstrip("/") + "/site.conf;\n"
            "  include conf.d/*.conf;\n"
            "  include sites-enabled/*;\n"
            "  include ../../../../../../../../../../etc/passwd;\n"
            "  include linked/*.conf;\n"
            "  server { listen 80; location / { proxy_pass http://127.0.0.1:8080; } }\n"
            "}\n"
        ),
        "docs/README.md": f"See [the secret](../../outside/doc.md) and ![x]({o}/secret.txt).\n",
        ".env": "GOOD=1\nGOOD=2\n",
    })
    os.symlink("../outside/.env", root / ".env.linked")
    os.symlink(outside, root / "outlink")
    os.symlink(outside, root / "nginx" / "linked")
    os.symlink(outside / "doc.md", root / "docs" / "linked.md")
    os.symlink(outside / "sg.json", root / "security-groups.json")
    os.symlink("/etc/passwd", root / "passwd.conf")
    os.symlink(".", root / "self")
    os.symlink("loop-b.env", root / "loop-a.env")
    os.symlink("loop-a.env", root / "loop-b.env")
    os.symlink("../root", root / "docs" / "up")  # inside: a second way into the root
    return root, outside


def test_marker_outside_the_root_never_shows(tmp_path):
    root, outside = build(tmp_path)
    runs = [("check", str(root), "--format", f) for f in CHECK_FORMATS]
    runs += [("graph", str(root), "--format", f) for f in GRAPH_FORMATS]
    findings = None
    for args in runs:
        proc = auditor(*args)
        assert MARKER not in proc.stdout + proc.stderr, args
        if args[-1] == "json" and args[0] == "check" and findings is None:
            import json
            findings = json.loads(proc.stdout)["findings"]
    # an --env-file outside the checked folder is left unread
    proc = auditor("check", str(root), "--format", "json", "--env-file", str(outside / ".env"))
    assert MARKER not in proc.stdout + proc.stderr
    baseline = tmp_path / "baseline.json"
    proc = auditor("baseline", str(root), "-o", str(baseline))
    assert MARKER not in baseline.read_text() + proc.stdout + proc.stderr
    # each way out is reported where it is written, and the file inside the root is still checked
    skipped = {(f["path"], f["line"]) for f in findings if f["rule"] == "AUD002"}
    for path in (".env.linked", "outlink", "docs/linked.md", "security-groups.json", "passwd.conf"):
        assert (path, 1) in skipped, (path, sorted(skipped))
    # relative ways out are warnings each; the absolute paths (lines 3-6) name the machine that
    # runs nginx: one note for the file
    assert {("nginx/nginx.conf", line) for line in (2, 3, 9)} <= skipped, sorted(skipped)
    [note] = [f for f in findings if f["rule"] == "AUD002" and f["path"] == "nginx/nginx.conf"
              and f["line"] == 3]
    assert note["severity"] == "note" and "4 includes" in note["message"]
    assert {("compose.yaml", line) for line in (2, 3)} <= skipped, sorted(skipped)
    assert any(f["rule"] == "ENV001" and f["path"] == ".env" for f in findings)


class _Recorder:
    """Records every path opened or listed by the process."""

    def __init__(self):
        self.paths: list[str] = []

    def note(self, path) -> None:
        if isinstance(path, int):
            return  # a file descriptor: already recorded when opened
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        self.paths.append(os.path.realpath(os.fspath(path)))


@pytest.fixture
def recorder(monkeypatch):
    rec = _Recorder()
    real_open, real_os_open = builtins.open, os.open
    real_scandir, real_listdir = os.scandir, os.listdir
    real_read_bytes, real_read_text = pathlib.Path.read_bytes, pathlib.Path.read_text

    def open_(file, *a, **k):
        rec.note(file)
        return real_open(file, *a, **k)

    def os_open(path, *a, **k):
        rec.note(path)
        return real_os_open(path, *a, **k)

    def scandir(path="."):
        rec.note(path)
        return real_scandir(path)

    def listdir(path="."):
        rec.note(path)
        return real_listdir(path)

    def read_bytes(self):
        rec.note(self)
        return real_read_bytes(self)

    def read_text(self, *a, **k):
        rec.note(self)
        return real_read_text(self, *a, **k)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    monkeypatch.setattr(pathlib.Path, "read_text", read_text)
    return rec


def _render_everything(root: Path, env_files=None):
    from auditor import engine
    from auditor.config import Config
    from auditor.reporters import get_reporter
    from auditor.reporters.graph import render as render_graph

    report = engine.check([str(root)], Config(), env_files=env_files)
    texts = [get_reporter(f)(report) for f in CHECK_FORMATS]
    texts += [render_graph(report, f) for f in GRAPH_FORMATS]
    return report, texts


def test_every_path_opened_is_inside_the_root(tmp_path, recorder, monkeypatch):
    root, outside = build(tmp_path)
    monkeypatch.chdir(tmp_path)
    _render_everything(root)  # first run: lazy imports of the package happen here
    recorder.paths.clear()
    report, texts = _render_everything(root, env_files=[str(outside / ".env"), "../outside/.env"])
    assert report.files and recorder.paths, "nothing was read: the instrumentation is broken"
    real_root = os.path.realpath(root)
    outside_root = [p for p in recorder.paths if p != real_root and not p.startswith(real_root + os.sep)]
    assert not outside_root, sorted(set(outside_root))
    assert not any(MARKER in t for t in texts)

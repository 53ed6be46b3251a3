"""Inline suppressions, per-file ignores and baselines, as a team adopting auditor uses them."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True,
                          timeout=120)


def findings(path: Path, *extra: str) -> list[dict]:
    proc = run("check", str(path), "--format", "json", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_inline_suppression_on_the_line_and_the_line_before(tmp_path):
    (tmp_path / ".env").write_text("A=1\nA=2\nB=1\n# auditor: ignore[ENV001] kept on purpose\nB=2\n")
    got = [(f["rule"], f["line"]) for f in findings(tmp_path)]
    assert ("ENV001", 2) in got
    assert ("ENV001", 5) not in got


def test_unused_suppression_is_reported(tmp_path):
    (tmp_path / ".env").write_text("A=1 # auditor: ignore[ENV001] nothing to silence\n")
    got = [(f["rule"], f["line"]) for f in findings(tmp_path)]
    assert got == [("AUD003", 1)]


def test_file_level_suppression(tmp_path):
    (tmp_path / ".env").write_text("# auditor: ignore-file[ENV]\nA=1\nA=2\n")
    assert findings(tmp_path) == []


def _copy(fixture: str, dest: Path) -> Path:
    target = dest / fixture
    shutil.copytree(REPO / "fixtures" / fixture, target)
    return target


def test_baseline_survives_line_shifts_and_catches_one_new_defect(tmp_path):
    stack = _copy("harena", tmp_path)
    before = findings(stack)
    assert before
    base = tmp_path / "baseline.json"
    proc = run("baseline", str(stack), "-o", str(base))
    assert proc.returncode == 0, proc.stderr
    text = base.read_text()
    assert "FaKe2024" not in text
    assert findings(stack, "--baseline", str(base)) == []
    for f in stack.rglob("*"):
        if f.is_file() and f.suffix in (".yml", ".yaml", ".conf", ".md", ".env", "") and f.name != ".gitkeep":
            original = f.read_text()
            comment = "<!-- moved -->\n" if f.suffix == ".md" else "# moved\n"
            f.write_text(comment * 3 + original)
    assert findings(stack, "--baseline", str(base)) == []
    env = stack / ".env"
    env.write_text(env.read_text() + "LLM_MODEL=gpt-4o\n")  # a duplicate key: one new defect
    new = findings(stack, "--baseline", str(base))
    assert [(f["rule"], f["path"]) for f in new] == [("ENV001", ".env")]

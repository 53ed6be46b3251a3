"""Every fix case under fixtures/rules/<ID>/fix-*/: `before/` fixed through the production path
(`auditor fix --apply`, only that rule selected; `fix-unsafe-*` with --unsafe-fixes) must
become `after/` byte for byte; `after/` equal to `before/` means the fix must be refused. A
second run proposes nothing, and the rule no longer reports what was fixed."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from auditor import engine
from auditor.config import load_config
from auditor.fix.run import run_fix, write

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"


def _cases():
    return sorted(p for p in CASES.glob("*/fix-*") if p.is_dir())


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_case(case: Path, tmp_path: Path):
    rule_id = case.parent.name
    unsafe = case.name.startswith("fix-unsafe-")
    work = tmp_path / "tree"
    shutil.copytree(case / "before", work)
    if (work / ".gitignore").is_file():  # a case about git-ignored files needs a work tree
        subprocess.run(["git", "init", "-q", str(work)], check=True, capture_output=True)
    config = load_config(None)
    before = {f.fingerprint for f in engine.check([work], config, select=[rule_id]).findings}
    assert before, "the before/ tree must have a finding to fix"
    run = run_fix([str(work)], config, unsafe=unsafe, select=[rule_id])
    write(run)
    assert _tree(work) == _tree(case / "after")
    refused = _tree(case / "before") == _tree(case / "after")
    assert bool(run.refusals) == refused or refused is False
    after = {f.fingerprint for f in engine.check([work], config, select=[rule_id]).findings}
    assert not (run.fixed() & after), "a fixed finding is still reported"
    assert after <= before, "the fix made new findings"
    again = run_fix([str(work)], config, unsafe=unsafe, select=[rule_id])
    assert again.fixes == [], "a second run must propose nothing"


def test_every_fixer_has_a_case():
    from auditor.fix.fixers import FIXERS

    have = {p.parent.name for p in _cases()}
    assert set(FIXERS) <= have, f"fixers without a fix-* case: {sorted(set(FIXERS) - have)}"

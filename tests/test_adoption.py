"""What a new user copies: the README's Actions and pre-commit snippets and the action itself."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from auditor import REPOSITORY

REPO = Path(__file__).resolve().parents[1]
OWNER_REPO = REPOSITORY.removeprefix("https://github.com/")


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def test_readme_snippets_have_no_placeholders_and_name_the_project():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"<owner>|<repo>|OWNER|your-org", readme)
    blocks = yaml_blocks(readme)
    workflow = next(yaml.safe_load(b) for b in blocks if "jobs:" in b)
    steps = workflow["jobs"]["auditor"]["steps"]
    assert any(s.get("uses", "").startswith(f"{OWNER_REPO}@") for s in steps)
    assert workflow["permissions"]["security-events"] == "write"
    precommit = next(yaml.safe_load(b) for b in blocks if "repos:" in b)
    assert precommit["repos"][0]["repo"] == REPOSITORY
    assert precommit["repos"][0]["hooks"][0]["id"] == "auditor"


def test_action_is_a_composite_that_installs_checks_and_uploads():
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "pip install" in runs and '"$GITHUB_ACTION_PATH"' in runs
    assert "auditor check" in runs and "--format sarif" in runs and "--format github" in runs
    upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert len(upload) == 1 and "category" not in upload[0]["with"]
    assert set(action["inputs"]) >= {"path", "report", "fail-on", "category", "args"}
    # inputs reach the shell through the environment, never spliced into the script
    for s in steps:
        assert "${{ inputs." not in s.get("run", ""), s

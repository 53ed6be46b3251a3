"""docs/rules/ is generated from the rules' documentation and cases, and never drifts from them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from auditor import REPOSITORY, rule_page
from auditor.registry import all_rules
from auditor.rule_pages import PAGES, pages

REPO = Path(__file__).resolve().parents[1]


def test_committed_pages_equal_the_generated_ones():
    wanted = pages()
    committed = {p.name: p.read_text(encoding="utf-8") for p in PAGES.glob("*.md")}
    stale = sorted(n for n in wanted if committed.get(n) != wanted[n])
    extra = sorted(set(committed) - set(wanted))
    assert not stale and not extra, (
        f"docs/rules is out of date (stale: {stale}, extra: {extra}): run `python -m auditor.rule_pages`")


def test_every_rule_has_a_page_with_its_fix_and_an_index_entry():
    index = (PAGES / "README.md").read_text(encoding="utf-8")
    for rule_id, r in all_rules().items():
        text = (PAGES / f"{rule_id}.md").read_text(encoding="utf-8")
        assert text.count(f"# {rule_id} `{r.name}`") == 1
        for section in ("## What it does", "## Example", "## How to fix", "## Cases"):
            assert section in text, (rule_id, section)
        assert f"[{rule_id}]({rule_id}.md)" in index


def test_explain_points_at_the_page():
    proc = subprocess.run([sys.executable, "-m", "auditor", "explain", "EXP002"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert rule_page("EXP002") in proc.stdout
    assert rule_page("EXP002") == f"{REPOSITORY}/blob/main/docs/rules/EXP002.md"


def test_pyproject_names_the_same_home():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    urls = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Repository"] == REPOSITORY
    assert urls["Documentation"] == f"{REPOSITORY}/blob/main/docs/rules/README.md"


def test_schemas_ship_in_the_package():
    import json

    for which in ("report", "config"):
        proc = subprocess.run([sys.executable, "-m", "auditor", "schema", which], cwd=REPO.parent,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["$schema"].startswith("https://json-schema.org/")

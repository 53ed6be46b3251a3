"""Path patterns follow .gitignore semantics (pathspec)."""
from __future__ import annotations

import pytest

from auditor.paths import matches


@pytest.mark.parametrize("pattern, path, expected", [
    ("**/secrets/*", "secrets/prod.env", True),          # fnmatch missed the top level
    ("**/secrets/*", "deploy/secrets/prod.env", True),
    ("secrets/", "secrets/prod.env", True),               # a folder and all below it
    ("secrets/", "deploy/secrets/a/b.yaml", True),
    ("secrets/", "secrets.env", False),
    ("*.bak", "deep/down/compose.yaml.bak", True),       # a name at any depth
    ("docs/*.md", "docs/a.md", True),                     # anchored: it holds a `/`
    ("docs/*.md", "other/docs/a.md", False),
    ("./.env", ".env", True),
    ("./.env", "sub/.env", False),
    (".env", "sub/.env", True),
    ("vendor/*", "vendor/x/compose.yaml", True),
])
def test_gitignore_semantics(pattern, path, expected):
    assert matches(path, (pattern,)) is expected


def test_negation_and_no_patterns():
    assert not matches("secrets/keep.env", ("secrets/*", "!secrets/keep.env"))
    assert not matches("x", ())


def test_exclude_a_folder_in_the_configuration(tmp_path):
    from auditor.config import find_config, load_config
    from auditor.engine import check

    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / ".env").write_text("A=1\nA=2\n")
    (tmp_path / ".env").write_text("B=1\nB=2\n")
    (tmp_path / ".auditor.toml").write_text('exclude = ["secrets/"]\n')
    report = check([tmp_path], load_config(find_config(tmp_path)))
    assert [f.path for f in report.files] == [".env"]

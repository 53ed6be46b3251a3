"""Templates set aside: engines recognised, tags blanked line for line, branches tracked; and
the positive evidence discovery needs before it calls a file nginx or env."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor import engine
from auditor.config import load_config
from auditor.discovery import is_diff, reads_as_nginx
from auditor.templates import engine_of, exclusive, neutralize

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"


@pytest.mark.parametrize("path, text, want", [
    ("site.conf.j2", "listen 80;", "jinja"),
    ("x.conf", "{% if a %}listen 80;{% endif %}", "jinja"),
    ("x.conf", "resolver {{ resolver }} valid=5s;", "jinja"),
    ("x.conf", "{{ if .Env.X }}listen 80;{{ end }}", "go"),
    ("x.conf", "add_header X {{ .Env.CSP }};", "go"),
    ("page.tpl", "{{ title }}", "go"),
    ("x.conf", "listen 80; set $a ${b};", None),
])
def test_engines(path, text, want):
    assert engine_of(path, text) == want


def test_tags_are_set_aside_line_for_line():
    text = "a {% if x %}\nb={{ v }}\n{% else %}\nb=2\n{% endif %}\n"
    n = neutralize(text, "jinja")
    assert n.text.count("\n") == text.count("\n")
    assert n.text.splitlines()[1] == "b=$__tpl1__"
    assert n.balanced and n.expressions == 1
    assert exclusive(n.branches[1], n.branches[3])
    assert not exclusive(n.branches[0], n.branches[1])


def test_go_templates_keep_expressions_when_asked():
    text = "{{ $P := .Env.PORT | default \"80\" -}}\nlisten {{ $P }};\n{{ if .Env.X }}\nx 1;\n{{ end }}\n"
    n = neutralize(text, "go", keep_expressions=True)
    assert n.text.splitlines()[0].strip() == ""
    assert n.text.splitlines()[1] == "listen {{ $P }};"
    assert n.balanced


def test_unbalanced_templates_are_known():
    assert not neutralize("{% if a %}\nx\n", "jinja").balanced
    assert not neutralize("{{ end }}", "go").balanced


def test_nginx_needs_statements_not_assignments():
    assert reads_as_nginx("server {\n  listen 80;\n  location / {\n    root /srv;\n  }\n}\n")
    hocon = 'app {\n  http {\n    port = 8080\n    host = "0.0.0.0"\n    a = 1\n    b = 2\n  }\n}\n'
    assert not reads_as_nginx(hocon)


def test_diffs_are_not_env_files():
    assert is_diff("--- .env\n+++ .env.new\n@@ -1,2 +1,3 @@\n A=1\n+B=2\n")
    assert not is_diff("A=1\n# --- section ---\nB=2\n")


def test_a_skipped_template_is_a_note():
    case = CASES / "AUD002" / "fail-templates-not-checked"
    report = engine.check([case], load_config(None), select=["AUD"])
    assert {(f.rule, f.severity) for f in report.findings} == {("AUD002", "note")}

"""Inline suppressions in each format's own comment syntax, each against a real finding.

For every format: the finding is there without the comment; the comment on the offending line
or on the line before silences it; the file-level form silences it; a comment that silences
nothing is reported (AUD003); `auditor:` inside a value is not a comment.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor import engine
from auditor.config import Config
from auditor.loaders.source.suppressions import find_suppressions


def scan(folder: Path) -> list[tuple[str, str, int]]:
    report = engine.check([folder], Config())
    return [(f.rule, f.path, f.line) for f in report.findings]


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# Each case: the file, its text with a `{mark}` placeholder line or suffix, the finding's rule,
# and the comment syntaxes of that format. `{before}` is a whole line just above the offending
# one; `{after}` ends the offending line.

ENV = "A=1\nLOG_LEVEL=info\n{before}LOG_LEVEL=debug{after}\n"

NGINX = """server {{
    listen 443 ssl;
    server_name app.example.org;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;
{before}    ssl_protocols TLSv1 TLSv1.2;{after}
    location / {{
        return 200;
    }}
}}
"""

COMPOSE = """services:
  web:
    image: ghcr.io/example/web:1
    ports:
      - "8080:80"
{before}      - "8080:81"{after}
"""

MARKDOWN = """# Operations

Some text about the database.

{before}The replica answers at postgresql://replica:FaKeReplicaPass9@10.0.0.12:5432/app too.{after}
"""

TERRAFORM = """resource "aws_security_group" "app" {{
  name        = "app"
  description = "app host"

{before}  ingress {{{after}
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""

CASES = {
    # name: (file, template, rule, line of the finding (without a comment line), comment forms)
    "env": (".env", ENV, "ENV001", 3, ["# {directive}"]),
    "nginx": ("nginx/conf.d/app.conf", NGINX, "NGX003", 6, ["# {directive}"]),
    "compose": ("docker-compose.yml", COMPOSE, "PORT001", 6, ["# {directive}"]),
    "markdown": ("docs/operations.md", MARKDOWN, "SEC002", 5, ["<!-- {directive} -->"]),
    "terraform-hash": ("infra/main.tf", TERRAFORM, "EXP002", 5, ["# {directive}"]),
    "terraform-slashes": ("infra/main.tf", TERRAFORM, "EXP002", 5, ["// {directive}", "/* {directive} */"]),
}


def render(template: str, before: str = "", after: str = "") -> str:
    return template.format(before=before + "\n" if before else "", after=after)


@pytest.mark.parametrize("case", sorted(CASES))
def test_finding_is_there_without_a_comment(tmp_path, case):
    file, template, rule, line, _ = CASES[case]
    write(tmp_path, file, render(template))
    assert (rule, file, line) in scan(tmp_path)


@pytest.mark.parametrize("case", sorted(CASES))
def test_comment_on_the_line_and_on_the_line_before(tmp_path, case):
    file, template, rule, line, forms = CASES[case]
    for form in forms:
        comment = form.format(directive=f"auditor: ignore[{rule}] reviewed, intended")
        for where in ("before", "after"):
            folder = tmp_path / f"{forms.index(form)}-{where}"
            text = render(template, **({"before": comment} if where == "before" else {"after": "  " + comment}))
            write(folder, file, text)
            got = scan(folder)
            assert not [g for g in got if g[0] == rule], (form, where, got)
            assert not [g for g in got if g[0] == "AUD003"], (form, where, got)


@pytest.mark.parametrize("case", sorted(CASES))
def test_file_level_form(tmp_path, case):
    file, template, rule, line, forms = CASES[case]
    family = rule.rstrip("0123456789")
    comment = forms[0].format(directive=f"auditor: ignore-file[{family}] examples only")
    write(tmp_path, file, comment + "\n" + render(template))
    got = scan(tmp_path)
    assert not [g for g in got if g[0].startswith(family)], got
    assert not [g for g in got if g[0] == "AUD003"], got


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_suppression_that_suppresses_nothing_is_reported(tmp_path, case):
    file, template, rule, line, forms = CASES[case]
    other = "ORD001"  # never fires on these files
    comment = forms[0].format(directive=f"auditor: ignore[{other}] stale")
    write(tmp_path, file, render(template, before=comment))
    got = scan(tmp_path)
    assert ("AUD003", file, line) in got, got  # at the comment's line
    assert (rule, file, line + 1) in got, got


@pytest.mark.parametrize("case", sorted(CASES))
def test_names_and_family_prefixes(tmp_path, case):
    from auditor.registry import all_rules

    file, template, rule, line, forms = CASES[case]
    for token in (all_rules()[rule].name, rule.rstrip("0123456789"), rule.lower(), ""):
        folder = tmp_path / (token or "all")
        directive = f"auditor: ignore[{token}]" if token else "auditor: ignore"
        write(folder, file, render(template, before=forms[0].format(directive=directive)))
        assert not [g for g in scan(folder) if g[0] in (rule, "AUD003")], token


def test_a_comment_two_lines_above_does_not_reach(tmp_path):
    write(tmp_path, ".env", "LOG_LEVEL=info\n# auditor: ignore[ENV001]\n\nLOG_LEVEL=debug\n")
    got = scan(tmp_path)
    assert ("ENV001", ".env", 4) in got
    assert ("AUD003", ".env", 2) in got


def test_auditor_inside_a_value_is_not_a_comment(tmp_path):
    write(tmp_path, ".env", "DOCS=https://wiki.example.org/x#auditor:ignore[ENV001]\n"
                            "DOCS=https://wiki.example.org//auditor: ignore[ENV001]\n"
                            "NOTE='see # auditor: ignore[ENV001]'\n"
                            "NOTE=2\n")
    got = scan(tmp_path)
    assert ("ENV001", ".env", 2) in got and ("ENV001", ".env", 4) in got
    assert not [g for g in got if g[0] == "AUD003"]


def test_markdown_code_is_not_a_directive_but_comments_in_fenced_code_are(tmp_path):
    write(tmp_path, "docs/ops.md",
          "Write `<!-- auditor: ignore[SEC002] -->` to silence one line.\n"
          "postgresql://replica:FaKeReplicaPass9@10.0.0.12:5432/app\n"
          "\n"
          "```bash\n"
          "# auditor: ignore[SEC002] example credentials\n"
          "DATABASE_URL=postgresql://app:FaKeAppPass77@10.0.0.12:5432/app\n"
          "```\n")
    got = scan(tmp_path)
    assert ("SEC002", "docs/ops.md", 2) in got  # the inline-code example is no suppression
    assert ("SEC002", "docs/ops.md", 6) not in got  # the bash comment in the fence is
    assert not [g for g in got if g[0] == "AUD003"]


def test_json_has_no_comments():
    assert find_suppressions("aws/sg.json", '{"Description": "# auditor: ignore[EXP002]"}') == []


@pytest.mark.parametrize("path, line, rules, reason", [
    (".env", "A=1 # auditor: ignore[ENV001] kept", ("ENV001",), "kept"),
    ("c.yml", "    - '80:80'  # auditor: ignore[PORT001, EXP004] two things", ("PORT001", "EXP004"), "two things"),
    ("n.conf", "listen 80;# auditor: ignore[PORT001]", ("PORT001",), ""),
    ("m.tf", "  // auditor: ignore[EXP002] — bastion", ("EXP002",), "bastion"),
    ("m.tf", "/* auditor: ignore[EXP002] bastion */", ("EXP002",), "bastion"),
    ("d.md", "<!-- auditor: ignore[SEC002] example -->", ("SEC002",), "example"),
    (".env", "A=don't # auditor: ignore[SEC] apostrophe", ("SEC",), "apostrophe"),
    (".env", "# note # auditor: ignore[ENV001] after another comment", ("ENV001",), "after another comment"),
])
def test_parsed_forms(path, line, rules, reason):
    [s] = find_suppressions(path, line)
    assert s.rules == rules and s.reason == reason and not s.file_level


@pytest.mark.parametrize("path, line", [
    (".env", "URL=https://h/x#auditor: ignore[SEC002]"),
    (".env", "A='# auditor: ignore[X]'"),
    ("m.tf", 'description = "// auditor: ignore[EXP002]"'),
    ("d.md", "# auditor: ignore[SEC002]"),  # a markdown heading, not a comment
    (".env", "# auditor: ignored[ENV001]"),
])
def test_not_suppressions(path, line):
    assert find_suppressions(path, line) == []

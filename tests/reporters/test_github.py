"""`--format github`: GitHub Actions workflow commands, escaped, capped, with repository paths."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.report import RenderOptions, Report
from auditor.graph.model import Graph
from auditor.model import Finding, Related
from auditor.reader import Reader
from auditor.reporters import github
from auditor.reporters.repository import repository_prefix

REPO = Path(__file__).resolve().parents[2]


def report_of(findings: list[Finding], root: Path) -> Report:
    return Report(root=str(root), files=[], findings=findings, graph=Graph(root=str(root)),
                  reader=Reader(root))


def finding(i: int = 0, severity: str = "error", **kw) -> Finding:
    base = dict(rule="PORT001", name="host-port-conflict", severity=severity,
                message=f"problem {i}", path="compose.yaml", line=5, column=9, fingerprint=f"{i:032x}")
    return Finding(**{**base, **kw})


def unescape(value: str, prop: bool = False) -> str:
    """What the Actions runner does with an escaped value."""
    if prop:
        value = value.replace("%3A", ":").replace("%2C", ",")
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def test_one_annotation_per_finding_with_levels(tmp_path):
    fs = [finding(1, "error"), finding(2, "warning"), finding(3, "note")]
    lines = github.render(report_of(fs, tmp_path), RenderOptions(prefix="")).splitlines()
    assert lines[0] == "::error file=compose.yaml,line=5,col=9,title=PORT001 host-port-conflict::problem 1"
    assert lines[1].startswith("::warning file=compose.yaml,") and lines[1].endswith("::problem 2")
    assert lines[2].startswith("::notice file=compose.yaml,") and lines[2].endswith("::problem 3")
    assert lines[3] == "auditor: 3 findings (1 error, 1 warning, 1 note) in 1 of 0 files"
    assert len(lines) == 4


def test_escaping_of_data_and_properties():
    assert github.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    for raw in ("50%0A", "x::error::y", "a,b:c\r\n%25"):
        assert unescape(github.escape_data(raw)) == raw
        assert unescape(github.escape_property(raw), prop=True) == raw


def test_hostile_text_cannot_start_a_second_command(tmp_path):
    f = finding(1, message="value 100%\n::error::injected", path="we,ird:dir/a%b.env",
                related=(Related(path="b.yaml", line=2, column=3, message="also here"),))
    lines = github.render(report_of([f], tmp_path), RenderOptions(prefix="")).splitlines()
    assert len(lines) == 2  # one annotation and the summary
    head, message = lines[0].split("::", 2)[1:]
    assert head.startswith("error file=we%2Cird%3Adir/a%25b.env,line=5,col=9,")
    assert unescape(message) == "value 100%\n::error::injected\nalso here: b.yaml:2:3"


def test_end_positions_and_title(tmp_path):
    f = finding(1, line=3, column=2, end_line=3, end_column=8, rule="SEC001", name="plaintext-secret")
    line = github.render(report_of([f], tmp_path), RenderOptions(prefix="")).splitlines()[0]
    assert line.startswith("::error file=compose.yaml,line=3,col=2,endLine=3,endColumn=8,"
                           "title=SEC001 plaintext-secret::")


def test_url_passwords_are_masked(tmp_path):
    f = finding(1, message="uses redis://:S3cret-Redis-Pass@db:6379")
    text = github.render(report_of([f], tmp_path), RenderOptions(prefix=""))
    assert "S3cret-Redis-Pass" not in text and "redis://:****@db:6379" in text


def test_cap_per_severity_then_one_notice(tmp_path):
    cap = github.PER_SEVERITY_CAP
    fs = ([finding(i, "note") for i in range(cap + 5)] + [finding(i, "error") for i in range(cap + 2)]
          + [finding(i, "warning") for i in range(3)])
    lines = github.render(report_of(fs, tmp_path), RenderOptions(prefix="")).splitlines()
    errors = [l for l in lines if l.startswith("::error ")]
    warnings = [l for l in lines if l.startswith("::warning ")]
    notices = [l for l in lines if l.startswith("::notice file=")]
    assert (len(errors), len(warnings), len(notices)) == (cap, 3, cap)
    assert lines.index(errors[0]) < lines.index(warnings[0]) < lines.index(notices[0])  # worst first
    assert lines[-2] == ("::notice title=auditor::7 more findings not shown (2 error, 5 note); "
                         "see the SARIF or JSON report (auditor check --format sarif|json)")
    assert lines[-1] == f"auditor: {2 * cap + 10} findings ({cap + 2} error, 3 warning, {cap + 5} note) in 1 of 0 files"


def test_no_findings(tmp_path):
    assert github.render(report_of([], tmp_path), RenderOptions(prefix="")) == "auditor: no findings in 0 files\n"


def test_paths_are_relative_to_the_repository(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    stack = tmp_path / "repo" / "deploy"
    stack.mkdir()
    assert repository_prefix(str(stack)) == "deploy"
    assert repository_prefix(str(tmp_path / "repo")) == ""
    assert repository_prefix(str(stack), workspace=str(tmp_path)) == "repo/deploy"
    f = finding(1, related=(Related(path="b.yaml", line=2),))
    line = github.render(report_of([f], stack)).splitlines()[0]
    assert "file=deploy/compose.yaml," in line and "deploy/b.yaml:2:1" in unescape(line)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    assert "file=repo/deploy/compose.yaml," in github.render(report_of([f], stack))


def test_git_worktree_file_counts_as_a_repository_root(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text("gitdir: /somewhere/else\n")
    (tmp_path / "wt" / "sub").mkdir()
    assert repository_prefix(str(tmp_path / "wt" / "sub")) == "sub"


@pytest.mark.parametrize("fixture", ["lecoffre_node", "harena", "clean_stack"])
def test_cli_github_format_on_the_seed_fixtures(fixture):
    proc = subprocess.run([sys.executable, "-m", "auditor", "check", f"fixtures/{fixture}", "--format",
                           "github", "--fail-on", "never"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and lines[-1].startswith("auditor: ")
    for line in lines[:-1]:
        assert line.startswith(("::error ", "::warning ", "::notice ")), line
        if " file=" in line and repository_prefix(str(REPO)) == "":
            # this checkout is a repository root: paths carry the fixture folder
            assert f"file=fixtures/{fixture}/" in line

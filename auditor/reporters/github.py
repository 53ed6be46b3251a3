"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding.

    ::error file=compose.yaml,line=5,col=9,title=PORT001 host-port-conflict::host port 3000/tcp ...

Values are escaped the way the Actions runner unescapes them (`%`, CR and LF in the message;
additionally `:` and `,` in properties), so no text taken from a scanned file can end the
command early or start a new one.

Cap: GitHub shows at most 10 annotations of each type per step and 50 per job; the rest are
dropped silently. We emit at most `PER_SEVERITY_CAP` (50, the job-wide maximum) annotations
per severity, most severe first, so a huge report cannot flood the log, then one `::notice`
saying how many findings were left out and where to see them, then a plain summary line.
The complete list is in `--format sarif` / `--format json`.
"""
from __future__ import annotations

from ..escape import escape_controls
from ..model import Finding
from ..redact import redact_url_passwords
from ..report import RenderOptions, Report, summary
from .repository import repo_path, repository_prefix

PER_SEVERITY_CAP = 50
SEVERITIES = ("error", "warning", "note")
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(value: str) -> str:
    """The message part of a workflow command (after `::`): other control characters (and names
    that are not UTF-8) shown as visible escapes first."""
    value = escape_controls(value, keep_newlines=True)
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A `key=value` property of a workflow command."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _same(text: str) -> str:
    return text


def annotation(f: Finding, prefix: str = "", clean=_same) -> str:
    """One workflow command; `clean` is the report's masker, applied to every text of the tree."""
    props = [
        f"file={escape_property(repo_path(prefix, f.path))}",
        f"line={max(1, f.line)}",
        f"col={max(1, f.column)}",
    ]
    if f.end_line and f.end_line >= f.line:
        props.append(f"endLine={f.end_line}")
    if f.end_column and (f.end_line or f.line) == f.line and f.end_column > f.column:
        props.append(f"endColumn={f.end_column}")
    props.append(f"title={escape_property(f'{f.rule} {f.name}')}")
    message = redact_url_passwords(clean(f.message))
    for r in f.related:
        where = f"{repo_path(prefix, r.path)}:{r.line}:{r.column}"
        message += f"\n{redact_url_passwords(clean(r.message)) or 'related'}: {where}"
    return f"::{COMMANDS[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(report: Report, options: RenderOptions = RenderOptions()) -> str:
    prefix = repository_prefix(report.root) if options.prefix is None else options.prefix
    counts = {s: 0 for s in SEVERITIES}
    for f in report.findings:
        counts[f.severity] += 1
    lines: list[str] = []
    left_out = {s: max(0, counts[s] - PER_SEVERITY_CAP) for s in SEVERITIES}
    for severity in SEVERITIES:
        chosen = [f for f in report.findings if f.severity == severity][:PER_SEVERITY_CAP]
        lines.extend(annotation(f, prefix, report.masker) for f in chosen)
    hidden = sum(left_out.values())
    if hidden:
        detail = ", ".join(f"{left_out[s]} {s}" for s in SEVERITIES if left_out[s])
        lines.append(f"::notice title=auditor::{hidden} more findings not shown ({detail}); "
                     "see the SARIF or JSON report (auditor check --format sarif|json)")
    lines.append(f"auditor: {summary(report) or f'no findings in {len(report.files)} files'}")
    return "\n".join(lines) + "\n"

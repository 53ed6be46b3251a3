"""Text for people, in a terminal or a CI log.

    docker-compose.yml:191:9  error    EXP001  PostgreSQL service 'postgres' publishes host port
                                                5432/tcp on all interfaces [public-datastore-port]
        191 |       - "5432:5432"
        -> aws/security-groups.json:151:25 the security group opens it here
        help: Drop `ports:` (services reach `postgres:5432` over the compose network), or ...
        = `auditor explain EXP001` for why, an example and the fix in full

Every finding starts with a clickable `path:line:col` (terminals and editors open it); columns
are aligned; messages wrap at word boundaries to the terminal's width (never when piped, so one
finding stays one line for grep); the offending line is shown, for JSON and HCL rule objects the
lines that say what the rule opens, never a line that holds a secret; `help:` is the first
sentence of the rule's "How to fix", given with the pointer to `auditor explain` under the
first finding of each rule.
The footer counts findings by severity, the files that have them, and the `--fail-on`
threshold that decides the exit status.
"""
from __future__ import annotations

import re
import textwrap
from typing import Optional

from ..graph.secrets import scrubber
from ..model import Finding
from ..escape import escape_controls, neutralise_line
from ..redact import redact_broken_line, redact_line
from ..registry import all_rules
from ..report import SEVERITY_RANK, RenderOptions, Report

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m", "bold": "\033[1m",
            "dim": "\033[2m", "reset": "\033[0m"}
_MAX_LOC = 40       # wider locations push their line's columns instead of everyone's
_MIN_MESSAGE = 32   # narrower than this, continuation lines start at the left margin instead
_INDENT = "    "


def render(report: Report, options: RenderOptions = RenderOptions()) -> str:
    colour, width, quiet, fail_on = options.colour, options.width, options.quiet, options.fail_on
    c = _COLOURS if colour else {k: "" for k in _COLOURS}
    known = scrubber(report.graph)  # secrets far from their key (a command, a table cell)
    files = _Lines(report)
    rules = all_rules()
    rulew = max((len(f.rule) for f in report.findings), default=0)
    locws: dict[str, int] = {}  # aligned within each file's group
    for f in report.findings:
        locws[f.path] = min(_MAX_LOC, max(locws.get(f.path, 0), len(_loc(f))))
    out: list[str] = []
    explained: set[str] = set()
    previous: Optional[str] = None
    for f in report.findings:
        if previous is not None and f.path != previous:
            out.append("")
        previous = f.path
        loc, locw = _loc(f), locws[f.path]
        head = f"{loc:<{locw}}  {f.severity:<7}  {f.rule:<{rulew}}  "
        painted = (f"{c['bold']}{loc}{c['reset']}{' ' * max(0, locw - len(loc))}  "
                   f"{c[f.severity]}{f.severity:<7}{c['reset']}  {c['bold']}{f.rule:<{rulew}}{c['reset']}  ")
        body = f"{escape_controls(known(f.message))} [{f.name}]"
        first, rest = _wrap(body, len(head), width)
        first = first.replace(f"[{f.name}]", f"{c['dim']}[{f.name}]{c['reset']}")
        out.append((painted + first).rstrip())
        out.extend(line.replace(f"[{f.name}]", f"{c['dim']}[{f.name}]{c['reset']}") for line in rest)
        if not f.secret:
            shown_lines = files.snippet(f)
            digits = max((len(str(n)) for n, _ in shown_lines), default=1)
            redact = redact_broken_line if f.rule in ("AUD001", "AUD002") else redact_line
            for number, text in shown_lines:
                shown = escape_controls(redact(known(text.rstrip()))[:2000])
                gutter = f"{_INDENT}{number:>{digits}} | "
                out.append(f"{c['dim']}{gutter}{c['reset']}{_clip(shown, width, len(gutter))}")
        for r in f.related:
            text = f"-> {escape_controls(r.path)}:{r.line}:{r.column} {escape_controls(known(r.message))}".rstrip()
            line, more = _wrap(text, len(_INDENT), width, hang=3)
            out += [f"{_INDENT}{c['dim']}{line}{c['reset']}", *(f"{c['dim']}{m}{c['reset']}" for m in more)]
        rule = rules.get(f.rule)
        if quiet or rule is None or f.rule in explained:
            continue
        # once per rule: the same advice under each of seven findings would bury them
        explained.add(f.rule)
        fix = help_text(rule.sections().get("How to fix", ""))
        if fix:
            line, more = _wrap(f"help: {fix}", len(_INDENT), width, hang=6)
            out += [f"{_INDENT}{line}", *more]
        out.append(f"{_INDENT}{c['dim']}= `auditor explain {f.rule}` for why, an example and the fix "
                   f"in full{c['reset']}")
    if not quiet:
        if out:
            out.append("")
        line, more = _wrap(footer(report, fail_on), 0, width)
        out += [line, *more]
    return "\n".join(neutralise_line(line) for line in out) + "\n" if out else ""


def _loc(f: Finding) -> str:
    return f"{escape_controls(f.path)}:{f.line}:{f.column}"


def footer(report: Report, fail_on: str) -> str:
    """`21 findings (11 errors, 9 warnings, 1 note) in 4 of 5 files; exit 1: 11 at or above
    --fail-on error` (or `no findings in 5 files; exit 0 (--fail-on error)`)."""
    n = len(report.findings)
    read = len(report.files)
    if not n:
        return f"No findings in {read} file{'s' if read != 1 else ''}; exit 0 (--fail-on {fail_on})."
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "note")}
    parts = ", ".join(f"{v} {s}{'s' if v != 1 else ''}" for s, v in counts.items() if v)
    with_findings = len({f.path for f in report.findings})
    head = (f"{n} finding{'s' if n != 1 else ''} ({parts}) in {with_findings} of {read} "
            f"file{'s' if read != 1 else ''}")
    if fail_on == "never":
        return f"{head}; exit 0 (--fail-on never)."
    failing = sum(1 for f in report.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on])
    if failing:
        return f"{head}; exit 1: {failing} at or above --fail-on {fail_on}."
    return f"{head}; exit 0: none at or above --fail-on {fail_on}."


def help_text(how_to_fix: str) -> str:
    """The first sentence of a rule's "How to fix", on one line, without code blocks."""
    prose = re.split(r"\n\s*(?:```|~~~)", how_to_fix.strip(), maxsplit=1)[0]
    prose = " ".join(prose.split())
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z`(\"'])", prose, maxsplit=1)[0]
    return sentence.rstrip(":")


def _wrap(text: str, start: int, width: Optional[int], hang: int = 0) -> tuple[str, list[str]]:
    """`text` placed at column `start`: its first line, and the continuation lines (indented
    under the first one, or by `hang` more when it started at the margin)."""
    if not width:
        return text, []
    room = width - start
    indent = start + hang if hang else start
    if room < _MIN_MESSAGE:  # a long location: the message goes below it, at the margin
        indent = len(_INDENT) + hang
        more = textwrap.wrap(text, width=max(_MIN_MESSAGE, width - indent), break_long_words=False,
                             break_on_hyphens=False)
        return "", [" " * indent + m for m in more]
    lines = textwrap.wrap(text, width=room, break_long_words=False, break_on_hyphens=False) or [""]
    first, rest = lines[0], " ".join(lines[1:])
    more = textwrap.wrap(rest, width=max(_MIN_MESSAGE, width - indent), break_long_words=False,
                         break_on_hyphens=False) if rest else []
    return first, [" " * indent + m for m in more]


def _clip(text: str, width: Optional[int], used: int) -> str:
    limit = max(40, (width or 200 + used) - used)
    return text if len(text) <= limit else text[:limit - 1] + "…"


# A line that only opens an object: `{`, `ingress {`, `resource "a" "b" {`, `"SSHinbound": {`,
# or a YAML key whose value is the indented block below (`SSHinbound:`).
_BLOCK_ONLY = re.compile(r'^[\s{\[(,]*$|^\s*[\w\-]+\s*("[^"]*"\s*)*\{\s*$|^\s*"[^"]*"\s*:\s*[{\[]\s*$'
                         r'|^\s*(-\s+)?[\w\-.]+\s*:\s*$')
_PORT = re.compile(r"(?i)\b(from_?port|to_?port|port_?range)\b")
_SOURCE = re.compile(r"0\.0\.0\.0/0|::/0|(?i:cidr)")
_PROTOCOL = re.compile(r"(?i)\b(ip_?)?protocol\b")


class _Lines:
    """Source lines of the reported files, split once per file."""

    def __init__(self, report: Report):
        self.report = report
        self.cache: dict[str, Optional[list[str]]] = {}
        self.kinds = {f.path: f.kind for f in report.files}

    def lines(self, path: str) -> Optional[list[str]]:
        if path not in self.cache:
            text, _ = self.report.reader.read(path)
            self.cache[path] = text.split("\n") if text is not None else None
        return self.cache[path]

    def snippet(self, f: Finding) -> list[tuple[int, str]]:
        """The offending line; for a JSON/HCL object that opens on a bare `{` (a security-group
        rule), the lines inside it that name its ports and its source instead."""
        split = self.lines(f.path)
        if split is None or not 0 < f.line <= len(split) or not split[f.line - 1].strip():
            return []
        first = split[f.line - 1]
        if not _BLOCK_ONLY.match(first) or self.kinds.get(f.path) not in ("secgroup", None):
            return [(f.line, first)]
        found: dict = {}
        yaml_block = first.rstrip().endswith(":")
        indent = len(first) - len(first.lstrip(" -"))
        depth = 0
        for number in range(f.line, min(len(split), f.line + 60) + 1):
            text = split[number - 1]
            if number > f.line and yaml_block and text.strip() and len(text) - len(text.lstrip(" -")) <= indent:
                break  # the YAML block ended
            depth += _depth(text)
            if number > f.line:
                for pattern in (_PORT, _SOURCE, _PROTOCOL):
                    if pattern.search(text) and pattern not in found:
                        found[pattern] = (number, text)
                        break
            if not yaml_block and depth <= 0 and number > f.line:
                break
        # what the rule opens (its ports, else its protocol) and to whom
        what = found.get(_PORT) or found.get(_PROTOCOL)
        chosen = sorted(line for line in (what, found.get(_SOURCE)) if line)
        return chosen or [(f.line, first)]


def _depth(text: str) -> int:
    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)  # braces inside strings do not count
    return body.count("{") + body.count("[") - body.count("}") - body.count("]")

"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF viewer).

One run. `tool.driver.rules` lists every rule of the registry, not only those with results, so
code scanning knows the whole catalog (help, tags, severities, a link to the rule's page).
Results carry the engine's fingerprint, which survives line shifts, as
`partialFingerprints.primaryLocationLineHash` (the key GitHub matches alerts by; it would
otherwise hash the line's text) and as `auditor/v1`. `automationDetails.id` carries the category
(`--category`, by default derived from the scanned folder), so that runs over two stacks of one
repository upload side by side instead of replacing each other's alerts. No source text is ever copied in: no `snippet`, no `contextRegion`, only positions and
the rules' messages (which never hold a secret in clear; URL passwords are masked once more
here as a last guard).

Paths: GitHub resolves relative URIs against the repository root and ignores
`originalUriBaseIds`, so when the scanned root is a sub-folder of a repository the URIs carry
that sub-folder (see `repository.repository_prefix`) and `%SRCROOT%` is the repository root.
`document()` takes that prefix as an argument and is a pure function of the Report; `render()`
looks it up.

GitHub's limits (docs "SARIF support for code scanning"): 25,000 results per run (a larger run
is rejected), 1,000 locations per result, 20 tags per rule (10 shown). Beyond 25,000 results the
most severe are kept and a tool execution notification says how many were left out.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Iterable, Optional
from urllib.parse import quote

from .. import REPOSITORY, __version__, rule_page
from ..escape import json_safe
from ..model import Finding, Related
from ..redact import redact_url_passwords
from ..knowledge.impact import impact, score
from ..registry import Rule, all_rules
from ..report import SEVERITY_RANK, RenderOptions, Report
from .repository import repo_path, repository_prefix

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

MAX_DESCRIPTION = 1024  # GitHub truncates a longer fullDescription; the whole text is in help
MAX_RESULTS = 25_000
MAX_RELATED = 999  # + the primary location = GitHub's 1,000 locations per result
MAX_LINKS_IN_MESSAGE = 10
MAX_TAGS = 10

# Precision per family: how often a result is a true problem. High where the rule reads a
# fact straight from the configuration; medium where it relies on naming conventions, prose
# in docs, or guesses about what runs where.
PRECISION = {
    "AUD": "high",    # the file did not parse / was not read
    "PORT": "high",   # two listeners on the same address:port
    "EXP": "high",    # published ports and security-group rules are explicit
    "ORD": "high",    # depends_on / healthcheck facts
    "NGX": "high",    # nginx directives and the listeners they name
    "ENV": "high",    # keys in env files and compose interpolation
    "SEC": "medium",  # secret-looking key names and token formats are heuristics
    "URL": "medium",  # endpoint roles are inferred from variable names
    "DRF": "medium",  # facts read from prose tables in docs
}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


# ----------------------------------------------------------------------------- rules


def rule_descriptor(rule: Rule) -> dict:
    sections = rule.sections()
    what = sections.get("What it does") or rule.summary
    tags = _unique([*(["security"] if rule.security else []), *rule.tags, rule.family.lower()])
    properties: dict = {"tags": tags[:MAX_TAGS], "precision": PRECISION.get(rule.family, "medium")}
    if rule.security:
        properties["security-severity"] = score(impact(rule.id, rule.severity, rule.severity))
    else:
        properties["problem.severity"] = PROBLEM_SEVERITY.get(rule.severity, "warning")
    descriptor = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": short_description(_paragraphs(_plain(what)))},
        "help": {"text": _help_text(rule), "markdown": _help_markdown(rule)},
        "helpUri": rule_page(rule.id),
        "defaultConfiguration": {"level": rule.severity},
        "properties": properties,
    }
    return descriptor


def short_description(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """The first paragraph, cut after the last whole sentence that fits in `limit` characters
    (or at a word, with an ellipsis, when even the first sentence is too long)."""
    first = text.strip().split("\n\n")[0]
    if len(first) <= limit:
        return first
    cut = max((m.end() for m in re.finditer(r"[.!?](?=\s)", first[:limit])), default=0)
    if cut:
        return first[:cut]
    return first[:limit - 1].rsplit(" ", 1)[0] + "…"


def _unknown_descriptor(f: Finding) -> dict:
    """A rule id that is not in the registry (a plugin, a test): still a valid reference."""
    return {
        "id": f.rule,
        "name": f.name or f.rule,
        "shortDescription": {"text": f.name or f.rule},
        "defaultConfiguration": {"level": f.severity},
        "properties": {"tags": [f.rule.rstrip("0123456789").lower() or "auditor"], "precision": "medium",
                       "problem.severity": PROBLEM_SEVERITY[f.severity]},
    }


def _help_markdown(rule: Rule) -> str:
    head = f"**{rule.id} {rule.name}** (default severity: {rule.severity})\n\n{rule.summary}"
    tail = (f"Run `auditor explain {rule.id}` to read this in a terminal, or see "
            f"[the rule's page]({rule_page(rule.id)}).")
    return "\n\n".join(p for p in (head, rule.doc.strip(), tail) if p)


def _help_text(rule: Rule) -> str:
    parts = [f"{rule.id} {rule.name} (default severity: {rule.severity})", rule.summary]
    sections = rule.sections()
    if sections:
        for title, body in sections.items():
            parts.append(f"{title}\n{_plain(body)}")
    elif rule.doc.strip():
        parts.append(_plain(rule.doc.strip()))
    parts.append(f"Run `auditor explain {rule.id}` to read this in a terminal.")
    return "\n\n".join(p for p in parts if p.strip())


_FENCE = re.compile(r"^\s*(```|~~~)")


def _plain(markdown: str) -> str:
    """Markdown to plain text, lightly: fences and heading marks go, the words stay."""
    out = []
    for line in markdown.splitlines():
        if _FENCE.match(line):
            continue
        out.append(re.sub(r"^#+\s+", "", line))
    return "\n".join(out).strip()


def _paragraphs(text: str) -> str:
    """Unwrap hard-wrapped lines into paragraphs (a plain text message must not suggest layout)."""
    paras = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(l.strip() for l in p.splitlines() if l.strip()) for p in paras)


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for i in items:
        if i:
            seen.setdefault(i, None)
    return list(seen)


# ----------------------------------------------------------------------------- results


def message_text(text: str) -> str:
    """A plain text SARIF message: URL passwords masked, ending with a period (the SARIF
    validator's SARIF2001 guideline), braces doubled (SARIF 2.1.0 §3.11.5: in message strings
    `{` and `}` are written `{{` and `}}`, a single one would start a placeholder)."""
    text = redact_url_passwords(text).strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text.replace("{", "{{").replace("}", "}}")


def _link_text(text: str) -> str:
    """Link text of an embedded link (§3.11.6): `\\`, `[` and `]` escaped with a backslash."""
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def _uri(prefix: str, path: str) -> str:
    # A name that is not UTF-8 (held as surrogates) is percent-encoded byte for byte.
    return quote(repo_path(prefix, path), safe="/", errors="surrogateescape")


def _region(line: int, column: int, end_line: Optional[int] = None,
            end_column: Optional[int] = None) -> dict:
    line, column = max(1, line), max(1, column)
    end_line = end_line if end_line and end_line >= line else line
    region = {"startLine": line, "startColumn": column, "endLine": end_line}
    if end_column and (end_line > line or end_column >= column):
        region["endColumn"] = end_column
    elif end_line == line:
        region["endColumn"] = column + 1
    return region


def _physical(prefix: str, path: str, region: dict) -> dict:
    return {"artifactLocation": {"uri": _uri(prefix, path), "uriBaseId": "%SRCROOT%"}, "region": region}


def _same(text: str) -> str:
    return text


def result(f: Finding, rule_index: int, prefix: str = "", rule: Optional[Rule] = None,
           fixes: Optional[list[dict]] = None, clean: Callable[[str], str] = _same) -> dict:
    """One SARIF result; `clean` is the report's masker, applied to every text from the tree."""
    related = list(f.related[:MAX_RELATED])
    text = message_text(clean(f.message))
    links = []
    for i, r in enumerate(related[:MAX_LINKS_IN_MESSAGE], start=1):
        label = redact_url_passwords(clean(r.message)) if r.message else "related"
        where = f"{repo_path(prefix, r.path)}:{r.line}"
        links.append(f"[{_link_text(f'{label} ({where})')}]({i})".replace("{", "{{").replace("}", "}}"))
    if links:
        text += " See: " + "; ".join(links) + "."
    out: dict = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": f.severity,
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(
            prefix, f.path, _region(f.line, f.column, f.end_line, f.end_column))}],
    }
    if related:
        out["relatedLocations"] = [_related(i, r, prefix, clean) for i, r in enumerate(related, start=1)]
    if fixes:  # the verified edits of `auditor fix`, so that code review shows them
        out["fixes"] = [{**fx, "artifactChanges": [
            {**c, "artifactLocation": {**c["artifactLocation"], "uri": _uri(prefix, c["artifactLocation"]["uri"])}}
            for c in fx["artifactChanges"]]} for fx in fixes]
    if f.fingerprint:
        # GitHub's own key, so that it does not hash the line's text (which changes with edits
        # that do not touch the problem); its values look like `<16 hex digits>:<occurrence>`,
        # and the engine's fingerprint already tells repeated occurrences apart.
        out["partialFingerprints"] = {"primaryLocationLineHash": f"{f.fingerprint[:16]}:1",
                                      "auditor/v1": f.fingerprint}
    if rule is not None and rule.security:
        # Graded per finding (a world-open datastore is critical where most open ports are
        # high); GitHub shows the rule's grade, other viewers read the result's.
        out["properties"] = {"security-severity": score(
            impact(f.rule, f.severity, rule.severity, f.impact))}
    return out


def _related(i: int, r: Related, prefix: str, clean: Callable[[str], str] = _same) -> dict:
    loc: dict = {"id": i, "physicalLocation": _physical(prefix, r.path, _region(r.line, r.column))}
    if r.message:
        loc["message"] = {"text": message_text(clean(r.message))}
    return loc


def _keep(findings: list[Finding], limit: int) -> list[Finding]:
    """At most `limit` findings, the most severe first, in their original order."""
    if len(findings) <= limit:
        return findings
    ranked = sorted(range(len(findings)), key=lambda i: -SEVERITY_RANK[findings[i].severity])
    kept = sorted(ranked[:limit])
    return [findings[i] for i in kept]


# ----------------------------------------------------------------------------- the log


def automation_id(category: str) -> str:
    """`automationDetails.id` for a category: GitHub takes everything before the last `/` as
    the category, so the id is the category and a closing `/`."""
    return category.strip().strip("/") + "/"


def default_category(prefix: str) -> str:
    """`auditor/<the scanned folder, relative to the repository root>` (`auditor/deploy`), or
    `auditor` for the repository root itself or outside a repository (never relative to the
    current folder: the same check gives the same report from anywhere)."""
    return f"auditor/{prefix}" if prefix else "auditor"


def document(report: Report, *, prefix: str = "", source_root: Optional[str] = None,
             max_results: int = MAX_RESULTS, category: Optional[str] = None,
             fixes: Optional[dict[str, list[dict]]] = None) -> dict:
    """The SARIF log of `report`. `prefix`: the scanned root relative to `source_root` (the
    repository root; default: the scanned root itself, prefix ""). `category`: see
    `automation_id` (default: `default_category`)."""
    registry = all_rules()
    rules: list[dict] = []
    index: dict[str, int] = {}
    known: dict[str, Rule] = {}
    for r in [*registry.values(), *(r for r in report.rules if r.id not in registry)]:
        known.setdefault(r.id, r)
        if r.id not in index:
            index[r.id] = len(rules)
            rules.append(rule_descriptor(r))
    for f in report.findings:
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append(_unknown_descriptor(f))

    kept = _keep(report.findings, max_results)
    fixes = fixes or {}
    results = [result(f, index[f.rule], prefix, known.get(f.rule), fixes.get(f.fingerprint), report.masker)
               for f in kept]
    invocation: dict = {"executionSuccessful": True}
    left_out = len(report.findings) - len(kept)
    if left_out:
        invocation["toolExecutionNotifications"] = [{
            "level": "warning",
            "descriptor": {"id": "results-truncated"},
            "message": {"text": message_text(
                f"{left_out} results were left out: auditor found {len(report.findings)}, and GitHub "
                f"code scanning accepts at most {max_results} per run; the {len(kept)} most severe "
                "are included, see `auditor check --format json` for all of them")},
        }]

    root = Path(source_root or report.root)
    driver: dict = {
        "name": "auditor",
        "semanticVersion": __version__,
        "version": __version__,
    }
    driver["informationUri"] = REPOSITORY
    driver["rules"] = rules
    run: dict = {
        "tool": {"driver": driver},
        "automationDetails": {"id": automation_id(category or default_category(prefix))},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, options: RenderOptions = RenderOptions()) -> str:
    prefix = repository_prefix(report.root) if options.prefix is None else options.prefix
    source_root = None
    if prefix:
        source_root = str(Path(report.root).parents[len(prefix.split("/")) - 1])
    return json_safe(json.dumps(document(report, prefix=prefix, source_root=source_root, category=options.category,
                                         fixes=dict(options.fixes or {})), indent=2, ensure_ascii=False)) + "\n"

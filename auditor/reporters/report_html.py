"""`auditor check --format html`: the findings for people who open a CI artifact.

One self-contained page: the exposure map on top (click an element to see its findings), then
every finding grouped by file with its source line (secrets masked), related places and the
rule's fix. A finding's anchor is its fingerprint (`#finding-<id>`), the id JSON and SARIF
reports give, and "show on the map" selects the elements it sits on.
"""
from __future__ import annotations

from html import escape
from itertools import groupby

from ..escape import escape_controls
from ..graph.secrets import scrubber
from ..redact import redact_broken_line, redact_line
from ..report import RenderOptions, Report, summary
from .exposure_map import ExposureMap, build_map, clean
from .map_page import render_page


def _esc(value: object) -> str:
    return escape(clean(value), quote=True)


def _findings_section(report: Report, m: ExposureMap, known) -> str:
    lines: dict[str, list[str] | None] = {}
    by_fp = {f.id: f for f in m.findings.values()}
    out = [f'<section class="report" id="findings"><h2>Findings ({len(report.findings)})</h2>']
    if not report.findings:
        out.append(f"<p>No findings in {len(report.files)} files.</p>")
    for path, group in groupby(report.findings, key=lambda f: f.path):
        out.append(f'<div class="file-group"><h3>{_esc(path)}</h3>')
        for f in group:
            fid = f.fingerprint or f"{f.rule}-{f.path}-{f.line}-{f.column}"
            mf = by_fp.get(fid)
            snippet = None if f.secret else _line(lines, report, f.path, f.line)
            redact = redact_broken_line if f.rule in ("AUD001", "AUD002") else redact_line
            shown = escape_controls(redact(known(snippet.rstrip()))[:240]) if snippet and snippet.strip() else ""
            related = "".join(f"<li>{_esc(escape_controls(known(r.path)))}:{r.line} "
                              f"{_esc(escape_controls(known(redact_line(r.message))))}</li>" for r in f.related)
            on_map = (f'<a class="map-link" href="#{_esc(fid)}" data-show="{_esc(fid)}">show on the map</a>'
                      if mf and mf.elements else '<span class="hint map-link">not on the map</span>')
            out.append(
                f'<article class="finding sev-{f.severity}" id="finding-{_esc(fid)}" data-finding="{_esc(fid)}">'
                f'<div class="head"><span class="sev-tag sev-{f.severity}">{f.severity}</span> '
                f'<code>{_esc(f.rule)}</code> <span class="hint">{_esc(f.name)}</span> '
                f'<span class="loc">{_esc(f.path)}:{f.line}:{f.column}</span> {on_map}</div>'
                f'<div class="message">{_esc(escape_controls(known(redact_line(f.message))))}</div>'
                + (f'<pre><code>{f.line:>5} | {_esc(shown)}</code></pre>' if shown else "")
                + (f'<ul class="related">{related}</ul>' if related else "")
                + (f'<p class="fix"><strong>Fix:</strong> {_esc(mf.fix)}</p>' if mf and mf.fix else "")
                + f'<div class="fid">id {_esc(fid)}</div></article>')
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


def _line(cache: dict, report: Report, path: str, line: int):
    if path not in cache:  # split each file once, not once per finding
        text, _ = report.reader.read(path)
        cache[path] = text.split("\n") if text is not None else None
    split = cache[path]
    return split[line - 1] if split is not None and 0 < line <= len(split) else None


def render(report: Report, options: RenderOptions = RenderOptions()) -> str:
    known = scrubber(report.graph)  # secrets far from their key (a command, a table cell)
    m = build_map(report.graph, report.findings, known)
    text = summary(report) or f"No findings in {len(report.files)} files."
    return render_page(m, title=f"auditor report: {report.root}", root=report.root, summary=text,
                       body_after=_findings_section(report, m, known), linked=True)

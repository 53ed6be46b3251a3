"""One self-contained HTML page around the exposure map: inline SVG, style and a little script.

Nothing is fetched from anywhere: no external script, style, font or image, and a Content
Security Policy that only allows this page's own style and script (by hash) says so to the
browser too. Data for the script travels as JSON in a non-executed `<script type=
"application/json">`, with `<`, `>` and `&` escaped, and the script writes every text through
`textContent`, so a name from the scanned tree can never become markup.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
from html import escape
from importlib import resources
from typing import Optional

from .. import __version__
from .exposure_map import ExposureMap, clean
from .map_svg import COLOURS, FILLS, STYLE, render_svg

SEVERITIES = ("error", "warning", "note")


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    """The page's script or style, shipped beside this module (read once per process)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _esc(value: object) -> str:
    return escape(clean(value), quote=True)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def script_json(value: object) -> str:
    """JSON safe inside `<script>`: no `</script>`, no `<!--`, no HTML entity can appear."""
    text = json.dumps(value, ensure_ascii=True, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_data(m: ExposureMap) -> dict:
    def el(e) -> dict:
        return {"label": e.label, "kind": e.kind, "sub": e.sub, "where": e.where,
                "details": [list(d) for d in e.details], "findings": list(e.findings)}

    elements = {}
    for e in m.elements():
        elements[e.id] = el(e)
    return {
        "elements": elements,
        "edges": {e.id: {"source": e.source, "target": e.target, "source_row": e.source_row,
                         "label": e.label, "findings": list(e.findings)} for e in m.edges},
        "findings": {f.id: {"rule": f.rule, "name": f.name, "severity": f.severity, "message": f.message,
                            "path": f.path, "line": f.line, "column": f.column,
                            "related": [{"path": p, "line": ln, "message": msg} for p, ln, msg in f.related],
                            "fix": f.fix, "elements": list(f.elements)} for f in m.findings.values()},
    }


def _legend() -> str:
    def line(cls: str, colour: str, dash: str = "", width: float = 2.5) -> str:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        return (f'<svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" '
                f'stroke="{colour}" stroke-width="{width}"{d}/></svg>')

    def box(colour: str, fill: str) -> str:
        return (f'<svg width="18" height="14" aria-hidden="true"><rect x="1" y="1" width="16" height="12" rx="3" '
                f'fill="{fill}" stroke="{colour}" stroke-width="2"/></svg>')

    items = [
        (box(COLOURS["error"], FILLS["error"]) + line("", COLOURS["error"], width=3), "error"),
        (box(COLOURS["warning"], FILLS["warning"]) + line("", COLOURS["warning"]), "warning"),
        (box(COLOURS["note"], FILLS["note"]) + line("", COLOURS["note"]), "note"),
        (box(COLOURS["exposed"], "#fff") + line("", COLOURS["exposed"], width=2), "reachable from the internet"),
        (line("", COLOURS["internal"], width=1.2), "internal"),
        (line("", COLOURS["internal"], "3 3", 1.2), "uses (depends_on, URL)"),
        (line("", COLOURS["broken"], "5 3", 1.5), "leads nowhere"),
        ('<span class="legend-chip">\u21a4</span>', "URL in an env file or doc that reaches it"),
    ]
    return '<div class="legend" id="legend"><strong>Legend</strong>' + "".join(
        f"<span>{sym} {escape(text)}</span>" for sym, text in items) + "</div>"


def _controls(m: ExposureMap) -> str:
    counts = {s: 0 for s in SEVERITIES}
    rules: dict[str, list] = {}
    for f in m.findings.values():
        counts[f.severity] += 1
        rules.setdefault(f.rule, [f.name, 0])[1] += 1
    sev = "".join(
        f'<label><input type="checkbox" data-sev="{s}" checked> <span class="sev-tag sev-{s}">{s}</span> '
        f'<span id="count-{s}">{counts[s]}</span></label>' for s in SEVERITIES)
    rule_boxes = "".join(
        f'<label><input type="checkbox" data-rule="{_esc(rid)}" checked> <code>{_esc(rid)}</code> '
        f'{_esc(name)} ({n})</label>' for rid, (name, n) in sorted(rules.items()))
    rule_filter = (f'<details><summary>Rules ({len(rules)})</summary><div>{rule_boxes}</div></details>'
                   if rules else "")
    return (f'<nav class="controls" aria-label="filters">{sev}{rule_filter}'
            '<input type="search" id="search" placeholder="search: name, file:line, rule, finding id" '
            'aria-label="search the map"><span id="search-count" class="hint"></span>'
            '<span><button type="button" data-zoom="0.8" title="zoom out">\u2212</button> '
            '<button type="button" data-zoom="1.25" title="zoom in">+</button> '
            '<button type="button" data-zoom="fit" title="fit the width">fit</button></span></nav>')


def _unplaced(m: ExposureMap, linked: bool) -> str:
    rest = m.unplaced
    if not rest:
        return ""
    items = "".join(
        f'<li data-finding="{_esc(f.id)}"><span class="sev-tag sev-{f.severity}">{f.severity}</span> '
        f'<code>{_esc(f.rule)}</code> {_esc(f.message)} <span class="hint">{_esc(f.path)}:{f.line}</span>'
        + (f' <a href="#finding-{_esc(f.id)}">details</a>' if linked else "") + "</li>"
        for f in rest)
    return (f'<section class="report" id="not-on-map"><h2>Findings with no element on the map ({len(rest)})</h2>'
            f'<p class="hint">They concern lines that draw nothing (an env variable, a docs paragraph, a file '
            f'that could not be read).</p><ul>{items}</ul></section>')


def render_page(m: ExposureMap, *, title: str, root: str, body_after: str = "",
                summary: Optional[str] = None, linked: bool = False) -> str:
    """The page: header, filters, legend, the map with its side panel, then `body_after`."""
    css = STYLE + "\n" + _asset("map_page.css")
    js = _asset("map_page.js")
    csp = (f"default-src 'none'; script-src {_csp_hash(js)}; style-src {_csp_hash(css)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    counts = {s: sum(1 for f in m.findings.values() if f.severity == s) for s in SEVERITIES}
    summary = summary or (", ".join(f"{n} {s}" for s, n in counts.items()) + f" \u00b7 {len(m.nodes)} elements, "
                          f"{len(m.edges)} connections")
    svg = render_svg(m, titles=False, standalone=False)
    return "".join([
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_esc(title)}</title><style>{css}</style></head>\n<body>",
        f'<header class="top"><h1>{_esc(title.split(":")[0])}</h1><div class="root">{_esc(root)}</div>',
        f'<div class="summary">{_esc(summary)}</div>{_legend()}</header>\n',
        _controls(m),
        f'\n<main class="map-area" id="map"><div class="map-wrap">{svg}</div>'
        '<aside id="panel" aria-live="polite"></aside></main>\n',
        _unplaced(m, linked),
        body_after,
        f'<footer>auditor {escape(__version__)} \u00b7 works offline: this file fetches nothing.</footer>',
        f'<script type="application/json" id="auditor-data">{script_json(page_data(m))}</script>\n',
        f"<script>{js}</script>\n</body></html>\n",
    ])

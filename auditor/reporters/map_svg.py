"""The exposure map drawn as SVG: boxes placed by `map_layout`, colours by severity.

Every text and attribute value is escaped for XML after `exposure_map.clean` turned control
characters into visible escapes, so a hostile name is shown, never interpreted. The drawing
carries element ids and classes only (no inline style, no link, no script): the HTML page adds
behaviour around it, and the stand-alone SVG gets `<title>` tooltips with the findings.
"""
from __future__ import annotations

from html import escape
from typing import Optional

from .exposure_map import RANK_TITLES, Element, ExposureMap, Node, clean
from .map_layout import Box, Layout, Link, layout

HEAD = 38.0  # label + sub line
ROW = 18.0
CHIP = 17.0
PAD = 6.0
TOP = 30.0  # room for the column titles
LABEL_CHAR = 7.0  # average advance of a 12px bold sans-serif character
SMALL_CHAR = 5.9  # 10.5px
WIDTH = {0: (110, 170), 1: (130, 210), 2: (130, 220), 3: (220, 320), 4: (160, 270), 5: (160, 260)}

# Colours shared with the HTML page's legend (error, warning, note, exposed, internal).
COLOURS = {"error": "#cf222e", "warning": "#b35900", "note": "#0969da", "exposed": "#8250df",
           "internal": "#8c959f", "broken": "#cf222e"}
FILLS = {"error": "#ffebe9", "warning": "#fff1e0", "note": "#ddf4ff"}

STYLE = """
.exposure-map{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#fff}
.exposure-map text{fill:#1f2328;font-size:12px}
.exposure-map .col-title{font-size:11px;fill:#656d76;text-transform:uppercase;letter-spacing:.06em}
.exposure-map .group>rect{fill:#f6f8fa;stroke:#d0d7de;stroke-dasharray:4 3}
.exposure-map .group>text{font-size:11px;fill:#57606a;font-weight:600}
.exposure-map .node>rect.box{fill:#fff;stroke:#8c959f;stroke-width:1.2}
.exposure-map .node.exposed>rect.box{stroke:#8250df;stroke-width:1.6}
.exposure-map .node.inactive>rect.box,.exposure-map .node.external>rect.box{stroke-dasharray:4 3}
.exposure-map .node.broken>rect.box{stroke:#cf222e;stroke-dasharray:4 3;fill:#fff}
.exposure-map .sev-note>rect.box{stroke:#0969da;stroke-width:2;fill:#ddf4ff}
.exposure-map .sev-warning>rect.box{stroke:#b35900;stroke-width:2;fill:#fff1e0}
.exposure-map .sev-error>rect.box{stroke:#cf222e;stroke-width:2.4;fill:#ffebe9}
.exposure-map .label{font-weight:600}
.exposure-map .sub,.exposure-map .where{font-size:10.5px;fill:#57606a}
.exposure-map .row>rect.box,.exposure-map .chip>rect.box{fill:#f6f8fa;stroke:#d8dee4;stroke-width:1}
.exposure-map .row text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11px}
.exposure-map .row text.sub{font-size:10px}
.exposure-map .chip text{font-size:10px}
.exposure-map .badge circle{fill:#8c959f}
.exposure-map .badge text{fill:#fff;font-size:10px;font-weight:700}
.exposure-map .sev-error>.badge circle{fill:#cf222e}
.exposure-map .sev-warning>.badge circle{fill:#b35900}
.exposure-map .sev-note>.badge circle{fill:#0969da}
.exposure-map .edge{fill:none;stroke:#8c959f;stroke-width:1.2;marker-end:url(#arrow-internal)}
.exposure-map .edge.uses{stroke-dasharray:3 3;opacity:.7}
.exposure-map .edge.exposed{stroke:#8250df;stroke-width:2;marker-end:url(#arrow-exposed)}
.exposure-map .edge.broken{stroke:#cf222e;stroke-dasharray:5 3;marker-end:url(#arrow-error)}
.exposure-map .edge.sev-note{stroke:#0969da;stroke-width:2.4;marker-end:url(#arrow-note)}
.exposure-map .edge.sev-warning{stroke:#b35900;stroke-width:2.6;marker-end:url(#arrow-warning)}
.exposure-map .edge.sev-error{stroke:#cf222e;stroke-width:3;marker-end:url(#arrow-error)}
""".strip()


def _esc(value: object) -> str:
    return escape(clean(value), quote=True)


def _fit(text: str, width: float, char: float) -> str:
    return clean(text, max(4, int(width / char)))


def _size(n: Node) -> tuple[float, float]:
    lo, hi = WIDTH.get(n.rank, (140, 240))
    want = max([len(n.label) * LABEL_CHAR, len(n.sub) * SMALL_CHAR, len(n.where) * SMALL_CHAR]
               + [len(r.label) * 6.6 + 40 for r in n.rows] + [(len(c.label) + len(c.sub)) * SMALL_CHAR + 30
                                                            for c in n.chips]) + 2 * PAD + 24
    width = min(hi, max(lo, want))
    height = HEAD + 14 + len(n.rows) * ROW + len(n.chips) * CHIP + (PAD if n.rows or n.chips else 0)
    return width, height


def place(m: ExposureMap) -> tuple[Layout, dict[str, Box]]:
    boxes: dict[str, Box] = {}
    sizes = {n.id: _size(n) for n in m.nodes}
    widths: dict[int, float] = {}  # one width per column: the picture reads as columns
    for n in m.nodes:
        widths[n.rank] = max(widths.get(n.rank, 0.0), sizes[n.id][0])
    for n in m.nodes:
        w, h = widths[n.rank], sizes[n.id][1]
        ports = {"in": HEAD / 2, "out": HEAD / 2}
        for i, r in enumerate(n.rows):
            ports[r.id] = HEAD + 14 + i * ROW + ROW / 2
        boxes[n.id] = Box(n.id, n.rank, w, h, group=n.group, ports=ports)
    links = [Link(e.id, e.source, e.target, e.source_row or "out", "in") for e in m.edges]
    return layout(list(boxes.values()), links), boxes


def severity_class(m: ExposureMap, findings: list[str]) -> str:
    sev = m.severity(findings)
    return f" sev-{sev}" if sev else ""


def render_svg(m: ExposureMap, *, titles: bool = True, standalone: bool = True) -> str:
    """The map as an SVG document (`standalone`: with its style and an XML-ready root)."""
    lay, boxes = place(m)
    width, height = max(lay.width, 400), lay.height + TOP
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="exposure-map" id="exposure-map" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
           f'role="img" aria-label="exposure map">']
    if standalone:
        out.append(f"<style>{STYLE}</style>")
    out.append("<defs>" + "".join(
        f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" '
        f'markerWidth="9" markerHeight="9" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
        for k, c in COLOURS.items()) + "</defs>")
    out.append(f'<g transform="translate(0,{TOP:.0f})">')
    # Column titles, above each rank that has nodes.
    columns: dict[int, float] = {}
    for n in m.nodes:
        x = lay.positions[n.id][0]
        columns[n.rank] = min(columns.get(n.rank, x), x)
    out.append('<g class="columns">' + "".join(
        f'<text class="col-title" x="{x:.1f}" y="-12">{_esc(RANK_TITLES[r])}</text>'
        for r, x in sorted(columns.items())) + "</g>")

    out.append('<g class="groups">')
    for g in m.groups:
        if g.id not in lay.groups:
            continue
        x, y, w, h = lay.groups[g.id]
        out.append(f'<g class="group el kind-{g.kind}{severity_class(m, g.findings)}" id="{_esc(g.id)}" '
                   f'data-el="{_esc(g.id)}">{_title(m, g) if titles else ""}'
                   f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6"/>'
                   f'<text x="{x + 8:.1f}" y="{y + 14:.1f}">{_esc(_fit(g.label, w - 16, 6.4))}</text></g>')
    out.append("</g>")

    by_node = {n.id: n for n in m.nodes}
    out.append('<g class="edges">')
    for e in m.edges:
        pts = lay.routes.get(e.id)
        if not pts:
            continue
        classes = " ".join(["edge", e.kind, *e.tags]) + severity_class(m, e.findings)
        out.append(f'<path class="{_esc(classes)}" id="{_esc(e.id)}" data-edge="{_esc(e.id)}" '
                   f'data-source="{_esc(e.source)}" data-target="{_esc(e.target)}" d="{_curve(pts)}">'
                   f'{_edge_title(m, e, by_node) if titles else ""}</path>')
    out.append("</g>")

    out.append('<g class="nodes">')
    for n in m.nodes:
        x, y = lay.positions[n.id]
        w, h = boxes[n.id].width, boxes[n.id].height
        classes = " ".join(["node", "el", f"kind-{n.kind}", *n.tags]) + severity_class(m, n.findings)
        out.append(f'<g class="{_esc(classes)}" id="{_esc(n.id)}" data-el="{_esc(n.id)}" '
                   f'transform="translate({x},{y})">{_title(m, n) if titles else ""}'
                   f'<rect class="box" width="{w}" height="{h}" rx="5"/>'
                   f'<text class="label" x="{PAD + 2}" y="16">{_esc(_fit(n.label, w - 40, LABEL_CHAR))}</text>'
                   f'<text class="sub" x="{PAD + 2}" y="30">{_esc(_fit(n.sub, w - 12, SMALL_CHAR))}</text>'
                   f'<text class="where" x="{PAD + 2}" y="{HEAD + 8}">{_esc(_fit(n.where, w - 12, SMALL_CHAR))}</text>'
                   + _badge(m, n.findings, w))
        yy = HEAD + 14
        for r in n.rows:
            label = _fit(r.label, (w - 2 * PAD) * 0.55, 6.6)
            room = (w - 2 * PAD - 12) - len(label) * 6.6
            sub = _fit("\u2192 " + r.sub, room, 6.0) if r.sub and room > 40 else ""
            out.append(f'<g class="row el kind-{r.kind}{severity_class(m, r.findings)}" id="{_esc(r.id)}" '
                       f'data-el="{_esc(r.id)}">{_title(m, r) if titles else ""}'
                       f'<rect class="box" x="{PAD}" y="{yy + 1}" width="{w - 2 * PAD}" height="{ROW - 2}" rx="3"/>'
                       f'<text x="{PAD + 5}" y="{yy + 13}">{_esc(label)}</text>'
                       + (f'<text class="sub" x="{w - PAD - 5}" y="{yy + 13}" text-anchor="end">{_esc(sub)}</text>'
                          if sub else "")
                       + _badge(m, r.findings, w - PAD, yy + ROW / 2, small=True) + "</g>")
            yy += ROW
        for c in n.chips:
            text = _fit(f"\u21a4 {c.label}  {c.sub}", w - 2 * PAD - 24, SMALL_CHAR)
            out.append(f'<g class="chip el kind-{c.kind}{" via-public" if "via-public" in c.tags else ""}'
                       f'{severity_class(m, c.findings)}" id="{_esc(c.id)}" data-el="{_esc(c.id)}">'
                       f'{_title(m, c) if titles else ""}'
                       f'<rect class="box" x="{PAD}" y="{yy + 1}" width="{w - 2 * PAD}" height="{CHIP - 2}" rx="7"/>'
                       f'<text x="{PAD + 6}" y="{yy + 12}">{_esc(text)}</text>'
                       + _badge(m, c.findings, w - PAD, yy + CHIP / 2, small=True) + "</g>")
            yy += CHIP
        out.append("</g>")
    out.append("</g></g></svg>")
    return "\n".join(out) + "\n"


def _badge(m: ExposureMap, findings: list[str], x: float, y: Optional[float] = None, small: bool = False) -> str:
    if not findings:
        return ""
    r = 7 if small else 9
    cx, cy = (x - r - 4, 14) if y is None else (x - r - 2, y)
    return (f'<g class="badge"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}"/>'
            f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle">{len(findings)}</text></g>')


def _curve(pts: list[tuple[float, float]]) -> str:
    d = [f"M{pts[0][0]},{pts[0][1]}"]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if y0 == y1:
            d.append(f"L{x1},{y1}")
        else:
            mx = (x0 + x1) / 2
            d.append(f"C{mx:.1f},{y0} {mx:.1f},{y1} {x1},{y1}")
    return " ".join(d)


def _title(m: ExposureMap, el: Element) -> str:
    lines = [f"{el.label} ({el.kind})", el.where]
    for fid in el.findings:
        f = m.findings[fid]
        lines.append(f"{f.severity} {f.rule}: {f.message}")
    return "<title>" + "&#10;".join(_esc(l) for l in lines if l) + "</title>"


def _edge_title(m: ExposureMap, e, by_node: dict[str, Node]) -> str:
    a, b = by_node[e.source], by_node[e.target]
    lines = [f"{a.label} \u2192 {b.label}" + (f" ({e.label})" if e.label else "")]
    for fid in e.findings:
        f = m.findings[fid]
        lines.append(f"{f.severity} {f.rule}: {f.message}")
    return "<title>" + "&#10;".join(_esc(l) for l in lines if l) + "</title>"

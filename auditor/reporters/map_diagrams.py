"""The exposure map in graph languages: Graphviz DOT and Mermaid, findings included.

Both are text that another program parses, so every name from the scanned tree is escaped by
that language's own rules: DOT double-quoted strings escape `\\` and `"` (a backslash would
otherwise start `\\n`, `\\l`, `\\N`... escapes), Mermaid labels are quoted with every
character that means something to its parser written as an entity code (`#quot;`, `#35;`).
Control characters were already turned into visible escapes by `clean`, so no name can end
a line. No URL, link or click directive is ever written: nothing in the picture runs.
"""
from __future__ import annotations

import re
from typing import Iterable

from .exposure_map import Element, ExposureMap, Node, clean
from .map_svg import COLOURS, FILLS

_SEV_MARK = {"error": "\u2716", "warning": "\u26a0", "note": "\u2139"}


def _mark(m: ExposureMap, ids: Iterable[str]) -> str:
    """`✖ EXP001, EXP002`: the rules found on an element, worst first."""
    ids = list(ids)
    sev = m.severity(ids)
    if not sev:
        return ""
    rules = list(dict.fromkeys(m.findings[i].rule for i in ids))
    return f"{_SEV_MARK[sev]} {', '.join(rules[:4])}{' ...' if len(rules) > 4 else ''}"


def _messages(m: ExposureMap, ids: Iterable[str]) -> list[str]:
    return [f"{m.findings[i].severity} {m.findings[i].rule} [{i[:12]}]: {m.findings[i].message}" for i in ids]


# ---------------------------------------------------------------- DOT


def dot_string(text: object, limit: int = 0) -> str:
    """A DOT double-quoted string, quotes included."""
    s = clean(text, limit)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_lines(*lines: str) -> str:
    """Several lines in one label: each escaped, joined with DOT's own `\\n`."""
    return '"' + "\\n".join(dot_string(l)[1:-1] for l in lines if l) + '"'


def _dot_attrs(m: ExposureMap, el: Element, exposed: bool) -> list[str]:
    sev = m.severity(el.findings)
    attrs = [f"id={dot_string(el.id)}"]
    if sev:
        attrs += [f'color="{COLOURS[sev]}"', f'fillcolor="{FILLS[sev]}"', "penwidth=2"]
    elif "broken" in el.tags:
        attrs += [f'color="{COLOURS["broken"]}"', 'style="rounded,dashed"']
    elif exposed:
        attrs += [f'color="{COLOURS["exposed"]}"', "penwidth=1.6"]
    tip = [f"{el.label} ({el.kind})", el.where, *_messages(m, el.findings)]
    attrs.append(f"tooltip={_dot_lines(*(clean(t, 300) for t in tip))}")
    return attrs


def render_dot(m: ExposureMap) -> str:
    out = ["digraph exposure {",
           '  graph [rankdir=LR, newrank=true, fontname="Helvetica", fontsize=11, nodesep=0.2, ranksep=0.8];',
           '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#8c959f", '
           'fontname="Helvetica", fontsize=10];',
           f'  edge [color="{COLOURS["internal"]}", fontname="Helvetica", fontsize=9];']

    def node_lines(n: Node, indent: str) -> list[str]:
        label = _dot_lines(clean(n.label, 60), clean(n.sub, 60), n.where, _mark(m, n.findings))
        lines = [f"{indent}{dot_string(n.id)} [label={label}, {', '.join(_dot_attrs(m, n, 'exposed' in n.tags))}];"]
        for r in n.rows:
            label = _dot_lines(clean(r.label, 60), clean(r.sub, 60), r.where, _mark(m, r.findings))
            lines.append(f'{indent}{dot_string(r.id)} [label={label}, shape=box, style="filled", '
                         f'fillcolor="#f6f8fa", {", ".join(_dot_attrs(m, r, False))}];')
            lines.append(f'{indent}{dot_string(n.id)} -> {dot_string(r.id)} [arrowhead=none, style=dotted];')
        for c in n.chips:
            label = _dot_lines(clean(c.label, 40), clean(c.sub, 50), _mark(m, c.findings))
            lines.append(f'{indent}{dot_string(c.id)} [label={label}, shape=note, style="filled", fillcolor="#f6f8fa", '
                         f'{", ".join(_dot_attrs(m, c, False))}];')
        return lines

    by_group: dict[str, list[Node]] = {}
    loose: list[Node] = []
    for n in m.nodes:
        (by_group.setdefault(n.group, []) if n.group else loose).append(n)
    for i, g in enumerate(m.groups):
        members = by_group.get(g.id, [])
        if not members:
            continue
        out.append(f"  subgraph {dot_string('cluster_' + g.id)} {{")
        out.append(f"    label={_dot_lines(clean(g.label, 80), _mark(m, g.findings))}; labeljust=l; "
                   f'style="rounded,dashed"; color="#d0d7de"; fontsize=10;')
        for n in members:
            out += node_lines(n, "    ")
        out.append("  }")
    for n in loose:
        out += node_lines(n, "  ")
    # One column per rank, as in the SVG map (newrank lets rank=same reach into clusters).
    ranks: dict[int, list[str]] = {}
    for n in m.nodes:
        ranks.setdefault(n.rank, []).append(dot_string(n.id))
    for r in sorted(ranks):
        out.append(f"  {{ rank=same; {'; '.join(ranks[r])}; }}")
    for n in m.nodes:
        for c in n.chips:
            out.append(f'  {dot_string(c.id)} -> {dot_string(n.id)} [style=dashed, arrowhead=open, '
                       f'color="{COLOURS["internal"]}"];')
    for e in m.edges:
        attrs = [f"id={dot_string(e.id)}"]
        sev = m.severity(e.findings)
        if sev:
            attrs += [f'color="{COLOURS[sev]}"', "penwidth=2.5"]
        elif "broken" in e.tags:
            attrs += [f'color="{COLOURS["broken"]}"', "style=dashed"]
        elif "exposed" in e.tags:
            attrs += [f'color="{COLOURS["exposed"]}"', "penwidth=1.8"]
        if e.kind == "uses":
            attrs.append("style=dashed")
        if e.label:
            attrs.append(f"label={dot_string(e.label, 40)}")
        if e.findings:
            attrs.append(f"tooltip={_dot_lines(*(clean(t, 300) for t in _messages(m, e.findings)))}")
        out.append(f"  {dot_string(e.source_row or e.source)} -> {dot_string(e.target)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- Mermaid

# Everything but plain letters, digits, space and a few harmless marks becomes `#code;`.
_MERMAID_SAFE = re.compile(r"[^\w ./:,@*+=?!'-]", re.UNICODE)


def mermaid_text(text: object, limit: int = 0) -> str:
    s = clean(text, limit)
    return _MERMAID_SAFE.sub(lambda mm: f"#{ord(mm[0])};", s)


def _mermaid_label(*lines: str) -> str:
    return '"' + "<br/>".join(mermaid_text(l) for l in lines if l) + '"'


def render_mermaid(m: ExposureMap) -> str:
    ids: dict[str, str] = {}

    def mid(el_id: str) -> str:
        if el_id not in ids:
            ids[el_id] = f"n{len(ids) + 1}"
        return ids[el_id]

    out = ["flowchart LR"]
    for sev in ("error", "warning", "note"):
        out.append(f"  classDef {sev} fill:{FILLS[sev]},stroke:{COLOURS[sev]},stroke-width:2px")
    out.append(f"  classDef exposed stroke:{COLOURS['exposed']},stroke-width:1.5px")
    out.append(f"  classDef broken stroke:{COLOURS['broken']},stroke-dasharray:4 3")
    classes: list[str] = []

    def node(el: Element, indent: str, shape: tuple[str, str] = ("[", "]")) -> None:
        label = _mermaid_label(clean(el.label, 60), clean(el.sub, 60), el.where, _mark(m, el.findings))
        out.append(f"{indent}{mid(el.id)}{shape[0]}{label}{shape[1]}")
        sev = m.severity(el.findings)
        cls = sev or ("broken" if "broken" in el.tags else "exposed" if "exposed" in el.tags else None)
        if cls:
            classes.append(f"  class {mid(el.id)} {cls}")

    by_group: dict[str, list[Node]] = {}
    loose: list[Node] = []
    for n in m.nodes:
        (by_group.setdefault(n.group, []) if n.group else loose).append(n)

    def members(n: Node, indent: str) -> None:
        node(n, indent)
        for r in n.rows:
            node(r, indent)
        for c in n.chips:
            node(c, indent, ("[/", "/]"))

    for i, g in enumerate(m.groups, start=1):
        nodes = by_group.get(g.id, [])
        if not nodes:
            continue
        out.append(f"  subgraph g{i}[{_mermaid_label(clean(g.label, 80), _mark(m, g.findings))}]")
        out.append("    direction TB")
        for n in nodes:
            members(n, "    ")
        out.append("  end")
    for n in loose:
        members(n, "  ")
    links: list[tuple[str, str]] = []  # (line, linkStyle or "")
    for n in m.nodes:
        for r in n.rows:
            links.append((f"  {mid(n.id)} -.- {mid(r.id)}", ""))
        for c in n.chips:
            links.append((f"  {mid(c.id)} -.-> {mid(n.id)}", ""))
    for e in m.edges:
        arrow = "-.->" if e.kind == "uses" or "broken" in e.tags else "==>" if "exposed" in e.tags else "-->"
        label = f"|{_mermaid_label(clean(e.label, 40))}|" if e.label else ""
        sev = m.severity(e.findings)
        style = ""
        if sev:
            style = f"stroke:{COLOURS[sev]},stroke-width:3px"
        elif "broken" in e.tags:
            style = f"stroke:{COLOURS['broken']}"
        elif "exposed" in e.tags:
            style = f"stroke:{COLOURS['exposed']},stroke-width:2px"
        links.append((f"  {mid(e.source_row or e.source)} {arrow}{label} {mid(e.target)}", style))
    out += [line for line, _ in links]
    out += [f"  linkStyle {i} {style}" for i, (_, style) in enumerate(links) if style]
    out += classes
    return "\n".join(out) + "\n"

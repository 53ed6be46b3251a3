"""`auditor graph`: the typed graph as JSON (with the exposure map), or the exposure map as
svg / html / dot / mermaid.

Secret values never leave: URL passwords and values of secret-named keys are masked.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from ..escape import json_safe
from ..graph.model import Graph
from ..graph.secrets import masker
from ..knowledge.secrets import secret_key
from ..model import Finding
from ..redact import mask, redact_line

FORMATS = ("json", "dot", "mermaid", "html", "svg")

# Free-text fields where a secret can hide far from its key (an interpolated `command`, a docs
# table cell). Names and ids are left alone: a password equal to a service name must not blank
# the service out of the map.
_FREE_TEXT = {"value", "raw", "text", "cells", "command", "test", "url", "path", "returns",
              "proxy_set_header", "add_header", "description", "message", "reason", "unrouted_reason"}


def _scrub(value: Any, known, free: bool = False) -> Any:
    if isinstance(value, dict):
        key = value.get("key")
        secret = isinstance(key, str) and secret_key(key)
        out = {}
        for k, v in value.items():
            if secret and k in ("value", "raw") and isinstance(v, str) and v:
                out[k] = mask(v)
            else:
                out[k] = _scrub(v, known, k in _FREE_TEXT)
        return out
    if isinstance(value, list):
        return [_scrub(v, known, free) for v in value]
    if isinstance(value, str):
        return redact_line(known(value)) if free else known(value)
    return value


def document(graph: Graph, findings: Sequence[Finding] = ()) -> dict:
    from .exposure_map import build_map, document as map_document

    known = masker(graph)
    doc = _scrub(graph.model_dump(mode="json"), known)
    doc["map"] = _scrub(map_document(build_map(graph, findings, known)), known)
    return doc


def render(graph: Any, fmt: str = "json", findings: Optional[Sequence[Finding]] = None) -> str:
    """`graph`: a Graph, or a Report (its graph and findings)."""
    if findings is None:
        findings = getattr(graph, "findings", ())
    graph = getattr(graph, "graph", graph)
    if fmt == "json":
        return json_safe(json.dumps(document(graph, findings), indent=2, ensure_ascii=False)) + "\n"
    from .exposure_map import build_map

    m = build_map(graph, findings, masker(graph))
    if fmt == "dot":
        from .map_diagrams import render_dot

        return render_dot(m)
    if fmt == "mermaid":
        from .map_diagrams import render_mermaid

        return render_mermaid(m)
    if fmt == "svg":
        from .map_svg import render_svg

        return '<?xml version="1.0" encoding="UTF-8"?>\n' + render_svg(m)
    if fmt == "html":
        from .map_page import render_page

        return render_page(m, title="Exposure map", root=graph.root)
    raise ValueError(f"unknown graph format {fmt!r}")

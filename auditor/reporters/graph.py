"""`auditor graph`: the typed graph as JSON, or the exposure map as dot / mermaid / html.

Secret values never leave: URL passwords and values of secret-named keys are masked.
"""
from __future__ import annotations

import html
import json
from typing import Any

from ..graph.model import Graph
from ..graph.secrets import scrubber
from ..knowledge.secrets import secret_key
from ..redact import mask, redact_line


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
        return redact_line(known(value) if free else value)
    return value


def document(graph: Graph) -> dict:
    return _scrub(graph.model_dump(mode="json"), scrubber(graph))


def render(graph: Graph, fmt: str = "json") -> str:
    if fmt == "json":
        return json.dumps(document(graph), indent=2, ensure_ascii=False) + "\n"
    edges = _edges(graph)
    if fmt == "dot":
        lines = ["digraph exposure {", "  rankdir=LR;"]
        lines += [f'  "{a}" -> "{b}" [label="{lbl}"];' for a, b, lbl in edges]
        return "\n".join(lines + ["}"]) + "\n"
    if fmt == "mermaid":
        ids: dict[str, str] = {}

        def node(name: str) -> str:
            if name not in ids:
                ids[name] = f"n{len(ids)}"
            return f'{ids[name]}["{name}"]'

        lines = ["flowchart LR"] + [f"  {node(a)} -->|{lbl}| {node(b)}" for a, b, lbl in edges]
        return "\n".join(lines) + "\n"
    body = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(lbl)}</td><td>{html.escape(b)}</td></tr>"
                   for a, b, lbl in edges)
    return ("<!doctype html><meta charset=utf-8><title>auditor exposure map</title>"
            "<table border=1><tr><th>from</th><th>via</th><th>to</th></tr>" + body + "</table>\n")


def _edges(graph: Graph) -> list[tuple[str, str, str]]:
    edges: list[tuple[str, str, str]] = []
    for e in graph.exposures:
        l = graph.listeners[e.listener]
        target = l.service.split("::")[-1] if l.service else "nginx"
        if e.reachable:
            edges.append(("internet", f"{l.address or '*'}:{l.port}", f"firewall {e.firewall}"))
        edges.append((f"{l.address or '*'}:{l.port}", target, l.protocol))
    for link in graph.proxy_links:
        to = link.service.split("::")[-1] if link.service else f"{link.host}:{link.port} ({link.kind})"
        edges.append((f"nginx {link.location or ''}", to, "proxy_pass"))
    return sorted(set(edges))

"""Reporters turn findings (and the graph) into text, JSON, SARIF... They never check anything.

Every format is a `render(report, options)` function; `FORMATS` is the one table of them,
imported on first use so a run loads only the format it prints.
"""
from __future__ import annotations

from importlib import import_module
from typing import Callable

from ..report import RenderOptions, Report

Render = Callable[[Report, RenderOptions], str]

# format name -> module holding its `render(report, options=RenderOptions())`
FORMATS = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "html": "report_html",
    "statistics": "statistics",
}


def get_reporter(name: str) -> Render:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}")
    return import_module(f"{__name__}.{FORMATS[name]}").render

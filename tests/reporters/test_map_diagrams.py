"""DOT rendered by Graphviz's `dot` (Debian's graphviz package) and Mermaid text read by
Mermaid's own parser (in headless Chromium): harena's exposure path with its findings, and a
stack with hostile names that neither tool may choke on.

`.ci/run` installs both; locally the tests skip, saying why, when a program is missing.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from browser import Browser, chromium_path
from map_support import REPO, harena_report, write_hostile

MERMAID_JS = Path(os.environ.get("AUDITOR_MERMAID_JS", REPO / ".ci" / "mermaid" / "mermaid.min.js"))


def _dot() -> str:
    exe = shutil.which("dot")
    if exe is None:
        pytest.skip("Graphviz `dot` is not installed (apt-get install graphviz; .ci/run does)")
    return exe


def _render(fmt: str, source) -> str:
    from auditor.reporters.graph import render

    return render(source, fmt)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    from auditor import engine
    from auditor.config import Config

    return engine.check([str(write_hostile(tmp_path_factory.mktemp("hostile")))], Config())


def test_dot_draws_harena_exposure_with_findings(tmp_path):
    text = _render("dot", harena_report())
    (tmp_path / "harena.dot").write_text(text, encoding="utf-8")
    proc = subprocess.run([_dot(), "-Tjson", str(tmp_path / "harena.dot")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    g = json.loads(proc.stdout)
    objects = g["objects"]
    by_id = {o.get("id"): o for o in objects if "id" in o}
    internet = by_id["source-0.0.0.0/0"]
    assert internet["label"].startswith("internet")
    rule = next(o for o in objects if o.get("label", "").startswith("5432/tcp PostgreSQL"))
    listener = next(o for o in objects if o.get("label", "").startswith("*:5432/tcp"))
    postgres = next(o for o in objects if o.get("label", "").startswith("postgres\\nPostgreSQL"))
    for o in (rule, listener):
        assert o["color"] == "#cf222e" and "EXP00" in o["label"] and "EXP00" in o["tooltip"]
    edges = {(e["tail"], e["head"]): e for e in g["edges"]}
    for a, b in ((internet, rule), (rule, listener), (listener, postgres)):
        assert edges[(a["_gvid"], b["_gvid"])]["color"] == "#cf222e"
    ssh = next(o for o in objects if o.get("label", "").startswith("22/tcp SSH"))
    assert "EXP002" in ssh["label"] and ssh["color"] == "#cf222e"
    clusters = [o["label"] for o in objects if o.get("name", "").startswith("cluster_")]
    assert "security group harena-allinone-sg-dev" in clusters and "nginx in service nginx" in clusters
    # A png too, kept as an artefact beside the test's other files.
    png = subprocess.run([_dot(), "-Tpng", "-o", str(tmp_path / "harena-dot.png"), str(tmp_path / "harena.dot")],
                         capture_output=True, text=True, timeout=120)
    assert png.returncode == 0 and (tmp_path / "harena-dot.png").stat().st_size > 10_000


def test_dot_renders_hostile_names_as_text(tmp_path, hostile_report):
    text = _render("dot", hostile_report)
    (tmp_path / "hostile.dot").write_text(text, encoding="utf-8")
    proc = subprocess.run([_dot(), "-Tsvg", str(tmp_path / "hostile.dot")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "Error" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
    svg = proc.stdout
    assert "<script" not in svg and "javascript:" not in svg.replace("javascript:alert(1)", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg  # the service name, drawn as text
    assert "^/x&quot;y" in svg or '^/x"y' in svg
    assert "sup3rs3cretPW" not in svg


@pytest.fixture(scope="module")
def mermaid_page(tmp_path_factory):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)")
    if not MERMAID_JS.is_file():
        pytest.skip(f"Mermaid's parser is not installed at {MERMAID_JS} (.ci/run fetches it with npm pack)")
    base = tmp_path_factory.mktemp("mermaid")
    page = base / "parse.html"
    page.write_text("<!doctype html><meta charset=utf-8><body>"
                    f"<script src={MERMAID_JS.resolve().as_uri()!r}></script>", encoding="utf-8")
    browser = Browser(base / "profile")
    try:
        browser.open(page.as_uri())
        browser.eval("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
        yield browser
    finally:
        browser.close()


def _parse(browser: Browser, text: str) -> str:
    return browser.eval("mermaid.parse(%s).then(() => 'ok', e => 'error: ' + e.message)" % json.dumps(text))


def test_mermaid_parser_accepts_harena_and_hostile_maps(mermaid_page, hostile_report):
    assert _parse(mermaid_page, 'flowchart LR\n  a["x"y"] --> b') != "ok"  # the parser is real
    for source in (harena_report(), hostile_report):
        text = _render("mermaid", source)
        assert _parse(mermaid_page, text) == "ok"
        svg = mermaid_page.eval("mermaid.render('m' + Math.floor(Math.random() * 1e9), %s).then(o => o.svg)"
                                % json.dumps(text))
        # Names come out as text: no element, handler or link made of them.
        assert not re.search(r"<script|<img|\son\w+\s*=|href\s*=\s*[\"']?\s*javascript:", svg, re.I), svg

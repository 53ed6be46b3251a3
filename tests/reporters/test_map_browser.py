"""The HTML map and report opened in headless Chromium (Debian's `chromium`, driven over the
DevTools protocol): the expected nodes, edges and finding marks are in the DOM, clicking shows
findings and source, filters work, nothing is logged as an error and nothing is fetched.
Screenshots are kept in the test's temporary folder as artefacts.

`.ci/run` installs chromium; locally the tests skip, saying why, when it is missing.
"""
from __future__ import annotations

import json

import pytest

from browser import Browser, chromium_path
from map_support import harena_report, write_hostile


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)")
    b = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    yield b
    b.close()


def _open(browser: Browser, path) -> None:
    browser.open(path.as_uri())
    browser.settle()
    assert browser.eval("document.documentElement.getAttribute('data-ready')") == "1"


def _clean(browser: Browser, page_url: str) -> None:
    assert browser.errors() == []
    assert browser.requests() == [page_url]  # the page itself, nothing else


def _click(browser: Browser, element_id: str) -> str:
    browser.eval(f"document.getElementById({json.dumps(element_id)})"
                 ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    return browser.eval("document.getElementById('panel').innerText")


def _classes(browser: Browser, element_id: str) -> list[str]:
    return browser.eval(f"Array.from(document.getElementById({json.dumps(element_id)}).classList)")


def test_harena_map_in_the_browser(browser, tmp_path):
    from auditor.reporters.graph import render

    page = tmp_path / "harena.html"
    page.write_text(render(harena_report(), "html"), encoding="utf-8")
    _open(browser, page)
    browser.screenshot(tmp_path / "harena-map.png")
    _clean(browser, page.as_uri())
    m = json.loads(render(harena_report(), "json"))["map"]
    ids = {n["label"]: n["id"] for n in m["nodes"]}

    assert browser.eval("document.querySelectorAll('svg#exposure-map g.node').length") == len(m["nodes"])
    assert browser.eval("document.querySelectorAll('svg#exposure-map path.edge').length") == len(m["edges"])
    # The public path to PostgreSQL and Redis in the error colour, SSH open on the security group.
    for label in ("5432/tcp PostgreSQL", "*:5432/tcp", "6379/tcp Redis", "*:6379/tcp", "22/tcp SSH"):
        assert "sev-error" in _classes(browser, ids[label]), label
    for a, b in (("internet", "5432/tcp PostgreSQL"), ("5432/tcp PostgreSQL", "*:5432/tcp"),
                 ("*:5432/tcp", "postgres"), ("*:6379/tcp", "redis")):
        edge = browser.eval(f"document.querySelector('path.edge[data-source=\"{ids[a]}\"][data-target=\"{ids[b]}\"]')"
                            ".getAttribute('class')")
        assert "sev-error" in edge and "exposed" in edge, (a, b, edge)
    colour = browser.eval(f"getComputedStyle(document.querySelector('path.edge[data-target=\"{ids['postgres']}\"]"
                          ".sev-error')).stroke")
    assert colour == "rgb(207, 34, 46)"
    # nginx-fronted services beside them: the server's rows lead to the services.
    server = ids["default server"]
    proxied = browser.eval(f"document.querySelectorAll('path.edge.proxy[data-source=\"{server}\"]').length")
    assert proxied == 8
    assert "exposed" in _classes(browser, ids["user_service"])

    text = _click(browser, ids["*:5432/tcp"])
    assert "EXP001" in text and "docker-compose.yml:191" in text and "Fix:" in text
    assert "dim" in _classes(browser, "exposure-map")
    # Filters: without errors, the datastore listener loses its colour; back again with them.
    browser.eval("var b = document.querySelector('input[data-sev=error]'); b.click();")
    assert "sev-error" not in _classes(browser, ids["*:5432/tcp"])
    assert browser.eval("document.getElementById('count-error').textContent") == "0"
    browser.eval("document.querySelector('input[data-sev=error]').click()")
    browser.eval("document.querySelector('input[data-rule=EXP001]').click()")
    assert "sev-error" not in _classes(browser, ids["*:5432/tcp"])
    assert "sev-error" in _classes(browser, ids["5432/tcp PostgreSQL"])  # EXP002 still shown
    browser.eval("document.querySelector('input[data-rule=EXP001]').click()")
    # A finding id (the SARIF fingerprint) in the address selects its element.
    ssh = next(f for f in m["findings"] if f["rule"] == "EXP002" and f["line"] == 11)
    browser.eval(f"location.hash = {json.dumps(ssh['id'])}")
    browser.settle()
    assert "hl" in _classes(browser, ids["22/tcp SSH"])
    assert "SSH" in browser.eval("document.getElementById('panel').innerText")
    # Where a SARIF alert points (file:line) finds its element too.
    browser.eval("var s = document.getElementById('search'); s.value = 'aws/security-groups.json:151';"
                 "s.dispatchEvent(new Event('input'))")
    assert browser.eval("document.getElementById('search-count').textContent") == "1 match"
    assert "hl" in _classes(browser, ids["5432/tcp PostgreSQL"])
    browser.eval("location.hash = 'docker-compose.yml:209'")
    browser.settle()
    assert "hl" in _classes(browser, ids["*:6379/tcp"])
    browser.screenshot(tmp_path / "harena-map-selected.png")
    _clean(browser, page.as_uri())


def test_check_report_in_the_browser(browser, tmp_path):
    from auditor.reporters import get_reporter

    report = harena_report()
    page = tmp_path / "report.html"
    page.write_text(get_reporter("html")(report), encoding="utf-8")
    _open(browser, page)
    browser.screenshot(tmp_path / "harena-report.png")
    assert browser.eval("document.querySelectorAll('article.finding').length") == len(report.findings)
    assert browser.eval("document.querySelectorAll('svg#exposure-map g.node').length") > 30
    snippets = browser.eval("Array.from(document.querySelectorAll('article.finding pre')).map(p => p.innerText)")
    assert any("5432:5432" in s for s in snippets)
    assert not any("FaK" in s for s in snippets)  # harena's planted passwords stay masked
    first = browser.eval("document.querySelector('article.finding .map-link[data-show]').getAttribute('data-show')")
    browser.eval("document.querySelector('article.finding .map-link[data-show]').click()")
    browser.settle()
    assert browser.eval("location.hash") == f"#{first}"
    assert browser.eval("document.querySelectorAll('svg#exposure-map .hl').length") >= 1
    browser.eval("document.querySelector('input[data-sev=warning]').click()")
    hidden = browser.eval("document.querySelectorAll('article.finding.sev-warning.hidden').length")
    assert hidden == sum(1 for f in report.findings if f.severity == "warning")
    _clean(browser, page.as_uri())


def test_hostile_names_in_the_browser(browser, tmp_path):
    from auditor import engine
    from auditor.config import Config
    from auditor.reporters import get_reporter
    from auditor.reporters.graph import render

    report = engine.check([str(write_hostile(tmp_path / "tree"))], Config())
    for name, text in (("hostile-map.html", render(report, "html")), ("hostile-report.html", get_reporter("html")(report))):
        page = tmp_path / name
        page.write_text(text, encoding="utf-8")
        _open(browser, page)
        browser.screenshot(tmp_path / name.replace(".html", ".png"))
        assert browser.eval("document.querySelectorAll('script').length") == 2
        assert browser.eval("document.querySelectorAll('img, iframe, object, embed, b').length") == 0
        assert browser.eval("document.querySelectorAll('svg#exposure-map g.node').length") >= 8
        for n in browser.eval("Array.from(document.querySelectorAll('svg [data-el]')).map(e => e.id)"):
            _click(browser, n)
            _click(browser, n)
        svg_text = browser.eval("document.getElementById('exposure-map').textContent")
        assert 'web"<script>alert(1)</script>' in svg_text  # shown as text
        group = browser.eval("document.querySelector('g.group.kind-sg').id")
        assert "<script>alert(4)</script>" in _click(browser, group)
        _clean(browser, page.as_uri())

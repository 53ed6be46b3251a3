"""Section 4 of issue 11: nginx regexes never run unbounded. They run on RE2 (linear time); what
it cannot run, or what is too large, is unknown: no exception, no hang, no claimed route."""
from __future__ import annotations

import json
import time

import pytest

from auditor.graph.nginx_regex import search
from security_support import run, write_tree


def _tree(root, server_name: str, location: str = "/") -> None:
    write_tree(root, {
        "site.conf": f'server {{ listen 80; server_name "{server_name}"; '
                     f'location {location} {{ proxy_pass http://127.0.0.1:9; }} }}\n',
        ".env": "APP_URL=http://" + "a" * 34 + "!.example.com/\nOTHER_URL=http://aaaa.example.com/x\n",
        "compose.yaml": "services:\n  app:\n    image: app\n    ports: ['127.0.0.1:9:9']\n",
    })


@pytest.mark.parametrize("server_name,location", [
    ("~^(a+)+$", "/"),
    ("~a{4294967296}", "/"),
    ("example.com", '~ "a{4294967296}"'),
    ("~" + "(" * 1000 + "a" + ")" * 1000, "/"),
    ("example.com", "~ " + "(" * 1000 + "a" + ")" * 1000),
    ("~^(?<n>a)\\k<n>$", "/"),  # a backreference: RE2 cannot say, so nobody claims to know
    ("~^(?=a)a+$", "~ ^/(?!x)"),  # lookaround
])
def test_hostile_regexes_cost_nothing_and_lose_nothing(tmp_path, server_name, location):
    _tree(tmp_path, server_name, location)
    start = time.monotonic()
    proc = run("check", str(tmp_path), "--format", "json")
    assert time.monotonic() - start < 60
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    assert {f["path"] for f in doc["files"]} == {"site.conf", ".env", "compose.yaml"}
    assert not [f for f in doc["findings"] if f["rule"] == "AUD001"], doc["findings"]


def test_search_is_linear_and_says_unknown_when_it_cannot_judge():
    start = time.monotonic()
    assert search("^(a+)+$", "a" * 8000 + "!") is False
    assert time.monotonic() - start < 1
    assert search(r"^/api/(\d+)$", "/api/42") is True
    assert search("(?<id>[0-9]+)", "x12") is True  # PCRE's named group
    assert search("ABC", "xabcx", ignore_case=True) is True
    assert search("ABC", "xabcx") is False
    assert search(r"(a)\1", "aa") is None  # backreference
    assert search("(?<=a)b", "ab") is None  # lookbehind
    assert search("a{1001}", "a") is None
    assert search("a" * 5000, "a") is None  # over the pattern size limit
    assert search("a", "a" * 100_000) is None  # over the text size limit


def test_regex_routes_still_work(tmp_path):
    write_tree(tmp_path, {
        "site.conf": 'server { listen 80; server_name "~^(?<sub>[a-z]+)\\.example\\.com$"; '
                     'location ~ ^/api/ { proxy_pass http://127.0.0.1:9; } }\n',
        ".env": "API_URL=http://app.example.com/api/v1\n",
    })
    doc = json.loads(run("graph", str(tmp_path), "--format", "json").stdout)
    urls = [u for u in doc["urls"] if u["key"] == "API_URL"]
    assert urls and urls[0]["routed"] is True and urls[0]["route_location"] == "^/api/", urls

"""Issue 11 §6: inputs whose findings or work would grow as a product of their size give the
findings a person wants instead, one per contested bind, one summary past a cap, a bounded
value. These tests count findings on small versions of the blow-up inputs of
`bench/hostile.py` (which times the full-size ones: time is a benchmark's business, not a test's).
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from auditor import engine
from auditor.config import Config
from auditor.registry import MAX_PER_RULE_AND_FILE

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import hostile  # noqa: E402 - the benchmark's own input builders, at smaller sizes here


def check(root: Path, live: Path | None = None):
    report = engine.check([root], Config(), live=live)
    return report.findings, Counter(f.rule for f in report.findings)


def test_one_service_claiming_a_port_many_times_is_one_finding(tmp_path):
    ports = "".join(f'      - "80:{i}"\n' for i in range(1, 301))
    hostile._write(tmp_path, {"compose.yaml": f"services:\n  web:\n    image: nginx\n    ports:\n{ports}"})
    findings, rules = check(tmp_path)
    assert rules == {"PORT001": 1}
    (f,) = findings
    assert "published 300 times by 'web'" in f.message
    assert len(f.related) == 299  # every other claimant, not 44,850 pairs


def test_many_services_on_one_port_are_one_finding_naming_them_all(tmp_path):
    body = "".join(f"  s{i}:\n    image: app\n    ports: ['8080:80']\n" for i in range(300))
    hostile._write(tmp_path, {"compose.yaml": "services:\n" + body})
    findings, rules = check(tmp_path)
    assert rules == {"PORT001": 1}
    assert "published by 300 services" in findings[0].message
    assert len(findings[0].related) == 299


def test_whole_port_ranges_cost_no_findings(tmp_path):
    hostile.expose_ranges(tmp_path / "expose", 300)
    hostile.address_ranges(tmp_path / "ranges")
    assert check(tmp_path / "expose")[1] == {}
    assert check(tmp_path / "ranges")[1] == {}


def test_findings_past_the_cap_are_one_summary(tmp_path):
    hostile._write(tmp_path, {".env": "A=1\n" * 5000})
    findings, rules = check(tmp_path)
    assert rules == {"ENV001": MAX_PER_RULE_AND_FILE + 1}
    assert "4,799" in findings[-1].message or "4799" in findings[-1].message, findings[-1].message


def test_interpolation_results_are_bounded(tmp_path):
    hostile._write(tmp_path, {
        ".env": "BIG=" + "x" * (1 << 20) + "\n",
        "compose.yaml": "services:\n  web:\n    image: app\n    command: ['${BIG}']\n"
                        "    environment:\n      A: ${BIG}${BIG}${BIG}${BIG}\n",
    })
    findings, rules = check(tmp_path)
    assert rules["AUD001"] >= 1
    assert all(len(f.message) < 500 for f in findings)
    assert any("over" in f.message and "characters" in f.message for f in findings)


def test_a_live_dump_of_many_sections_is_capped_per_file(tmp_path):
    parts = ["nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
             "# configuration file /etc/nginx/nginx.conf:\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n"]
    parts += [f"# configuration file /etc/nginx/conf.d/s{i}.conf:\nserver {{ listen {1000 + i}; }}\n"
              for i in range(600)]
    hostile._write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: app\n    ports: ['8080:80']\n",
                              "live/nginx-T.txt": "".join(parts)})
    _, rules = check(tmp_path, live=tmp_path / "live")
    assert rules == {"DRF002": MAX_PER_RULE_AND_FILE + 1}

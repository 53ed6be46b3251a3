"""Resource limits on every input, through the CLI: YAML alias expansion, nesting depth (YAML,
JSON, nginx blocks, HCL brackets), file size (`[limits] max_file_bytes`), number of files
(`[limits] max_files`), include depth and include cycles. Each gives AUD002 at the file with a
message that says which limit, and the run goes on: a good file beside it keeps its finding."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hardening_support import auditor, write_tree

GOOD_ENV = "A=1\nA=2\n"  # ENV001: proves the run went on


def _check(root: Path, *extra: str) -> list[dict]:
    proc = auditor("check", str(root), "--format", "json", "--fail-on", "never", *extra)
    findings = json.loads(proc.stdout)["findings"]
    assert any(f["rule"] == "ENV001" and f["path"] == "good/.env" for f in findings), \
        "the good file beside the hostile one lost its finding"
    return findings


def _skipped(findings: list[dict], path: str) -> list[dict]:
    return [f for f in findings if f["path"] == path and f["rule"] == "AUD002"]


def _billion_laughs(prefix: str) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return prefix + "\n".join(f"x-{line}" for line in lines) + "\n"


CASES = {
    # (files, the hostile file, words its AUD002 message must contain)
    "yaml-alias-bomb": ({"bomb/compose.yaml": _billion_laughs("services:\n  x:\n    image: y\n")},
                        "bomb/compose.yaml", ("alias",)),
    "cfn-alias-bomb": ({"cfn/template.yaml": _billion_laughs(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n")},
        "cfn/template.yaml", ("alias",)),
    "yaml-nesting": ({"deep/compose.yaml": "services: " + "[" * 5000 + "]" * 5000 + "\n"},
                     "deep/compose.yaml", ("nested", "levels")),
    "yaml-nesting-blocks": ({"deep/compose.yaml": "services:\n" + "".join(
        " " * i + f"k{i}:\n" for i in range(1, 400))}, "deep/compose.yaml", ("nested",)),
    "json-nesting": ({"aws/security-groups.json": '{"SecurityGroups": ' + "[" * 5000 + "]" * 5000 + "}"},
                     "aws/security-groups.json", ("nested",)),
    "nginx-nesting": ({"nginx/deep.conf": "server {\n" + "location / {\n" * 5000 + "}\n" * 5001},
                      "nginx/deep.conf", ("nested",)),
    "hcl-nesting": ({"tf/main.tf": 'resource "aws_security_group" "a" {\n  x = ' + "[" * 5000 + "]" * 5000 + "\n}\n"},
                    "tf/main.tf", ("nested",)),
}


@pytest.mark.parametrize("case", CASES)
def test_limit_becomes_aud002(case, tmp_path):
    files, hostile, words = CASES[case]
    write_tree(tmp_path, {**files, "good/.env": GOOD_ENV})
    skipped = _skipped(_check(tmp_path), hostile)
    assert skipped, f"{hostile}: no AUD002"
    assert all(w in skipped[0]["message"] for w in words), skipped[0]["message"]
    assert skipped[0]["line"] >= 1


def test_default_file_size_limit(tmp_path):
    write_tree(tmp_path, {"good/.env": GOOD_ENV})
    with open(tmp_path / "big.env", "wb") as f:  # sparse: costs no disk
        f.truncate(5 * 1024 * 1024 + 1)
    skipped = _skipped(_check(tmp_path), "big.env")
    assert skipped and "5242880-byte limit" in skipped[0]["message"]


def test_configured_file_size_limit(tmp_path):
    write_tree(tmp_path, {
        ".auditor.toml": "[limits]\nmax_file_bytes = 1000\n",
        "good/.env": GOOD_ENV,
        "big/compose.yaml": "services:\n  web:\n    image: nginx\n" + "# padding\n" * 200,
        "small/compose.yaml": "services:\n  web:\n    image: nginx\n",
    })
    findings = _check(tmp_path)
    skipped = _skipped(findings, "big/compose.yaml")
    assert skipped and "1000-byte limit" in skipped[0]["message"], skipped
    assert not _skipped(findings, "small/compose.yaml")


def test_configured_file_count_limit(tmp_path):
    files = {".auditor.toml": "[limits]\nmax_files = 5\n", "good/.env": GOOD_ENV}
    files.update({f"z{i:02d}/.env": f"K{i}=1\n" for i in range(10)})
    write_tree(tmp_path, files)
    findings = _check(tmp_path)
    over = [f for f in findings if f["rule"] == "AUD002" and "more than 5 input files" in f["message"]]
    assert len(over) == 1, over
    doc = json.loads(auditor("check", str(tmp_path), "--format", "json", "--fail-on", "never").stdout)
    assert len(doc["files"]) == 5


def test_nginx_include_depth(tmp_path):
    chain = {f"nginx/inc{i}.conf": f"include inc{i + 1}.conf;\n" for i in range(30)}
    chain["nginx/inc30.conf"] = "server { listen 81; }\n"
    chain["nginx/nginx.conf"] = "http {\n  include inc0.conf;\n}\n"
    write_tree(tmp_path, {**chain, "good/.env": GOOD_ENV})
    findings = _check(tmp_path)
    deep = [f for f in findings if f["rule"] == "AUD002" and "nested deeper" in f["message"]]
    assert deep and deep[0]["path"].startswith("nginx/inc"), deep


@pytest.mark.parametrize("cycle", ["pair", "self", "glob"])
def test_nginx_include_cycle(cycle, tmp_path):
    files = {
        "pair": {"nginx/nginx.conf": "http {\n  include a.conf;\n}\n",
                 "nginx/a.conf": "server { listen 80; }\ninclude b.conf;\n",
                 "nginx/b.conf": "include a.conf;\n"},
        "self": {"nginx/nginx.conf": "http {\n  include nginx.conf;\n  server { listen 80; }\n}\n"},
        "glob": {"nginx/nginx.conf": "http {\n  include conf.d/*.conf;\n}\n",
                 "nginx/conf.d/a.conf": "server { listen 80; }\ninclude conf.d/*.conf;\n"},
    }[cycle]
    write_tree(tmp_path, {**files, "good/.env": GOOD_ENV})
    findings = _check(tmp_path)
    cycles = [f for f in findings if f["rule"] == "AUD002" and "cycle" in f["message"]]
    assert cycles, [f for f in findings if f["rule"].startswith("AUD")]


def test_nginx_include_fan_out(tmp_path):
    """Each file includes the next one ten times: 10^8 statements once expanded."""
    files = {f"nginx/l{i}.conf": "".join(f"include l{i + 1}.conf;\n" for _ in range(10)) for i in range(8)}
    files["nginx/l8.conf"] = "".join(f"add_header X{i} y;\n" for i in range(10))
    files["nginx/nginx.conf"] = "http {\n  server {\n    listen 80;\n    include l0.conf;\n  }\n}\n"
    write_tree(tmp_path, {**files, "good/.env": GOOD_ENV})
    findings = _check(tmp_path)
    assert [f for f in findings if f["rule"] == "AUD002" and "include expansion" in f["message"]]


def test_compose_include_depth_and_cycle(tmp_path):
    chain = {f"deep/c{i}.yaml": f"include:\n  - c{i + 1}.yaml\nservices:\n  s{i}:\n    image: x\n" for i in range(25)}
    chain["deep/c25.yaml"] = "services:\n  last:\n    image: x\n"
    chain["deep/compose.yaml"] = "include:\n  - c0.yaml\nservices:\n  top:\n    image: x\n"
    cycle = {"cyc/compose.yaml": "include:\n  - other.yaml\nservices:\n  a:\n    image: x\n",
             "cyc/other.yaml": "include:\n  - compose.yaml\nservices:\n  b:\n    image: x\n"}
    write_tree(tmp_path, {**chain, **cycle, "good/.env": GOOD_ENV})
    findings = _check(tmp_path)
    assert [f for f in findings if f["rule"] == "AUD002" and "nested too deeply" in f["message"]]
    assert [f for f in findings if f["rule"] in ("AUD001", "AUD002") and "cycle" in f["message"]
            and f["path"].startswith("cyc/")]


def test_env_expansion_bomb(tmp_path):
    text = "A=" + "x" * 1000 + "\n" + "".join(f"V{i}=${{V{i - 1}}}${{V{i - 1}}}\n" for i in range(1, 40))
    write_tree(tmp_path, {"bomb/.env": text.replace("${V0}", "${A}"), "good/.env": GOOD_ENV})
    findings = _check(tmp_path)
    assert [f for f in findings if f["path"] == "bomb/.env" and "expansion" in f["message"]]


def test_fifo_and_devices_are_not_read(tmp_path):
    """A FIFO named like an input (or a link to one) would block a reader forever."""
    write_tree(tmp_path, {"good/.env": GOOD_ENV, "nginx/site.conf": "server {\n  include pipe.conf;\n}\n"})
    os.mkfifo(tmp_path / "pipe.env")
    os.mkfifo(tmp_path / "nginx" / "pipe.conf")
    os.symlink("pipe.env", tmp_path / "linked.env")
    findings = _check(tmp_path)
    assert _skipped(findings, "linked.env")


def test_overlong_names_in_includes(tmp_path):
    """A name longer than the file system allows (ENAMETOOLONG) is a missing file, not a crash
    that loses the whole configuration."""
    long = "a" * 300 + ".conf"
    write_tree(tmp_path, {
        "good/.env": GOOD_ENV,
        "nginx/nginx.conf": f"http {{\n  include {long};\n  include conf.d/{long};\n"
                            "  server {\n    listen 443 ssl;\n    ssl_protocols SSLv3;\n  }\n}\n",
        "app/compose.yaml": f"include:\n  - {long}\nservices:\n  web:\n    image: x\n"
                            f"    env_file: [{long}]\n    extends:\n      file: {long}\n      service: y\n",
    })
    findings = _check(tmp_path)
    assert [f for f in findings if f["rule"] == "NGX003" and f["path"] == "nginx/nginx.conf"]
    assert not [f for f in findings if "cannot be" in f["message"] and "(" in f["message"]], findings
    assert {f["line"] for f in findings if f["path"] == "app/compose.yaml" and "no such file" in f["message"]} == {2, 8}

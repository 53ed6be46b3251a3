"""Encodings and line endings: UTF-8 with and without BOM, UTF-16 with BOM (LE, BE), Latin-1,
CRLF, lone CR. A file that can be decoded is checked with the right line (and column) numbers;
one that cannot is AUD002, and the run goes on."""
from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from hardening_support import auditor, write_tree

ENV = "# comment\nAPP=1\nAPP=2\nCITY=Orléans\n"  # ENV001 at line 3, column 1

COMPOSE = (
    "services:\n"
    "  web:\n"
    "    image: example/web\n"
    "    ports:\n"
    "      - \"PORT:3000\"\n"  # line 5
    "  grafana:\n"
    "    image: grafana/grafana\n"
    "    ports:\n"
    "      - \"PORT:3000\"\n"  # line 9
)

NGINX = (
    "server {\n"
    "    listen 443 ssl;\n"
    "    server_name example.com;\n"
    "    ssl_protocols TLSv1 TLSv1.2;\n"  # line 4, column 5
    "}\n"
)

SG = json.dumps({"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "db", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]},
    indent=2)

ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16-le-bom": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be-bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "latin-1": lambda t: t.encode("latin-1"),
}
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def _findings(root: Path) -> list[dict]:
    proc = auditor("check", str(root), "--format", "json", "--fail-on", "never")
    return json.loads(proc.stdout)["findings"]


def _at(findings, rule, path):
    return sorted((f["line"], f["column"]) for f in findings if f["rule"] == rule and f["path"] == path)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """One tree holding every input in every encoding and line ending, checked in one run."""
    root = tmp_path_factory.mktemp("encodings")
    files = {}
    for i, (enc, encode) in enumerate(ENCODINGS.items()):
        for j, (end, newline) in enumerate(ENDINGS.items()):
            d = f"{enc}-{end}"
            port = str(3000 + 10 * i + j)  # one conflict per folder, none across folders
            files[f"{d}/.env"] = encode(ENV.replace("\n", newline))
            files[f"{d}/compose.yaml"] = encode(COMPOSE.replace("PORT", port).replace("\n", newline))
            files[f"{d}/nginx/site.conf"] = encode(NGINX.replace("\n", newline))
            files[f"{d}/aws/security-groups.json"] = encode(SG.replace("\n", newline))
    write_tree(root, files)
    return _findings(root)


@pytest.mark.parametrize("end", ENDINGS)
@pytest.mark.parametrize("enc", ENCODINGS)
def test_lines_are_right_in_every_encoding(matrix, enc, end):
    d = f"{enc}-{end}"
    assert not [f for f in matrix if f["path"].startswith(d + "/") and f["rule"] in ("AUD001", "AUD002")]
    assert _at(matrix, "ENV001", f"{d}/.env") == [(3, 1)]
    ports = [f for f in matrix if f["rule"] == "PORT001" and f["path"] == f"{d}/compose.yaml"]
    assert [(f["line"], f["column"]) for f in ports] == [(9, 9)], ports
    assert [(r["path"], r["line"], r["column"]) for r in ports[0]["related"]] == [(f"{d}/compose.yaml", 5, 9)]
    assert _at(matrix, "NGX003", f"{d}/nginx/site.conf") == [(4, 5)]
    exp = _at(matrix, "EXP002", f"{d}/aws/security-groups.json")
    assert exp and exp == _at(matrix, "EXP002", "utf-8-lf/aws/security-groups.json")


def test_undecodable_files_are_skipped_and_the_rest_checked(tmp_path):
    write_tree(tmp_path, {
        "odd/.env": codecs.BOM_UTF16_LE + "A=1\nA=2\n".encode("utf-16-le")[:-1],  # odd length
        "nobom/.env": "A=1\nA=2\n".encode("utf-16-le"),  # NULs without a BOM: binary
        "bin/compose.yaml": b"services:\n  a: \x00\x01\x02\n",
        "ctrl/site.conf": b"server {\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11 listen 80; }\n" * 3,
        "good/.env": ENV.encode("utf-8"),
    })
    findings = _findings(tmp_path)
    skipped = {f["path"] for f in findings if f["rule"] == "AUD002"}
    assert {"odd/.env", "nobom/.env", "bin/compose.yaml"} <= skipped, skipped
    assert _at(findings, "ENV001", "good/.env") == [(3, 1)]


def test_bom_does_not_shift_the_first_line(tmp_path):
    write_tree(tmp_path, {
        ".env": codecs.BOM_UTF8 + b"A=1\nA=2\n",
        "nginx/site.conf": codecs.BOM_UTF8 + b"server { listen 443 ssl; ssl_protocols SSLv3; }\n",
    })
    findings = _findings(tmp_path)
    assert _at(findings, "ENV001", ".env") == [(2, 1)]
    assert _at(findings, "NGX003", "nginx/site.conf") == [(1, 26)]


def test_line_breaks_only_libyaml_knows(tmp_path):
    """NEL (a Latin-1 file's 0x85 byte), LS and PS end a line for libyaml and for nothing else:
    positions in YAML files must still be those of the file's `\\n` lines."""
    compose = ("services:\n  web:\n    image: \"a\x85b\u2028c\"\n    labels: {x: \"\u2029\"}\n"
               "    ports:\n      - \"3000:3000\"\n  grafana:\n    image: g\n    ports:\n      - \"3000:3000\"\n")
    latin1 = compose.replace("\u2028", "").replace("\u2029", "").replace("3000:", "3001:")
    write_tree(tmp_path, {"utf8/compose.yaml": compose.encode("utf-8"),
                          "latin1/compose.yaml": latin1.encode("latin-1"),
                          "broken/compose.yaml": "services:\n  a: [\x85\n  b: 1\n".encode("latin-1")})
    findings = _findings(tmp_path)
    for d in ("utf8", "latin1"):
        ports = [f for f in findings if f["rule"] == "PORT001" and f["path"] == f"{d}/compose.yaml"]
        assert [(f["line"], [r["line"] for r in f["related"]]) for f in ports] == [(10, [6])], ports
    broken = [f for f in findings if f["path"] == "broken/compose.yaml" and f["rule"] == "AUD001"]
    assert broken and all(f["line"] <= 4 for f in broken), broken  # 3 lines, then the end

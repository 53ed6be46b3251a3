"""Section 7 of issue 11: every output format escapes control characters, no line of a text
report can start a GitHub workflow command, and names that are not UTF-8 are shown escaped."""
from __future__ import annotations

import json
import os

import pytest

from security_support import every_output, run, write_tree

INJECTION = "ghost\n::error file=README.md,line=1::Build compromised"
ESCAPES = "ghost\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m\u202e"


def _compose(name: str) -> str:
    return ("services:\n  web:\n    image: nginx\n    depends_on:\n      - " + json.dumps(name) + "\n")


def _commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith(("::", "##["))]


def test_no_text_line_starts_a_workflow_command(tmp_path):
    write_tree(tmp_path / "r", {"compose.yaml": _compose(INJECTION)})
    outputs = every_output(tmp_path / "r", tmp_path)
    assert "ORD001" in outputs["check-text"]
    for name, text in outputs.items():
        if name == "check-github":
            # one command per finding, and the injected text stays inside its message
            assert not [c for c in _commands(text) if "Build compromised" in c.split("::")[1]], text
            assert all(c.startswith(("::error ", "::warning ", "::notice ")) for c in _commands(text))
            continue
        assert not _commands(text), (name, text)


def test_file_name_cannot_start_a_workflow_command(tmp_path):
    root = tmp_path / "r"
    write_tree(root, {"::error file=README.md,line=1::Build compromised.env": "A=1\nA=2\n"})
    text = run("check", str(root)).stdout
    assert "ENV001" in text
    assert not _commands(text), text


def test_no_raw_control_character_in_any_output(tmp_path):
    write_tree(tmp_path / "r", {"compose.yaml": _compose(ESCAPES)})
    outputs = every_output(tmp_path / "r", tmp_path)
    assert "ORD001" in outputs["check-text"]
    for name, text in outputs.items():
        bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
               or c in "\u202e\u2028\u2029"]
        assert not bad, (name, bad, text[:2000])


@pytest.mark.skipif(os.uname().sysname == "Darwin", reason="macOS refuses names that are not UTF-8")
def test_names_that_are_not_utf8_are_shown_escaped(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    with open(os.path.join(os.fsencode(root), b"\xff.env"), "wb") as f:
        f.write(b"A=1\nA=2\n")
    outputs = every_output(root, tmp_path)
    assert "\\xff.env" in outputs["check-text"], outputs["check-text"]
    for name, text in outputs.items():
        assert "internal error" not in text, (name, text)
    doc = json.loads(run("check", str(root), "--format", "json").stdout)
    assert [f["rule"] for f in doc["findings"]] == ["ENV001"]
    sarif = json.loads(run("check", str(root), "--format", "sarif").stdout)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "%FF.env"

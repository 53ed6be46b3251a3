"""Property: a secret of any length and alphabet, planted in any field of any input kind that
marks it as a secret, shows up in no output format, in clear.

Each example builds the same tree twice: once with the secret S, once with a control value T of
the same shape. Secrets can occur in ordinary text by chance (`a`, `x1`, `ostgre` inside a
rule's documentation of postgres), so the property is that planting S never makes S appear
*more* often in an output than it does when T is planted.
"""
from __future__ import annotations

import re
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from auditor import baseline, engine
from auditor.config import Config
from auditor.knowledge.secrets import is_default_credential, is_placeholder, is_setting
from auditor.reporters import get_reporter
from auditor.reporters.graph import render as render_graph
from security_support import write_tree

ALPHABETS = {
    "letters": string.ascii_letters,
    "digits": string.digits,
    "hex": "0123456789abcdef",
    "base64": string.ascii_letters + string.digits + "+/=",
    "urlsafe": string.ascii_letters + string.digits + "-_",
    "symbols": "!%&*+-_.,:;@^~?=/",
    "mixed": string.ascii_letters + string.digits + "!%&*+-_.,:;@^~?=/",
    "unicode": "éàüßøλжあ中ñ" + string.ascii_lowercase,
}

# Fields that mark a value as a secret, one per input kind: (files, description).
PLANTS = {
    "env-value": lambda s: {".env": f"DB_PASSWORD='{s}'\n"},
    "compose-environment": lambda s: {"compose.yaml": f"services:\n  app:\n    image: app\n    environment:\n      API_TOKEN: '{s}'\n"},
    "compose-command-flag": lambda s: {"compose.yaml": f"services:\n  cache:\n    image: redis\n    command: ['redis-server', '--requirepass', '{s}']\n"},
    "compose-interpolated-port": lambda s: {".env": f"DB_PASSWORD='{s}'\n", "compose.yaml": "services:\n  db:\n    image: postgres\n    ports: ['${DB_PASSWORD}:5432']\n"},
    "mysql-healthcheck": lambda s: {"compose.yaml": f"services:\n  db:\n    image: mysql:8\n    healthcheck:\n      test: ['CMD', 'mysqladmin', 'ping', '-uroot', '-p{s}']\n"},
    "env-url": lambda s: {".env": f"DATABASE_URL='postgres://app:{s}@db:5432/app'\n"},
    "nginx-authorization": lambda s: {"site.conf": f'server {{ listen 80; location / {{ proxy_pass http://127.0.0.1:9; proxy_set_header Authorization "Bearer {s}"; }} }}\n'},
    "docs-table": lambda s: {"docs/env.md": f"| Variable | Value |\n|---|---|\n| DB_PASSWORD | {s} |\n"},
}


_HASHES = re.compile(r"[0-9a-f]{16,}")


def outputs(files: dict[str, str]) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "stack"  # the folder names the compose project: the same every time
        write_tree(root, files)
        report = engine.check([root], Config())
        out = {fmt: get_reporter(fmt)(report) for fmt in ("text", "json", "sarif", "github")}
        out.update({f"graph-{fmt}": render_graph(report.graph, fmt) for fmt in ("json", "dot", "mermaid", "html")})
        out["baseline"] = baseline.render(report.findings)
        # Fingerprints are hashes of the masked messages; their hex digits say nothing.
        return {k: _HASHES.sub("<hash>", v.replace(str(root), "<root>")) for k, v in out.items()}


def _control(secret: str, alphabet: str) -> str:
    """A value of the same length and alphabet that shares no character position with `secret`."""
    return "".join(alphabet[(alphabet.index(c) + 1) % len(alphabet)] for c in secret)


@st.composite
def secrets(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(ALPHABETS)))
    alphabet = ALPHABETS[name]
    value = draw(st.text(alphabet=alphabet, min_size=1, max_size=40))
    return value, alphabet


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=secrets(), plant=st.sampled_from(sorted(PLANTS)))
def test_no_output_shows_a_planted_secret(secret, plant):
    value, alphabet = secret
    control = _control(value, alphabet)
    for v in (value, control):
        # numbers, booleans and durations are settings, not credentials, wherever they are written
        assume(not is_placeholder(v) and not is_default_credential(v) and not is_setting(v) and v.strip() == v)
        assume(not v.startswith(("-", "/", "!", "&", "*", "@", "%", "?", "^", ":", ",", "~", "=")))
    assume(control != value)
    planted, unplanted = outputs(PLANTS[plant](value)), outputs(PLANTS[plant](control))
    for fmt, text in planted.items():
        assert text.count(value) <= unplanted[fmt].count(value), (plant, fmt, value, text[:3000])

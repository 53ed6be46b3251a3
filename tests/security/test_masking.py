"""Section 3 of issue 11: no secret value in any output, whatever its length or alphabet, and
ordinary text is not damaged by masking (values are masked, not substrings of words)."""
from __future__ import annotations

import json

import pytest

from security_support import every_output, run, write_tree

SHORT = "Kx7#mQ2"  # under the former 8-character scrubbing threshold
B64 = "q+Zq8v/Kp3Lm2Xw9T=="
LONG = "Zq8vKp3Lm2Xw9T"


def _no_leak(outputs: dict[str, str], *secrets: str) -> None:
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} shown in {name}:\n{text[:3000]}"


@pytest.mark.parametrize("compose", [
    'services:\n  db:\n    image: postgres:16\n    ports: ["${DB_PASSWORD}:5432"]\n',
    'services:\n  db:\n    image: postgres:16\n    ports: ["${UNSET:?${DB_PASSWORD}}:5432"]\n',
    'services:\n  app:\n    image: app\n    volumes: [{type: "${API_TOKEN}", source: ./a, target: /a}]\n',
    'services:\n  app:\n    image: app\n    volumes: ["${DATABASE_URL}:/data"]\n',
])
def test_interpolated_values_are_masked_in_every_format(tmp_path, compose):
    root = tmp_path / "r"
    write_tree(root, {
        ".env": f"DB_PASSWORD={SHORT}\nAPI_TOKEN={SHORT}x\nDATABASE_URL=postgres://app:{B64}@db:5432/app\n",
        "compose.yaml": compose,
    })
    outputs = every_output(root, tmp_path)
    assert "AUD001" in outputs["check-text"] or "PORT" in outputs["check-text"] or outputs["check-json"]
    _no_leak(outputs, SHORT, B64, B64[:10])


def test_url_password_of_any_alphabet_is_found_and_masked(tmp_path):
    root = tmp_path / "r"
    write_tree(root, {
        ".env": f"DATABASE_URL=postgres://app:{B64}@db:5432/app\n",
        "docs/architecture.md": "| Variable | Valeur |\n|---|---|\n| DATABASE_URL | postgres://app:other@db:5432/app |\n",
    })
    doc = json.loads(run("check", str(root), "--format", "json").stdout)
    assert any(f["rule"] == "SEC002" and f["path"] == ".env" for f in doc["findings"]), doc["findings"]
    _no_leak(every_output(root, tmp_path), B64, "Kp3Lm2Xw9T")


@pytest.mark.parametrize("files", [
    {".env": f'DB_PASSWORD="{LONG}\nOTHER=1\n'},
    {"site.conf": f'server {{ listen 80; location / {{ proxy_set_header Authorization "Bearer {LONG}" }} }}\n'},
    {".env": f"DB PASS-WORD!={LONG}\n"},
    {"compose.yaml": f"services:\n  app:\n    image: app\n    environment: [DB_PASSWORD={LONG}, {{\n"},
    {"compose.yaml": f"services:\n  app:\n    image: app\n    environment: {{DB_PASSWORD: {LONG}, [\n"},
])
def test_snippets_of_broken_lines_are_masked(tmp_path, files):
    root = tmp_path / "r"
    write_tree(root, files)
    text = run("check", str(root)).stdout
    assert LONG not in text, text
    _no_leak(every_output(root, tmp_path), LONG)


def test_graph_masks_the_value_column_of_docs_and_glued_mysql_passwords(tmp_path):
    root = tmp_path / "r"
    write_tree(root, {
        "docs/env.md": f"| Variable | Env | Value |\n|---|---|---|\n| DB_PASSWORD | prod | {LONG} |\n",
        "compose.yaml": "services:\n  db:\n    image: mysql:8\n    healthcheck:\n"
                        f"      test: [\"CMD\", \"mysqladmin\", \"ping\", \"-uroot\", \"-p{LONG}x\"]\n",
    })
    graph = run("graph", str(root), "--format", "json").stdout
    assert LONG not in graph
    assert "prod" in graph  # the environment column is no secret
    _no_leak(every_output(root, tmp_path), LONG)


def test_masking_spares_words_that_contain_a_short_password(tmp_path):
    root = tmp_path / "r"
    write_tree(root, {
        ".env": "POSTGRES_PASSWORD=taiga\n",
        "compose.yaml": "services:\n  taiga-back:\n    image: taiga\n    depends_on:\n      - taiga-db\n"
                        "    volumes:\n      - ./data:/data:ro\n      - ./password:/run/pw:ro\n"
                        "    ports: ['${POSTGRES_PASSWORD}:80']\n",
    })
    text = run("check", str(root)).stdout
    assert "taiga-db" in text, text  # ORD001 names the missing service in full
    assert ":****" not in text.replace("'****:80'", ""), text
    assert "'taiga'" not in text and "taiga:80" not in text  # the value itself is masked


def test_a_password_equal_to_a_name_is_masked_as_a_value_not_as_the_name(tmp_path):
    from auditor.redact import Masker

    masker = Masker(["chevereto", "pdns"], names=["chevereto", "pdns", "examples"])
    shown = masker("invalid host port 'chevereto' in 'chevereto:80' of service 'chevereto' "
                   "(examples/chevereto/compose.yaml); PDNS_PASSWORD of service 'pdns' = pdns")
    assert shown == ("invalid host port '****to' in '****to:80' of service 'chevereto' "
                     "(examples/chevereto/compose.yaml); PDNS_PASSWORD of service 'pdns' = ****"
                     ).replace("****to", "ch****to"), shown
    assert Masker(["chevereto"])("service 'chevereto'") == "service 'ch****to'"  # not a name here
    # an absolute path names another machine's files: its segments are not the repository's names
    assert masker("include '/home/chevereto/x.conf'") == "include '/home/ch****to/x.conf'"
    root = tmp_path / "r"
    write_tree(root, {
        "stacks/chevereto/compose.yaml":
            "services:\n  chevereto:\n    image: ghcr.io/chevereto/chevereto:4\n"
            "    environment:\n      CHEVERETO_DB_PASS: chevereto\n",
    })
    text = run("check", str(root)).stdout
    assert "CHEVERETO_DB_PASS of service 'chevereto' holds" in text and "(ch****to)" in text, text


def test_stderr_of_an_internal_error_quotes_nothing(tmp_path, monkeypatch):
    """An internal error prints its type only: the exception text may quote the tree."""
    from click.testing import CliRunner

    from auditor import cli, engine

    def boom(*args, **kwargs):
        raise ValueError(f"bad value {LONG}")

    monkeypatch.setattr(engine, "check", boom)
    write_tree(tmp_path, {".env": "A=1\n"})
    import io
    import sys

    err = io.StringIO()
    monkeypatch.setattr(sys, "argv", ["auditor", "check", str(tmp_path)])
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    assert "internal error: ValueError" in err.getvalue() and LONG not in err.getvalue()

"""Configuration: found upwards, validated with file:line errors, and every key reaches the run."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import engine
from auditor.config import Config, ConfigError, find_config, load_config, render_schema
from auditor.model import Finding

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check(path: Path, config: Config | None = None, **kw) -> list[Finding]:
    config = config if config is not None else load_config(find_config(path))
    return engine.check([path], config, **kw).findings


def copy(fixture: str, dest: Path) -> Path:
    target = dest / fixture.replace("/", "_")
    shutil.copytree(FIXTURES / fixture, target)
    return target


# ---------------------------------------------------------------- the schema


def test_schema_file_is_the_models_schema():
    """schemas/config.schema.json is generated: `python -m auditor.config --schema`."""
    proc = subprocess.run([sys.executable, "-m", "auditor.config", "--schema"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    committed = (REPO / "auditor" / "schemas" / "config.schema.json").read_text(encoding="utf-8")
    assert proc.stdout == render_schema()
    assert json.loads(committed) == json.loads(proc.stdout), (
        "auditor/schemas/config.schema.json is stale: python -m auditor.config --schema > auditor/schemas/config.schema.json")
    assert committed == proc.stdout


def _plain_fields(cls) -> dict:
    import dataclasses

    return {f.name: (f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
            for f in cls.model_fields.values() if not f.name.startswith("_")}


@pytest.mark.parametrize("name", ["Config", "ComposeSection", "RuleSection", "HostsSection",
                                  "DocsSection", "LimitsSection"])
def test_plain_objects_have_the_schemas_fields_and_defaults(name):
    """A run reads plain objects; pydantic only describes: the two must not drift apart."""
    from auditor import config, config_schema

    schema = getattr(config_schema, name)
    plain = _plain_fields(getattr(config, name))
    assert list(plain) == list(schema.model_fields)
    for field, default in plain.items():
        want = schema.model_fields[field].get_default(call_default_factory=True)
        if hasattr(want, "model_dump"):
            assert default.model_dump() == want.model_dump(), field
        else:
            assert default == want, field


def _toml_values():
    from hypothesis import strategies as st

    scalar = st.one_of(st.text(max_size=4), st.integers(-3, 3), st.booleans(), st.floats(allow_nan=False),
                       st.sampled_from(["error", "warning", "note", "never", "EXP005", ".env"]))
    return st.recursive(scalar, lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["severity", "options", "env_files", "groups", "x", "max_files"]),
                        inner, max_size=3)), max_leaves=8)


def test_strict_reader_agrees_with_the_schema():
    """Whatever the strict reader takes, pydantic takes too, with the same values; what it does
    not take goes to pydantic (which coerces or explains), so results never depend on the path."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from pydantic import ValidationError

    from auditor import config, config_schema

    keys = st.sampled_from(["include", "select", "fail_on", "baseline", "per_file_ignores", "rules",
                            "compose", "hosts", "docs", "limits", "unknown"])

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(keys, _toml_values(), max_size=4))
    def agree(data):
        strict = config._strict_config(data)
        try:
            schema = config_schema.Config.model_validate(data)
        except ValidationError:
            assert strict is None, data
            return
        if strict is not None:
            assert strict == config._from_schema(schema), data

    agree()


def test_readme_configuration_example_is_valid(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert blocks, "the README shows a configuration example"
    for block in blocks:
        name = "pyproject.toml" if re.search(r"^\[tool\.auditor", block, re.M) else ".auditor.toml"
        config = load_config(write(tmp_path / str(len(block)), name, block))
        assert config != Config(), "the example sets something"


def test_schema_validates_what_the_model_accepts():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "auditor" / "schemas" / "config.schema.json").read_text())
    good = {"exclude": ["vendor/*"], "rules": {"EXP005": {"severity": "warning", "options": {"x": 1}}},
            "compose": {"env_files": [".env.master"]}, "per_file_ignores": {"docs/*": ["SEC002"]}}
    jsonschema.validate(good, schema)
    Config.model_validate(good)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"compose": {"env_file": []}}, schema)


# ---------------------------------------------------------------- finding the file


def test_found_upwards_nearest_wins_and_auditor_toml_beats_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.auditor]\nexclude = ['top']\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "pyproject.toml"
    write(tmp_path / "a", "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.auditor]: skipped
    assert find_config(deep) == tmp_path / "pyproject.toml"
    write(tmp_path / "a", ".auditor.toml", "exclude = ['mid']\n")
    assert find_config(deep) == tmp_path / "a" / ".auditor.toml"
    write(tmp_path / "a", "pyproject.toml", "[tool.auditor]\nexclude = ['other']\n")
    assert find_config(deep) == tmp_path / "a" / ".auditor.toml"
    assert load_config(find_config(deep)).exclude == ("mid",)
    assert load_config(tmp_path / "pyproject.toml").exclude == ("top",)


def test_kebab_case_keys_are_accepted(tmp_path):
    path = write(tmp_path, "pyproject.toml",
                 "[tool.auditor]\nper-file-ignores = {'docs/*' = ['SEC002']}\nfail-on = 'warning'\n"
                 "[tool.auditor.compose]\nenv-files = ['.env.master']\n")
    config = load_config(path)
    assert config.per_file_ignores == {"docs/*": ("SEC002",)}
    assert config.fail_on == "warning"
    assert config.compose.env_files == (".env.master",)


# ---------------------------------------------------------------- errors name file and line


@pytest.mark.parametrize("name, text, line, words", [
    (".auditor.toml", "exclude = []\nseverty = 'x'\n", 2, ["unknown key 'severty'"]),
    (".auditor.toml", "[rules.EXP005]\nseverity = 'warning'\n\n[rules.EXP001]\nseverty = 'note'\n", 5,
     ["[rules.EXP001]", "unknown key 'severty'", "did you mean 'severity'"]),
    (".auditor.toml", "[compose]\nenv_file = ['.env']\n", 2, ["[compose]", "'env_file'", "env_files"]),
    (".auditor.toml", "[hosts]\npublic_addresses = []\nexternals = []\n", 3, ["[hosts]", "'externals'"]),
    (".auditor.toml", "[docs.synonyms]\nhost_port = 'Port hôte'\n", 2, ["docs.synonyms.host_port"]),
    (".auditor.toml", "[rules]\nEXP005 = { severity = 'warning', option = {} }\n", 2, ["'option'"]),
    (".auditor.toml", "rules.EXP005.severity = 'fatal'\n", 1, ["rules.EXP005.severity", "'error'"]),
    (".auditor.toml", "[rules.EXP005]\noptions = { host_daemon_port = [22] }\n", 2,
     ["EXP005 has no option 'host_daemon_port'", "host_daemon_ports"]),
    (".auditor.toml", "\n[rules.EXP999]\nseverity = 'note'\n", 2, ["[rules.EXP999]", "no single rule"]),
    (".auditor.toml", "select = ['PORT001']\nignore = ['NOPE']\n", 2, ["ignore", "'NOPE' names no rule"]),
    (".auditor.toml", "[per_file_ignores]\n'docs/*.md' = ['SEC002', 'SECRETS']\n", 2, ["'SECRETS'"]),
    (".auditor.toml", "[limits]\nmax_files = 0\n", 2, ["limits.max_files"]),
    (".auditor.toml", "[docs]\nsynonyms = { hostport = ['Port Hôte'] }\n", 2, ["unknown role 'hostport'", "host_port"]),
    (".auditor.toml", "[docs.synonyms]\nservice = ['Composant']\nvalues = ['Valeur']\n", 3, ["'values'"]),
    ("pyproject.toml", "[project]\nname = 'x'\n\n[tool.auditor]\nexclude = []\n[tool.auditor.rules.EXP005]\n"
                       "severty = 'note'\n", 7, ["[rules.EXP005]", "'severty'"]),
    ("pyproject.toml", "[tool.auditor.compose]\n\nenv_file = 'x'\n", 3, ["'env_file'"]),
])
def test_bad_key_is_an_error_at_its_line(tmp_path, name, text, line, words):
    path = write(tmp_path, name, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{path}:{line}:" in message, message
    for w in words:
        assert w in message, message


def test_not_toml_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read as TOML"):
        load_config(write(tmp_path, ".auditor.toml", "[rules\n"))


def test_cli_exit_2_for_a_nested_unknown_key(tmp_path):
    write(tmp_path, ".auditor.toml", "[rules.EXP005]\nseverity = 'note'\n[rules.URL004]\nseverty = 'note'\n")
    proc = run("check", str(tmp_path))
    assert proc.returncode == 2
    assert ".auditor.toml:4:" in proc.stderr and "severty" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run("check", str(FIXTURES / "harena"), "--config", str(tmp_path / ".auditor.toml"))
    assert proc.returncode == 2


# ---------------------------------------------------------------- every key reaches the run


def test_rule_severity_and_options_reach_the_engine(tmp_path):
    stack = copy("harena", tmp_path)
    stale = [f for f in check(stack, Config()) if f.rule == "EXP005"]
    assert [f.severity for f in stale] == ["note"]  # 443 opened, nothing listens on it

    write(stack, ".auditor.toml", "[rules.EXP005]\nseverity = 'error'\n")
    assert [f.severity for f in check(stack) if f.rule == "EXP005"] == ["error"]

    write(stack, ".auditor.toml", "[rules.stale-ingress]\nseverity = 'warning'\n")  # by name
    assert [f.severity for f in check(stack) if f.rule == "EXP005"] == ["warning"]

    write(stack, ".auditor.toml", "[rules.EXP005.options]\nhost_daemon_ports = [22, 443]\n")
    assert [f for f in check(stack) if f.rule == "EXP005"] == []


def test_severity_override_changes_the_exit_code(tmp_path):
    stack = copy("harena", tmp_path)
    assert run("check", str(stack), "--select", "EXP005").returncode == 0  # a note
    write(stack, ".auditor.toml", "[rules.EXP005]\nseverity = 'error'\n")
    assert run("check", str(stack), "--select", "EXP005").returncode == 1


def test_docs_synonyms_reach_the_docs_drift_rule(tmp_path):
    case = copy("rules/DRF001/fail-user-synonyms", tmp_path)
    assert [f.line for f in check(case) if f.rule == "DRF001"] == [6, 7]
    (case / ".auditor.toml").unlink()
    assert [f for f in check(case) if f.rule == "DRF001"] == []  # "Port Hôte" is not understood


def test_include_exclude_and_per_file_ignores(tmp_path):
    stack = copy("harena", tmp_path)
    every = check(stack, Config())
    assert any(f.path.startswith("docs/") for f in every)

    write(stack, ".auditor.toml", "exclude = ['docs/*']\n")
    report = engine.check([stack], load_config(find_config(stack)))
    assert not any(f.path.startswith("docs/") for f in report.files)

    write(stack, ".auditor.toml", "include = ['.env', 'docker-compose.yml']\n")
    report = engine.check([stack], load_config(find_config(stack)))
    assert sorted(f.path for f in report.files) == [".env", "docker-compose.yml"]

    write(stack, ".auditor.toml", "[per_file_ignores]\n'docs/*.md' = ['credentials-in-url']\n'.env' = ['SEC']\n")
    got = {(f.rule, f.path) for f in check(stack)}
    assert ("SEC002", "docs/infrastructure-aws.md") not in got
    assert not any(rule.startswith("SEC") and path == ".env" for rule, path in got)
    assert ("EXP002", "aws/security-groups.json") in got


def test_globs_are_relative_to_the_config_file(tmp_path):
    """A config at the repository root, a scan of one stack folder below it."""
    stack = copy("harena", tmp_path)
    write(tmp_path, ".auditor.toml", f"[per_file_ignores]\n'{stack.name}/docs/*' = ['SEC002']\n"
                                     f"'*.json' = ['EXP']\n")
    got = {(f.rule, f.path) for f in check(stack)}
    assert not any(path.startswith("docs/") for _, path in got)
    assert not any(path.endswith(".json") for _, path in got)
    assert ("SEC002", ".env") in got


def test_compose_env_files(tmp_path):
    case = copy("rules/ENV002/pass-configured-env-file", tmp_path)
    assert not [f for f in check(case) if f.rule == "ENV002"]
    (case / ".auditor.toml").unlink()
    assert {f.rule for f in check(case)} >= {"ENV002"}


def test_hosts_public_addresses_and_external(tmp_path):
    case = copy("rules/URL002/fail-no-location", tmp_path)
    assert [f.line for f in check(case, Config()) if f.rule == "URL002"] == [2, 3]
    write(case, ".auditor.toml", "[hosts]\nexternal = ['app.example.org']\n")
    assert [f for f in check(case) if f.rule == "URL002"] == []

    stack = tmp_path / "public"
    write(stack, "docker-compose.yml", "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
                                      "  api:\n    image: example/api:1\n    env_file: .env\n")
    write(stack, ".env", "DATABASE_URL=postgresql://app@db.example.net:5432/app\n")
    assert not [f for f in check(stack, Config()) if f.rule == "URL004"]
    write(stack, ".auditor.toml", "[hosts]\npublic_addresses = ['db.example.net']\n")
    assert [f.rule for f in check(stack) if f.rule == "URL004"] == ["URL004"]


def test_fail_on_and_selection_from_the_config(tmp_path):
    stack = copy("harena", tmp_path)
    write(stack, ".auditor.toml", "select = ['URL004']\n")
    assert run("check", str(stack)).returncode == 0  # warnings only
    write(stack, ".auditor.toml", "select = ['URL004']\nfail_on = 'warning'\n")
    assert run("check", str(stack)).returncode == 1
    assert run("check", str(stack), "--fail-on", "error").returncode == 0  # the flag wins
    write(stack, ".auditor.toml", "ignore = ['SEC', 'internal-via-public-address']\n")
    rules = {f.rule for f in check(stack)}
    assert rules and not any(r.startswith("SEC") or r == "URL004" for r in rules)


def test_baseline_key_is_relative_to_the_config_file(tmp_path):
    stack = copy("harena", tmp_path)
    write(tmp_path, ".auditor.toml", "baseline = 'ci/auditor-baseline.json'\n")
    (tmp_path / "ci").mkdir()
    proc = run("check", str(stack))
    assert proc.returncode == 2 and "baseline file not found" in proc.stderr
    proc = run("baseline", str(stack))  # -o defaults to the configured file
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "ci" / "auditor-baseline.json").is_file()
    proc = run("check", str(stack))
    assert proc.returncode == 0, proc.stdout
    assert run("check", str(stack), "--config", str(tmp_path / ".auditor.toml")).returncode == 0

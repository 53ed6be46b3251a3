"""Runs every loader over the discovered files and gathers one `Inputs`.

Each loader is called inside a guard: a bug in a loader on one hostile file becomes an AUD001
finding for that file, and every other file is still loaded.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from ..discovery import Discovered, is_env_template
from ..model import Inputs, LoadProblem, Loc
from ..reader import Reader
from .source.suppressions import find_suppressions

T = TypeVar("T")


def guarded(path: str, fn: Callable[[], tuple[T, list[LoadProblem]]], default: T,
            problems: list[LoadProblem]) -> T:
    try:
        value, found = fn()
    except RecursionError:
        problems.append(LoadProblem(rule="AUD002", message="nested too deeply to be read; skipped",
                                    loc=Loc(path=path)))
        return default
    except Exception as exc:  # noqa: BLE001 - the run must go on; the file gets a finding
        problems.append(LoadProblem(rule="AUD001",
                                    message=f"cannot be loaded ({type(exc).__name__})",
                                    loc=Loc(path=path)))
        return default
    problems.extend(found)
    return value


def load_together(paths: list[str], load: Callable[[list[str]], tuple[list, list[LoadProblem]]],
                  problems: list[LoadProblem]) -> list:
    """`load(paths)` for loaders that join files (compose projects and overrides, nginx includes).

    Should one hostile file break the loader, the files are loaded again folder by folder, then
    file by file within the failing folder: the file that breaks it gets AUD001, every other file
    keeps its results (at the price of the joins across the failing boundary)."""
    if not paths:
        return []
    try:
        value, found = load(paths)
    except Exception:  # noqa: BLE001 - RecursionError included: retried in smaller parts below
        pass
    else:
        problems.extend(found)
        return value
    folders: dict[str, list[str]] = {}
    for path in paths:
        folders.setdefault(path.rpartition("/")[0], []).append(path)
    out: list = []
    if len(folders) > 1:
        for group in folders.values():
            out.extend(load_together(group, load, problems))
        return out
    if len(paths) == 1:
        return guarded(paths[0], lambda: load(paths), [], problems)
    for path in paths:
        out.extend(load_together([path], load, problems))
    return out


def load_inputs(reader: Reader, found: Discovered, *, env_files: tuple[str, ...] = (".env",)) -> Inputs:
    # Each loader imported when its kind of file is there: a check pays only for what it reads.
    problems: list[LoadProblem] = list(found.problems)
    by_kind: dict[str, list[str]] = {}
    for f in found.files:
        by_kind.setdefault(f.kind, []).append(f.path)

    envs = []
    if by_kind.get("env"):
        from .env import load_env
    for path in by_kind.get("env", []):
        env = guarded(path, lambda p=path: load_env(reader, p), None, problems)
        if env is not None:
            envs.append(env)

    compose_files = by_kind.get("compose", [])
    if compose_files:
        from .compose.project import load_projects
    projects = load_together(compose_files, lambda paths: load_projects(reader, paths, env_files), problems)

    services = [s for p in projects for s in p.services]
    nginx_files = by_kind.get("nginx", [])
    if nginx_files:
        from .nginx.config import load_nginx
    nginx = load_together(nginx_files, lambda paths: load_nginx(reader, paths, services), problems)

    from .dockerfile import load_dockerfile

    dockerfiles = []
    for path in found.dockerfiles:
        parsed = guarded(path, lambda p=path: load_dockerfile(reader, p), None, [])
        if parsed is not None:
            dockerfiles.append(parsed)

    rules = []
    if by_kind.get("secgroup"):
        from .secgroups.load import load_secgroups
    for path in by_kind.get("secgroup", []):
        rules.extend(guarded(path, lambda p=path: load_secgroups(reader, p, found.secgroup_formats.get(p)), [], problems))

    docs = []
    if by_kind.get("docs"):
        from .docs.markdown import load_doc
    for path in by_kind.get("docs", []):
        doc = guarded(path, lambda p=path: load_doc(reader, p), None, problems)
        if doc is not None:
            docs.append(doc)

    suppressions = []
    for f in found.files:
        text, _ = reader.read(f.path)
        if text is not None:
            suppressions.extend(find_suppressions(f.path, text))

    # One problem per place and message: includes shared by several entries report once.
    unique = sorted(set(problems), key=lambda p: (p.loc.path, p.loc.line, p.loc.column, p.rule, p.message))
    return Inputs(
        root=str(reader.root), files=tuple(found.files), env_files=tuple(envs),
        projects=tuple(projects), nginx=tuple(nginx), sg_rules=tuple(rules), docs=tuple(docs),
        suppressions=tuple(suppressions), problems=tuple(unique), dockerfiles=tuple(dockerfiles),
    )


__all__ = ["load_inputs", "is_env_template"]

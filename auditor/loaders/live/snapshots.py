"""Live-state snapshots: `auditor check PATH --live DIR`.

DIR holds what an operator captured on the running host or account, one command's output per
file, recognised by content (names are free):
- `aws ec2 describe-security-groups` / `describe-security-group-rules` JSON (secgroups/aws_json);
- `docker compose ps --format json` (a JSON array in older Compose, JSON Lines since 2.21),
  `docker ps --format json`, and `docker inspect` JSON (live/docker);
- `nginx -T` output and `ss -ltnp` (or `netstat -ltnp`) text (live/host);
- `auditor snapshot` writes these, plus a `manifest.json` that is not a snapshot (skipped here).

Snapshots are data, never trusted: a malformed one is an AUD001 finding like any other file, an
unrecognised one an AUD002, and the rest still load.

Paths in findings: when DIR is inside the scanned root, a snapshot's path is root-relative like
any file's (`live/ss.txt`), and discovery leaves DIR out so snapshots are not also read as
declared config; when DIR is outside the root, a snapshot is named `live:<path inside DIR>`
(`live:ss.txt`), which no file of the root can be called.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ...discovery import SKIP_DIRS
from ...model import Inputs, LiveState, LoadProblem, Loc, SourceFile
from ...reader import Reader
from ..secgroups.aws_json import rules_from_aws_json
from ..source.json import parse_json
from .docker import parse_containers
from .host import (looks_like_netstat, looks_like_nginx_dump, looks_like_ss, parse_netstat,
                   parse_nginx_dump, parse_ss)

OUTSIDE_PREFIX = "live:"
_MANIFEST_KEY = '"auditor_snapshot"'
_IGNORED_SUFFIXES = (".md", ".markdown", ".rst")


def live_dir_in_root(live_dir: Path, reader: Reader) -> Optional[str]:
    """DIR relative to the root when it is strictly inside it (discovery then leaves it out)."""
    rel = reader.relpath(live_dir)
    return rel or None


def attach_live(inputs: Inputs, live_dir: Path, reader: Reader) -> Inputs:
    """`inputs` with the snapshots of `live_dir` as `live`, their files and their problems."""
    state, files, problems = load_live(live_dir, reader)
    merged = sorted(set(inputs.problems) | set(problems),
                    key=lambda p: (p.loc.path, p.loc.line, p.loc.column, p.rule, p.message))
    return inputs.model_copy(update={
        "live": state, "files": tuple(sorted((*inputs.files, *files), key=lambda f: f.path)),
        "problems": tuple(merged),
    })


def load_live(live_dir: Path, root_reader: Reader) -> tuple[LiveState, list[SourceFile], list[LoadProblem]]:
    inside = live_dir_in_root(live_dir, root_reader)
    reader = root_reader if inside else Reader(Path(os.path.realpath(live_dir)), root_reader.limits)
    state = _State(str(live_dir))
    files: list[SourceFile] = []
    problems: list[LoadProblem] = []
    for sub in _files(reader.abspath(inside) if inside else reader.root):
        name = f"{inside}/{sub}" if inside else sub
        shown = name if inside else OUTSIDE_PREFIX + sub
        text, read_problem = reader.read(name)
        if text is None:
            if read_problem is not None:
                problems.append(read_problem.model_copy(update={"loc": Loc(path=shown)}))
            continue
        try:
            fmt, found = _load_one(shown, text, reader, state)
        except Exception as exc:  # noqa: BLE001 - one hostile snapshot must not stop the run
            fmt, found = None, [LoadProblem(rule="AUD001", message=f"live snapshot cannot be loaded "
                                            f"({type(exc).__name__})", loc=Loc(path=shown))]
        problems.extend(found)
        if fmt is not None:
            state.formats.append((shown, fmt))
            files.append(SourceFile(path=shown, kind="live"))
    return state.freeze(), files, problems


class _State:
    def __init__(self, directory: str):
        self.directory = directory
        self.formats: list[tuple[str, str]] = []
        self.sg_rules: list = []
        self.containers: list = []
        self.nginx: list = []
        self.listeners: list = []

    def freeze(self) -> LiveState:
        from ...model import LiveSnapshot

        return LiveState(
            directory=self.directory,
            snapshots=tuple(LiveSnapshot(path=p, format=f) for p, f in self.formats),  # type: ignore[arg-type]
            sg_rules=tuple(self.sg_rules), containers=tuple(self.containers),
            nginx=tuple(self.nginx), listeners=tuple(self.listeners),
        )


def _files(top: Path) -> list[str]:
    """Snapshot files under `top`, relative to it, sorted; hidden and tool folders skipped."""
    out: list[str] = []
    seen: set[str] = set()
    for folder, dirs, names in os.walk(top, followlinks=False):
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for n in sorted(names):
            if n.startswith(".") or n.lower().endswith(_IGNORED_SUFFIXES):
                continue
            out.append(Path(os.path.relpath(os.path.join(folder, n), top)).as_posix())
    return sorted(out)


def _load_one(path: str, text: str, reader: Reader, state: _State) -> tuple[Optional[str], list[LoadProblem]]:
    """The snapshot's format (None: not one) and its problems; what it holds goes into `state`."""
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("{") and _MANIFEST_KEY in body[:200]:
        return None, []  # `auditor snapshot`'s manifest: what was captured, not a snapshot itself
    if body.startswith(("{", "[")):
        return _load_json(path, text, reader, state)
    if looks_like_nginx_dump(text):
        servers, problems = parse_nginx_dump(path, text, reader.limits.max_depth)
        state.nginx.extend(servers)
        return "nginx-T", problems
    if looks_like_ss(text):
        listeners, problems = parse_ss(path, text)
        state.listeners.extend(listeners)
        return "ss", problems
    if looks_like_netstat(text):
        listeners, problems = parse_netstat(path, text)
        state.listeners.extend(listeners)
        return "ss", problems
    return None, [LoadProblem(
        rule="AUD002", loc=Loc(path=path),
        message="not recognised as a live snapshot (expected aws ec2 describe-security-groups JSON, "
                "docker compose ps / docker inspect JSON, nginx -T or ss -ltnp output); skipped")]


def _load_json(path: str, text: str, reader: Reader, state: _State) -> tuple[Optional[str], list[LoadProblem]]:
    if _looks_like_secgroups(text):
        rules, problems = rules_from_aws_json(text, path, reader.limits)
        state.sg_rules.extend(rules)
        return "describe-security-groups", problems
    docs, problem = _json_documents(path, text, reader)
    if problem is not None:
        return None, [problem]
    containers, problems, recognised = parse_containers(path, docs)
    if not recognised:
        return None, problems or [LoadProblem(
            rule="AUD002", loc=Loc(path=path),
            message="JSON not recognised as a live snapshot (no SecurityGroups, no containers); skipped")]
    fmt = "docker-inspect" if recognised == "inspect" else "docker-compose-ps"
    # A container several snapshots describe (`compose ps` and `docker inspect` of the same
    # containers, as `auditor snapshot` writes) counts once: as the first file, by name, has it.
    known = {c.name for c in state.containers}
    state.containers.extend(c for c in containers if c.name not in known)
    return fmt, problems


def _looks_like_secgroups(text: str) -> bool:
    head = text[:20000]
    return any(k in head for k in ('"SecurityGroups"', '"SecurityGroupRules"', '"IpPermissions"',
                                   '"SecurityGroupRuleId"'))


def _json_documents(path: str, text: str, reader: Reader):
    """The JSON documents of a file: one, or one per line (JSON Lines)."""
    doc, problem = parse_json(path, text, reader.limits)
    if doc is not None:
        return [doc], None
    lines = text.split("\n")
    objects = [i for i, l in enumerate(lines) if l.strip()]
    if len(objects) < 2 or not all(lines[i].lstrip().startswith("{") for i in objects):
        return [], problem
    docs = []
    for i in objects:
        # Padded with the lines before it, so positions are those of the file.
        one, bad = parse_json(path, "\n" * i + lines[i], reader.limits)
        if one is None:
            return [], bad
        docs.append(one)
    return docs, None

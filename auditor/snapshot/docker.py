"""Docker: `docker compose ps --format json` per compose project of the repository, then
`docker inspect` of their containers, both cut down and scrubbed before they are written.

`compose ps --format json` printed one JSON array before Compose 2.21 and JSON Lines since;
both are read, and each file is written back in the shape Docker printed. Where the Compose
plugin is missing, `docker ps --filter label=com.docker.compose.project=NAME` gives the same
containers (its `{{json .}}` lines are read by the same loader).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from . import scrub
from .plan import Plan
from .session import Session, decode
from .store import safe_name

MAX_CONTAINERS = 500  # ids passed to one `docker inspect`


@dataclass
class Containers:
    """What the docker source found, for the sources after it (nginx in a container)."""

    available: bool = False
    reason: str = ""
    # (project, service) -> container id; container names -> id
    by_service: dict[tuple[str, str], str] = field(default_factory=dict)
    by_name: dict[str, str] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)

    def find(self, project: str, service: str, container_name: str = "") -> Optional[str]:
        return self.by_service.get((project, service)) or (self.by_name.get(container_name) if container_name else None)


def capture(session: Session, plan: Plan, keep: bool = True) -> Containers:
    """Find the project's containers; `keep` false: only to find nginx's container, nothing of
    docker's own written or recorded."""
    found = Containers()
    if not plan.projects:
        session.record("docker", "compose projects", "skipped", "the repository declares no compose project")
        found.reason = "the repository declares no compose project"
        return found
    session.version("docker", ["docker", "--version"])
    pending: list[tuple[str, list[Any], str, Any]] = []  # file, objects, shape, entry
    for project in plan.projects:
        entry = _ps(session, project, found, pending)
        if entry is not None:
            found.available = True
    if not found.available:
        found.reason = session.entries[-1].reason if session.entries else "docker is unavailable"
    if not keep:
        session.entries[:] = [e for e in session.entries if e.source != "docker"]
        return found
    inspected = _inspect(session, found) if found.by_name else None
    # Written only now: `docker inspect` revealed the environments to scrub out of them.
    for name, objects, shape, entry in pending:
        clean = [scrub.ps_entry(o, session.secrets) for o in objects]
        session.write(name, _dump(clean, shape))
        entry.file = name
    if inspected is not None:
        name, objects, entry = inspected
        session.write(name, _dump([scrub.inspect_entry(o, session.secrets) for o in objects], "array"))
        entry.file = name
    return found


def _ps(session: Session, project: str, found: Containers, pending: list) -> Optional[object]:
    what = f"compose project {project}"
    r, started = session.run(["docker", "compose", "--project-name", project, "ps", "--all", "--format", "json"])
    via = "docker compose ps"
    if not r.ok and r.status != "failed":
        session.record("docker", what, "unavailable", session.reason(r), result=r, started=started)
        return None
    if not r.ok:
        # No Compose plugin (or an old one without --format json): the same containers by label.
        alt, alt_started = session.run(["docker", "ps", "--all", "--no-trunc", "--filter",
                                        f"label=com.docker.compose.project={project}", "--format", "{{json .}}"])
        if not alt.ok:
            why = f"{session.reason(r)}; then {session.reason(alt)}"
            session.record("docker", what, "unavailable", why, result=alt, started=started)
            return None
        r, started, via = alt, alt_started, "docker ps"
    else:
        session.version("docker compose", ["docker", "compose", "version", "--short"])
    text, replaced = decode(r.stdout)
    objects, shape, problem = parse_ps(text)
    if problem:
        session.record("docker", what, "unavailable", f"{via} printed {problem}", result=r, started=started)
        return None
    detail = {"shape": shape, "containers": len(objects), "via": via}
    if replaced:
        detail["non_utf8_replaced"] = True
    if not objects:
        return session.record("docker", what, "collected",
                              "no container of this project exists on the host (if it was started under another "
                              "name, with -p or COMPOSE_PROJECT_NAME, nothing of it was captured)",
                              result=r, started=started, **detail)
    for o in objects:
        if not isinstance(o, dict):
            continue
        cid = o.get("ID")
        if not isinstance(cid, str) or not cid:
            continue
        name = o.get("Name") or o.get("Names")
        name = name.split(",")[0] if isinstance(name, str) else ""
        service = o.get("Service") if isinstance(o.get("Service"), str) else _label(o, "com.docker.compose.service")
        found.by_service.setdefault((project, service or ""), cid)
        if name:
            found.by_name[name] = cid
        if str(o.get("State", "")).lower() == "running":
            found.running.add(cid)
    entry = session.record("docker", what, "collected", result=r, started=started, **detail)
    ext = "jsonl" if shape == "json-lines" else "json"
    pending.append((f"docker-compose-ps.{safe_name(project)}.{ext}", objects, shape, entry))
    return entry


def _inspect(session: Session, found: Containers):
    ids = sorted(set(found.by_name.values()))[:MAX_CONTAINERS]
    what = f"docker inspect of {len(ids)} container(s)"
    objects, r, started = session.run_json("docker", what, ["docker", "inspect", *ids])
    if r is None:
        return None
    if not isinstance(objects, list):
        session.record("docker", what, "unavailable", "docker inspect printed something else than a JSON array",
                       result=r, started=started)
        return None
    for o in objects:
        session.secrets.add_environment(scrub.environment_of(o))
    entry = session.record("docker", what, "collected", result=r, started=started, containers=len(objects),
                           removed="Config.Env, Cmd, Entrypoint, Args, Mounts, other labels, and every value "
                                   "of the containers' environments")
    return "docker-inspect.json", objects, entry


def parse_ps(text: str) -> tuple[list[Any], str, str]:
    """(objects, shape: array | json-lines | empty, problem) of `compose ps --format json` output."""
    body = text.strip().lstrip("\ufeff")
    if not body:
        return [], "empty", ""
    if body.startswith("["):
        try:
            value = json.loads(body)
        except ValueError as exc:
            return [], "", f"a JSON array that does not parse ({exc.msg} at line {exc.lineno})"
        return (value, "array", "") if isinstance(value, list) else ([], "", "JSON that is not a list")
    objects = []
    for n, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
        except ValueError:
            return [], "", f"line {n} that is not JSON"
    if not all(isinstance(o, dict) for o in objects):
        return [], "", "JSON lines that are not objects"
    return objects, "json-lines", ""


def _label(o: dict, key: str) -> str:
    labels = o.get("Labels")
    if isinstance(labels, dict):
        v = labels.get(key)
        return v if isinstance(v, str) else ""
    if isinstance(labels, str):
        return dict(scrub._split_labels(labels)).get(key, "")
    return ""


def _dump(objects: list[Any], shape: str) -> str:
    if shape == "json-lines":
        return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)
    return json.dumps(objects, indent=2, ensure_ascii=False) + "\n"

"""Dockerfiles: what an image built from this repository holds and declares.

Only what the graph joins on: the stages' base images (FROM), what COPY/ADD put where, and the
final stage's HEALTHCHECK, EXPOSE and USER, each with its line. Instructions are read as
Docker's parser splits them (line continuations, comments, JSON or shell form); nothing is
evaluated (`ARG` values stay as written).
"""
from __future__ import annotations

import json
import shlex
from typing import Optional

from ..discovery import is_dockerfile_name  # noqa: F401 - names are discovery's call
from ..model import DockerCopy, Dockerfile, LoadProblem, Loc
from ..reader import Reader

__all__ = ["load_dockerfile", "parse_dockerfile", "is_dockerfile_name"]


def load_dockerfile(reader: Reader, path: str) -> tuple[Optional[Dockerfile], list[LoadProblem]]:
    text, problem = reader.read(path)
    if text is None:
        return None, [problem] if problem else []
    return parse_dockerfile(path, text), []


def _instructions(text: str):
    """(line, keyword, arguments) per instruction, continuations joined."""
    buf: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comments inside a continued instruction are dropped, as Docker does
        if not buf:
            start = n
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = " ".join(part.strip() for part in buf)
        buf = []
        keyword, _, args = joined.partition(" ")
        yield start, keyword.upper(), args.strip()
    if buf:
        joined = " ".join(part.strip() for part in buf)
        keyword, _, args = joined.partition(" ")
        yield start, keyword.upper(), args.strip()


def _words(args: str) -> list[str]:
    if args.startswith("["):
        try:
            value = json.loads(args)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
        except ValueError:
            pass
    try:
        return shlex.split(args, posix=True)
    except ValueError:
        return args.split()


def parse_dockerfile(path: str, text: str) -> Dockerfile:
    stages: list[str] = []
    copies: list[DockerCopy] = []
    healthcheck: Optional[Loc] = None
    healthcheck_none = False
    expose: list[int] = []
    user: Optional[str] = None
    for line, keyword, args in _instructions(text):
        loc = Loc(path=path, line=line)
        if keyword == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            stages.append(words[0] if words else "")
            # HEALTHCHECK, EXPOSE and USER belong to the stage that declares them
            healthcheck, healthcheck_none, expose, user = None, False, [], None
            continue
        if keyword in ("COPY", "ADD"):
            words = _words(args) if args.lstrip().startswith("[") else _words(args)
            options = [w for w in words if w.startswith("--")]
            rest = [w for w in words if not w.startswith("--")]
            if len(rest) < 2:
                continue
            source_stage = next((o.split("=", 1)[1] for o in options if o.startswith("--from=")), None)
            copies.append(DockerCopy(sources=tuple(rest[:-1]), destination=rest[-1],
                                     stage=len(stages) - 1, from_stage=source_stage, loc=loc))
        elif keyword == "HEALTHCHECK":
            words = args.split()
            healthcheck_none = bool(words) and words[0].upper() == "NONE"
            healthcheck = loc
        elif keyword == "EXPOSE":
            for w in args.split():
                port = w.split("/", 1)[0]
                if port.isascii() and port.isdigit() and 0 < int(port) < 65536:
                    expose.append(int(port))
        elif keyword == "USER":
            user = args.split()[0] if args.split() else None
    return Dockerfile(path=path, stages=tuple(stages), copies=tuple(copies),
                      healthcheck=healthcheck if not healthcheck_none else None,
                      healthcheck_disabled=healthcheck_none, expose=tuple(expose), user=user)

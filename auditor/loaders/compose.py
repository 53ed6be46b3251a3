"""Docker compose projects, read with compose's own semantics (compose-go, as `docker compose config`).

Per project, as compose-go does it: every file (every YAML document of it) is parsed with the
YAML core schema compose uses, interpolated from the project's env files, reduced to canonical
per-service fields (short syntax turned long), `include`d projects imported, files merged in
order, `extends` applied, repeated entries folded (last wins, first position), then frozen into
model objects. Every element keeps the location of the file and line it came from.

Grouping files into projects (`group_files`): per directory, the default file (compose.yaml,
compose.yml, docker-compose.yml, docker-compose.yaml; first present) plus the override compose
would add (compose.override.yml, ... ; first present); any other compose file there whose
services all exist in that project is an override of it too (merged after, by name); otherwise
it is a project of its own. Without a default file the same rule applies between the files.
"""
from __future__ import annotations

import gc
import math
import posixpath
import re
import shlex
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

from ..model import (
    ComposeProject, Dependency, EnvEntry, EnvFileRef, Healthcheck, LoadProblem, Loc, MissingVar, Mount,
    PortMapping, Service, ServiceNetwork,
)
from ..reader import Reader
from .compose_ports import parse_port
from .interpolate import interpolate
from .yamlsrc import YList, YMap, parse_documents

__all__ = [
    "DEFAULT_FILES", "OVERRIDE_FILES", "load_projects", "load_project", "group_files",
    "interpolation_env", "normalize_project_name", "env_value",
]

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = ("compose.override.yml", "compose.override.yaml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")
MOUNT_TYPES = ("bind", "volume", "tmpfs", "npipe", "cluster", "image")
_TRUE = {"y", "yes", "true", "on"}
_FALSE = {"n", "no", "false", "off"}
_NAME_CHARS = re.compile(r"[^a-z0-9_-]")
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")


class _Reset:
    """`!reset`: the field (or service) is removed by the file that says so."""


_RESET = _Reset()


class _Override:
    """`!override`: the value replaces the earlier one instead of merging with it."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


# ================================================================ public API


@contextmanager
def _no_gc() -> Iterator[None]:
    """Loading allocates many small acyclic objects next to a large live YAML tree; the cyclic
    collector would rescan that tree over and over (more than half the time of a big file)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_projects(reader: Reader, compose_files: Sequence[str], env_files: Sequence[str] = (".env",),
                  ) -> tuple[list[ComposeProject], list[LoadProblem]]:
    """Every compose project formed by `compose_files` (root-relative paths)."""
    session = _Session(reader)
    projects = []
    with _no_gc():
        for files in _group(session, compose_files):
            project = session.project(files, env_files, posixpath.dirname(files[0]))
            if project is not None:
                projects.append(project)
    return projects, session.result_problems()


def load_project(reader: Reader, files: Sequence[str], env_files: Sequence[str] = (".env",), *,
                 directory: Optional[str] = None) -> tuple[Optional[ComposeProject], list[LoadProblem]]:
    """One project from an explicit file list, like `docker compose -f a -f b` (first file is the base).

    `directory` is the project directory (`--project-directory`), by default the first file's.
    """
    session = _Session(reader)
    files = [_clean(f) for f in files]
    if not files:
        return None, []
    with _no_gc():
        project = session.project(files, env_files,
                                  posixpath.dirname(files[0]) if directory is None else _clean(directory))
    return project, session.result_problems()


def group_files(reader: Reader, compose_files: Sequence[str]) -> list[list[str]]:
    """The projects `load_projects` forms: lists of files, base first, in merge order."""
    return _group(_Session(reader), compose_files)


def interpolation_env(reader: Reader, directory: str, env_files: Sequence[str],
                      base: Optional[Mapping[str, str]] = None,
                      ) -> tuple[dict[str, str], list[str], list[LoadProblem]]:
    """Variables for interpolation from `env_files` (relative to `directory`), like `--env-file`.

    Later files win. A `${VAR}` in a file sees `base` first, then the file's own earlier lines,
    then earlier files (what compose does). Missing files are skipped.
    Returns (variables, files read, problems).
    """
    values: dict[str, str] = {}
    used: list[str] = []
    problems: list[LoadProblem] = []
    for name in env_files:
        rel = reader.resolve(directory, name)
        if rel is None or not reader.exists(rel):
            continue
        text, problem = reader.read(rel)
        if text is None:
            if problem:
                problems.append(problem)
            continue
        own, found = _env_file_values(text, rel, base or {}, values)
        problems.extend(found)
        values.update(own)
        used.append(rel)
    return values, used, problems


def _env_file_values(text: str, path: str, base: Mapping[str, str], earlier: Mapping[str, str],
                     ) -> tuple[dict[str, str], list[LoadProblem]]:
    """One env file read by the env loader (compose's dotenv grammar), binding by binding, so
    each line's lookup puts the file's own earlier lines above the earlier files'."""
    from .env import binding_texts, parse_env

    own: dict[str, str] = {}
    for segment in binding_texts(text):
        env_file, _ = parse_env(segment, path, env={**earlier, **own, **base})
        own.update((var.key, var.value) for var in env_file.vars)
    _, problems = parse_env(text, path, env={**earlier, **base})  # problems with their real lines
    return own, problems


def normalize_project_name(name: str) -> str:
    """compose's project name: lower case, only [a-z0-9_-], no leading `_` or `-`."""
    return _NAME_CHARS.sub("", name.lower()).lstrip("_-")


def env_value(value: Any) -> Optional[str]:
    """A YAML scalar as compose turns it into an environment string (true -> "true", 1.0 -> "1")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return value
    return None


def _go_float(f: float) -> str:
    """Go's %v for a float64: shortest digits, exponent form below 1e-4 or from 1e6 (1e+06)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign, digit_tuple, exp = Decimal(repr(f)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    exp += len(digit_tuple) - len(digits)
    point = len(digits) - 1 + int(exp)  # decimal exponent of the first digit
    prefix = "-" if sign else ""
    if point < -4 or point >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if point < 0 else '+'}{abs(point):02d}"
    if point < 0:
        return f"{prefix}0.{'0' * (-point - 1)}{digits}"
    whole, frac = digits[: point + 1].ljust(point + 1, "0"), digits[point + 1:]
    return f"{prefix}{whole}{'.' + frac if frac else ''}"


# ================================================================ grouping


def _clean(path: str) -> str:
    path = posixpath.normpath(path.replace("\\", "/"))
    return "" if path == "." else path


def _group(session: "_Session", compose_files: Sequence[str]) -> list[list[str]]:
    by_dir: dict[str, list[str]] = {}
    for f in dict.fromkeys(_clean(f) for f in compose_files):
        by_dir.setdefault(posixpath.dirname(f), []).append(f)
    groups: list[list[str]] = []
    for directory in sorted(by_dir):
        paths = {posixpath.basename(f): f for f in by_dir[directory]}
        default = next((paths[n] for n in DEFAULT_FILES if n in paths), None)
        projects: list[tuple[list[str], set[str]]] = []
        rest = sorted(paths.values())
        if default is not None:
            base = [default]
            override = next((paths[n] for n in OVERRIDE_FILES if n in paths), None)
            if override is not None:
                base.append(override)
            services: set[str] = set()
            for f in base:
                services |= session.service_names(f) or set()
            projects.append((base, services))
            rest = [f for f in rest if f not in base]
        else:
            # the file with most services first: it is the likeliest base of the others
            rest.sort(key=lambda f: (-len(session.service_names(f) or ()), f))
        for f in rest:
            names = session.service_names(f)
            home = next((p for p in projects if names is not None and names <= p[1]), None)
            if home is not None:
                home[0].append(f)
            else:
                projects.append(([f], set(names or ())))
        for files, _ in projects:
            files[1:] = _override_order(files[1:], default)
            groups.append(files)
    return groups


def _override_order(files: list[str], default: Optional[str]) -> list[str]:
    """compose's own override first (when a default file exists), then the others by name."""
    if default is None:
        return sorted(files)
    own = [f for f in files if posixpath.basename(f) in OVERRIDE_FILES][:1]
    return own + sorted(f for f in files if f not in own)


# ================================================================ session: parsing, projects


class _Partial:
    """A file's (or several merged files') content in canonical form."""

    __slots__ = ("name", "services", "networks", "volumes", "secrets")

    def __init__(self) -> None:
        self.name: Optional[str] = None
        self.services: dict[str, Any] = {}  # name -> fields dict, or _RESET
        self.networks: dict[str, None] = {}
        self.volumes: dict[str, None] = {}
        self.secrets: dict[str, None] = {}

    def merge(self, other: "_Partial") -> None:
        if other.name:
            self.name = other.name
        for name, svc in other.services.items():
            if svc is _RESET:
                self.services.pop(name, None)
            elif isinstance(svc, _Override):
                self.services[name] = _strip_markers(svc.value)
            elif name in self.services and self.services[name] is not _RESET:
                self.services[name] = _merge_service(self.services[name], svc)
            else:
                self.services[name] = _strip_markers(svc)
        self.networks.update(other.networks)
        self.volumes.update(other.volumes)
        self.secrets.update(other.secrets)


class _Session:
    def __init__(self, reader: Reader):
        self.reader = reader
        self.problems: list[LoadProblem] = []
        self._docs: dict[str, Optional[list[YMap]]] = {}

    def result_problems(self) -> list[LoadProblem]:
        return list(dict.fromkeys(self.problems))

    def problem(self, rule: str, message: str, loc: Loc) -> None:
        self.problems.append(LoadProblem(rule=rule, message=message, loc=loc))  # type: ignore[arg-type]

    def documents(self, path: str) -> Optional[list[YMap]]:
        """The mapping documents of a compose file (None when it cannot be read or parsed)."""
        if path in self._docs:
            return self._docs[path]
        docs: Optional[list[YMap]] = None
        text, problem = self.reader.read(path)
        if text is None:
            if problem:
                self.problems.append(problem)
        else:
            values, found = parse_documents(text, path, self.reader.limits, schema="core")
            self.problems.extend(found)
            if values is not None:
                docs = []
                for value in values:
                    if isinstance(value, YMap):
                        docs.append(value)
                    elif value is not None:
                        self.problem("AUD001", "a compose file must be a mapping at the top level",
                                     Loc(path=path, line=getattr(value, "line", 1), column=getattr(value, "column", 1)))
        self._docs[path] = docs
        return docs

    def service_names(self, path: str) -> Optional[set[str]]:
        docs = self.documents(path)
        if docs is None:
            return None
        names: set[str] = set()
        for doc in docs:
            services = doc.get("services")
            if isinstance(services, dict):
                names.update(str(k) for k in services)
        return names

    def project(self, files: Sequence[str], env_files: Sequence[str], directory: str) -> Optional[ComposeProject]:
        if self.documents(files[0]) is None:
            return None  # compose cannot load a project whose base file is unreadable
        env, sources, problems = interpolation_env(self.reader, directory, env_files)
        self.problems.extend(problems)
        load = _ProjectLoad(self, directory, env, sources)
        partial = load.load_files(files, first_needs_services=True)
        return load.freeze(partial, files)


# ================================================================ one project


class _ProjectLoad:
    def __init__(self, session: _Session, directory: str, env: Mapping[str, str], sources: Sequence[str],
                 depth: int = 0, stack: tuple[str, ...] = ()):
        self.session = session
        self.reader = session.reader
        self.directory = directory
        self.env = env
        self.sources = list(sources)
        self.depth = depth
        self.stack = stack  # files being included, for cycles
        self.missing: dict[tuple[str, Loc], MissingVar] = {}
        self._origins: dict[str, dict[str, Any]] = {}
        self._resolved: dict[tuple[str, str], Optional[dict]] = {}

    def problem(self, rule: str, message: str, loc: Loc) -> None:
        self.session.problem(rule, message, loc)

    # -- files ---------------------------------------------------------------

    def load_files(self, files: Sequence[str], first_needs_services: bool = False) -> _Partial:
        merged = _Partial()
        for i, path in enumerate(files):
            merged.merge(self.file_partial(path, self.directory, needs_services=first_needs_services and i == 0))
        self._origins[""] = merged.services
        for name in list(merged.services):
            resolved = self._service("", name, ())
            if resolved is not None:
                merged.services[name] = resolved
        return merged

    def file_partial(self, path: str, base_dir: str, needs_services: bool = False) -> _Partial:
        partial = _Partial()
        docs = self.session.documents(path)
        if docs is None:
            return partial
        if needs_services and not any("services" in d for d in docs):
            self.problem("AUD001", "no `services:` mapping in this compose file", Loc(path=path))
        first: Optional[_Partial] = None
        for doc in docs:  # several YAML documents merge like override files
            found = _FileReader(self, path, base_dir).document(self._interpolate(doc))
            if first is None:
                first = found  # keeps its !reset / !override marks for the project merge
            else:
                first.merge(found)
        return first or partial

    def _interpolate(self, root: YMap) -> YMap:
        """A copy of `root` with every string value interpolated (keys are not); iterative."""
        env = self.env
        copy = _shell(root)
        stack: list[tuple[Any, Any]] = [(root, copy)]
        while stack:
            src, dst = stack.pop()
            is_map = isinstance(src, dict)
            items = src.items() if is_map else enumerate(src)
            for k, v in items:
                if isinstance(v, (YMap, YList)):
                    nv: Any = _shell(v)
                    stack.append((v, nv))
                elif isinstance(v, str) and "$" in v:
                    loc = src.value_loc(k) if is_map else src.item_loc(k)
                    result = interpolate(v, env)
                    for name in result.missing:
                        self.missing.setdefault((name, loc), MissingVar(name=name, loc=loc))
                    for error in result.errors:
                        self.problem("AUD001", f"compose would refuse this value: {error}", loc)
                    nv = result.value
                else:
                    nv = v
                if is_map:
                    dict.__setitem__(dst, k, nv)
                else:
                    list.append(dst, nv)
        return copy

    # -- include -------------------------------------------------------------

    def include(self, entry: Any, loc: Loc, base_dir: str, into: _Partial) -> None:
        paths: list = []
        project_dir = env_files = None
        if isinstance(entry, str):
            paths = [entry]
        elif isinstance(entry, YMap):
            raw_paths = entry.get("path")
            if isinstance(raw_paths, (str, list)):
                paths = [raw_paths] if isinstance(raw_paths, str) else list(raw_paths)
            project_dir = entry.get("project_directory")
            env_files = entry.get("env_file")
            env_files = [env_files] if isinstance(env_files, str) else env_files
        if not paths or not all(isinstance(p, str) and p for p in paths):
            self.problem("AUD001", "`include` entry needs a path", loc)
            return
        resolved = []
        for p in paths:
            rel = self.reader.resolve(base_dir, p)
            if rel is None:
                self.problem("AUD002", f"include {p!r} points outside the root; not read", loc)
                return
            resolved.append(rel)
        if self.depth + 1 > self.reader.limits.max_include_depth:
            self.problem("AUD002", "includes nested too deeply; not read", loc)
            return
        if any(r in self.stack for r in resolved):
            self.problem("AUD001", f"include cycle through {resolved[0]}", loc)
            return
        directory = posixpath.dirname(resolved[0])
        if isinstance(project_dir, str) and project_dir:
            chosen = self.reader.resolve(base_dir, project_dir)
            directory = directory if chosen is None else chosen
        if isinstance(env_files, list):
            sources = [f for f in env_files if isinstance(f, str)]
            env_dir = base_dir
        else:
            sources, env_dir = [".env"], directory
        extra, used, problems = interpolation_env(self.reader, env_dir, sources, base=self.env)
        self.session.problems.extend(problems)
        env = {**extra, **self.env}  # the including project's variables win
        sub = _ProjectLoad(self.session, directory, env, used, self.depth + 1, self.stack + tuple(resolved))
        imported = sub.load_files(resolved)
        self.missing.update(sub.missing)
        self.sources.extend(s for s in sub.sources if s not in self.sources)
        for name, svc in imported.services.items():
            if name in into.services:
                self.problem("AUD001", f"service {name!r} is also defined by included {resolved[0]}", loc)
            else:
                into.services[name] = svc
        into.networks.update(imported.networks)
        into.volumes.update(imported.volumes)
        into.secrets.update(imported.secrets)

    # -- extends -------------------------------------------------------------

    def _service(self, origin: str, name: str, chain: tuple[tuple[str, str], ...]) -> Optional[dict]:
        """Service `name` of `origin` ("" the project, else a file) with its `extends` applied."""
        key = (origin, name)
        if key in self._resolved:
            return self._resolved[key]
        svc = self._origins.get(origin, {}).get(name)
        if not isinstance(svc, dict):
            return None
        ext = svc.get("_extends")
        if ext is None:
            return svc
        target, file, loc = ext
        own = {k: v for k, v in svc.items() if k != "_extends"}
        if key in chain or len(chain) > 32:
            self.problem("AUD001", f"`extends` cycle through service {name!r}", loc)
            return own
        if file is not None:
            if file not in self._origins:
                self._origins[file] = {}  # placeholder while the file loads
                services = self.file_partial(file, posixpath.dirname(file)).services
                self._origins[file] = {n: _strip_markers(s) for n, s in services.items() if isinstance(s, dict)}
            base_origin = file
        else:
            base_origin = origin
        base = self._service(base_origin, target, chain + (key,))
        if base is None:
            where = f" in {file}" if file else ""
            self.problem("AUD001", f"`extends` names unknown service {target!r}{where}", loc)
            result = own
        else:
            result = _merge_service({k: v for k, v in base.items() if k != "_loc"}, own)
            result["_loc"] = own.get("_loc")
        self._resolved[key] = result
        return result

    # -- freezing ------------------------------------------------------------

    def freeze(self, partial: _Partial, files: Sequence[str]) -> ComposeProject:
        project_id = files[0]
        # compose's precedence: COMPOSE_PROJECT_NAME (an env file may set it), `name:`, directory
        name = normalize_project_name(self.env.get("COMPOSE_PROJECT_NAME") or partial.name or "")
        if not name:
            base = posixpath.basename(self.directory) if self.directory else self.reader.root.name
            name = normalize_project_name(base) or base or "default"
        services = []
        for svc_name, fields in partial.services.items():
            if isinstance(fields, dict):
                services.append(_freeze_service(svc_name, project_id, fields))
        return ComposeProject(
            id=project_id, name=name, directory=self.directory, files=tuple(files),
            env_sources=tuple(dict.fromkeys(self.sources)), missing_vars=tuple(self.missing.values()),
            services=tuple(services), networks=tuple(partial.networks), volumes=tuple(partial.volumes),
            secrets=tuple(partial.secrets), loc=Loc(path=project_id),
        )


def _shell(node: Any) -> Any:
    """An empty container like `node`, sharing its location data (never mutated afterwards)."""
    copy = YMap(node.path, node.line, node.column, node.tag) if isinstance(node, YMap) \
        else YList(node.path, node.line, node.column, node.tag)
    copy._meta = node._meta
    return copy


# ================================================================ one file, canonical fields


class _FileReader:
    """Reads one interpolated document into a `_Partial`, reporting wrong shapes as AUD001."""

    def __init__(self, load: _ProjectLoad, path: str, base_dir: str):
        self.load = load
        self.reader = load.reader
        self.path = path
        self.base_dir = base_dir

    def bad(self, message: str, loc: Loc) -> None:
        self.load.problem("AUD001", message, loc)

    def document(self, doc: YMap) -> _Partial:
        partial = _Partial()
        name = doc.get("name")
        if isinstance(name, (str, int)) and not isinstance(name, bool) and str(name):
            partial.name = str(name)
        for section, target in (("networks", partial.networks), ("volumes", partial.volumes),
                                ("secrets", partial.secrets)):
            value = doc.get(section)
            if isinstance(value, dict):
                target.update((str(k), None) for k in value)
            elif value is not None:
                self.bad(f"`{section}` must be a mapping", doc.value_loc(section))
        if "services" in doc:
            services = doc["services"]
            if isinstance(services, YMap):
                for key, svc in services.items():
                    self.service(partial, services, key, svc)
            else:
                self.bad("`services` must be a mapping of service names to definitions", doc.value_loc("services"))
        includes = doc.get("include")
        if isinstance(includes, YList):
            for i, entry in enumerate(includes):
                self.load.include(entry, includes.item_loc(i), self.base_dir, partial)
        elif includes is not None:
            self.bad("`include` must be a list", doc.value_loc("include"))
        return partial

    def service(self, partial: _Partial, services: YMap, key: Any, svc: Any) -> None:
        name = str(key)
        loc = services.key_loc(key)
        tag = services.value_tag(key)
        if tag == "!reset":
            partial.services[name] = _RESET
            return
        if not isinstance(svc, YMap):
            self.bad(f"service {name!r} must be a mapping", loc)
            return
        fields: dict[str, Any] = {"_loc": loc}
        partial.services[name] = _Override(fields) if tag == "!override" else fields
        for field, value in svc.items():
            reader = _FIELDS.get(field)
            if reader is None:
                continue
            vtag = svc.value_tag(field)
            if vtag == "!reset":
                fields[field] = _RESET
                continue
            parsed = reader(self, svc, field, value)
            if field == "extends":
                field = "_extends"  # applied after merging, never merged itself
            if parsed is not None:
                fields[field] = _Override(parsed) if vtag == "!override" else parsed

    # -- field readers (each returns the canonical value or None to skip) ------

    def string(self, svc: YMap, field: str, value: Any) -> Optional[str]:
        if value is None:
            return None
        text = env_value(value)
        if text is None:
            self.bad(f"`{field}` must be a string", svc.value_loc(field))
        return text

    def build(self, svc: YMap, field: str, value: Any) -> Optional[dict]:
        if isinstance(value, str):
            return {"context": value}
        if isinstance(value, YMap):
            context = value.get("context")
            return {"context": context} if isinstance(context, str) else {}
        if value is not None:
            self.bad("`build` must be a path or a mapping", svc.value_loc(field))
        return None

    def strings(self, svc: YMap, field: str, value: Any) -> Optional[list[str]]:
        if value is None:
            return None
        if not isinstance(value, YList):
            self.bad(f"`{field}` must be a list", svc.value_loc(field))
            return None
        out = []
        for i, item in enumerate(value):
            text = env_value(item)
            if text is None or isinstance(item, bool):
                self.bad(f"`{field}` entries must be strings", value.item_loc(i))
            else:
                out.append(text)
        return out

    def ports(self, svc: YMap, field: str, value: Any) -> Optional[list[PortMapping]]:
        if value is None:
            return None
        if not isinstance(value, YList):
            self.bad("`ports` must be a list", svc.value_loc(field))
            return None
        out = []
        for i, item in enumerate(value):
            loc = value.item_loc(i)
            raw = value.raw(i)
            port = parse_port(item, loc, raw if raw is not None else ("" if isinstance(item, dict) else None))
            if isinstance(port, str):
                self.bad(port, loc)
            else:
                out.append(port)
        return out

    def expose(self, svc: YMap, field: str, value: Any) -> Optional[list[int]]:
        if value is None:
            return None
        if not isinstance(value, YList):
            self.bad("`expose` must be a list", svc.value_loc(field))
            return None
        out: list[int] = []
        for i, item in enumerate(value):
            ports = _expose_ports(item)
            if ports is None:
                self.bad(f"invalid `expose` entry {item!r}", value.item_loc(i))
            else:
                out.extend(ports)
        return out

    def depends_on(self, svc: YMap, field: str, value: Any) -> Optional[dict]:
        if value is None:
            return None
        out: dict[str, dict] = {}
        if isinstance(value, YList):
            for i, item in enumerate(value):
                if not isinstance(item, str) or not item:
                    self.bad("`depends_on` entries must be service names", value.item_loc(i))
                    continue
                out[item] = {"condition": "service_started", "required": True, "_loc": value.item_loc(i)}
            return out
        if not isinstance(value, YMap):
            self.bad("`depends_on` must be a list or a mapping", svc.value_loc(field))
            return None
        for key, spec in value.items():
            loc = value.key_loc(key)
            if not isinstance(key, str) or not key:
                self.bad("`depends_on` keys must be service names", loc)
                continue
            if spec is None:
                out[key] = {"_loc": loc}
                continue
            if not isinstance(spec, YMap):
                self.bad(f"`depends_on.{key}` must be a mapping", value.value_loc(key))
                continue
            entry: dict[str, Any] = {"_loc": loc}
            condition = spec.get("condition")
            if condition is not None:
                if condition not in CONDITIONS:
                    self.bad(f"unknown depends_on condition {condition!r} (one of {', '.join(CONDITIONS)})",
                             spec.value_loc("condition"))
                else:
                    entry["condition"] = condition
            for flag in ("required", "restart"):
                if flag in spec:
                    parsed = _bool(spec[flag])
                    if parsed is None:
                        self.bad(f"`{flag}` must be true or false", spec.value_loc(flag))
                    else:
                        entry[flag] = parsed
            out[key] = entry
        return out

    def healthcheck(self, svc: YMap, field: str, value: Any) -> Optional[dict]:
        if value is None:
            return None
        if not isinstance(value, YMap):
            self.bad("`healthcheck` must be a mapping", svc.value_loc(field))
            return None
        out: dict[str, Any] = {"_loc": svc.key_loc(field)}
        test = value.get("test")
        if isinstance(test, str):
            out["test"] = ("CMD-SHELL", test)
        elif isinstance(test, YList):
            out["test"] = tuple(env_value(t) or "" for t in test)
        elif test is not None:
            self.bad("`healthcheck.test` must be a string or a list", value.value_loc("test"))
        if "disable" in value:
            disable = _bool(value["disable"])
            if disable is None:
                self.bad("`healthcheck.disable` must be true or false", value.value_loc("disable"))
            else:
                out["disable"] = disable
        return out

    def environment(self, svc: YMap, field: str, value: Any) -> Optional[dict[str, EnvEntry]]:
        if value is None:
            return None
        out: dict[str, EnvEntry] = {}
        if isinstance(value, YMap):
            for key, v in value.items():
                loc = value.key_loc(key)
                text = env_value(v)
                if v is not None and text is None:
                    self.bad(f"environment value of {key!r} must be a scalar", value.value_loc(key))
                    continue
                out[str(key)] = EnvEntry(key=str(key), value=text, loc=loc)
            return out
        if isinstance(value, YList):
            for i, item in enumerate(value):
                loc = value.item_loc(i)
                text = env_value(item)
                key, eq, val = (text or "").partition("=")
                if not key:
                    self.bad("`environment` entries must be KEY=VALUE strings", loc)
                    continue
                out[key] = EnvEntry(key=key, value=val if eq else None, loc=loc)
            return out
        self.bad("`environment` must be a mapping or a list", svc.value_loc(field))
        return None

    def env_file(self, svc: YMap, field: str, value: Any) -> Optional[list[EnvFileRef]]:
        if value is None:
            return None
        if isinstance(value, str):
            return [self._env_ref(value, True, svc.value_loc(field))]
        if not isinstance(value, YList):
            self.bad("`env_file` must be a path or a list", svc.value_loc(field))
            return None
        out = []
        for i, item in enumerate(value):
            loc = value.item_loc(i)
            if isinstance(item, str):
                out.append(self._env_ref(item, True, loc))
            elif isinstance(item, YMap) and isinstance(item.get("path"), str):
                required = _bool(item.get("required", True))
                if required is None:
                    self.bad("`required` must be true or false", item.value_loc("required"))
                    required = True
                out.append(self._env_ref(item["path"], required, loc))
            else:
                self.bad("`env_file` entries must be paths or {path, required}", loc)
        return out

    def _env_ref(self, path: str, required: bool, loc: Loc) -> EnvFileRef:
        rel = self.reader.resolve(self.base_dir, path) if path else None
        return EnvFileRef(path=rel if rel is not None else path, required=required, loc=loc)

    def networks(self, svc: YMap, field: str, value: Any) -> Optional[dict[str, dict]]:
        if value is None:
            return None
        out: dict[str, dict] = {}
        if isinstance(value, YList):
            for i, item in enumerate(value):
                if isinstance(item, str) and item:
                    out[item] = {}
                else:
                    self.bad("`networks` entries must be network names", value.item_loc(i))
            return out
        if not isinstance(value, YMap):
            self.bad("`networks` must be a list or a mapping", svc.value_loc(field))
            return None
        for key, spec in value.items():
            entry: dict[str, Any] = {}
            if isinstance(spec, YMap):
                aliases = spec.get("aliases")
                if isinstance(aliases, YList):
                    entry["aliases"] = [a for a in (env_value(x) for x in aliases) if a]
                elif aliases is not None:
                    self.bad("`aliases` must be a list", spec.value_loc("aliases"))
                ipv4 = spec.get("ipv4_address")
                if isinstance(ipv4, str):
                    entry["ipv4_address"] = ipv4
            elif spec is not None:
                self.bad(f"`networks.{key}` must be a mapping", value.value_loc(key))
                continue
            out[str(key)] = entry
        return out

    def volumes(self, svc: YMap, field: str, value: Any) -> Optional[list[Mount]]:
        if value is None:
            return None
        if not isinstance(value, YList):
            self.bad("`volumes` must be a list", svc.value_loc(field))
            return None
        out = []
        for i, item in enumerate(value):
            loc = value.item_loc(i)
            mount = self._mount(item, loc)
            if isinstance(mount, str):
                self.bad(mount, loc)
            else:
                out.append(mount)
        return out

    def _mount(self, spec: Any, loc: Loc) -> "Mount | str":
        if isinstance(spec, str):
            parts = spec.split(":")
            if len(parts) > 1 and _WINDOWS_DRIVE.match(spec):
                parts = [parts[0] + ":" + parts[1]] + parts[2:]
            if len(parts) == 1:
                source, target, mode = "", parts[0], ""
            elif len(parts) == 2:
                source, target, mode = parts[0], parts[1], ""
            elif len(parts) == 3:
                source, target, mode = parts
            else:
                return f"invalid volume {spec!r}: too many `:`"
            if not target:
                return f"invalid volume {spec!r}: no target"
            kind = "bind" if _is_path(source) else "volume"
            read_only = "ro" in mode.split(",")
        elif isinstance(spec, YMap):
            source = env_value(spec.get("source")) or ""
            target = env_value(spec.get("target")) or ""
            kind = spec.get("type") or ("bind" if _is_path(source) else "volume")
            if kind not in MOUNT_TYPES:
                return f"unknown volume type {kind!r}"
            if not target:
                return "volume has no target"
            read_only = bool(_bool(spec.get("read_only", False)))
        else:
            return f"invalid volume entry {spec!r}"
        inside = False
        if kind == "bind" and source and not source.startswith("~"):
            rel = self.reader.resolve(self.base_dir, source)
            if rel is not None:
                source, inside = (rel or "."), True
        return Mount(type=kind, source=source, target=target, read_only=read_only, inside_root=inside, loc=loc)

    def secrets(self, svc: YMap, field: str, value: Any) -> Optional[list[str]]:
        if value is None:
            return None
        if not isinstance(value, YList):
            self.bad("`secrets` must be a list", svc.value_loc(field))
            return None
        out = []
        for i, item in enumerate(value):
            source = item.get("source") if isinstance(item, YMap) else item
            if isinstance(source, str) and source:
                out.append(source)
            else:
                self.bad("`secrets` entries must be names or {source}", value.item_loc(i))
        return out

    def command(self, svc: YMap, field: str, value: Any) -> Optional[tuple[str, ...]]:
        if value is None:
            return ()
        if isinstance(value, str):
            try:
                return tuple(shlex.split(value))
            except ValueError:
                return (value,)
        if isinstance(value, YList):
            return tuple(env_value(v) or "" for v in value)
        self.bad(f"`{field}` must be a string or a list", svc.value_loc(field))
        return None

    def extends(self, svc: YMap, field: str, value: Any) -> Optional[tuple]:
        loc = svc.value_loc(field)
        if isinstance(value, str):
            return (value, None, loc)
        if not isinstance(value, YMap) or not isinstance(value.get("service"), str):
            self.bad("`extends` needs a service name", loc)
            return None
        file = value.get("file")
        if file is None:
            return (value["service"], None, loc)
        if not isinstance(file, str) or not file:
            self.bad("`extends.file` must be a path", value.value_loc("file"))
            return None
        rel = self.reader.resolve(self.base_dir, file)
        if rel is None:
            self.load.problem("AUD002", f"`extends` file {file!r} points outside the root; not read", loc)
            return None
        return (value["service"], rel, loc)


_FIELDS = {
    "image": _FileReader.string,
    "container_name": _FileReader.string,
    "hostname": _FileReader.string,
    "network_mode": _FileReader.string,
    "build": _FileReader.build,
    "profiles": _FileReader.strings,
    "ports": _FileReader.ports,
    "expose": _FileReader.expose,
    "depends_on": _FileReader.depends_on,
    "healthcheck": _FileReader.healthcheck,
    "environment": _FileReader.environment,
    "env_file": _FileReader.env_file,
    "networks": _FileReader.networks,
    "volumes": _FileReader.volumes,
    "secrets": _FileReader.secrets,
    "command": _FileReader.command,
    "extends": _FileReader.extends,
}


def _bool(value: Any) -> Optional[bool]:
    """compose's cast of a (possibly interpolated) value to a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return None


def _is_path(source: str) -> bool:
    return bool(source) and (source[0] in "./~" or source.startswith("\\\\") or bool(_WINDOWS_DRIVE.match(source)))


def _expose_ports(item: Any) -> Optional[list[int]]:
    if isinstance(item, int) and not isinstance(item, bool):
        return [item] if 0 < item <= 65535 else None
    if not isinstance(item, str):
        return None
    port = item.split("/", 1)[0]
    start, _, end = port.partition("-")
    if not start.isdigit() or (end and not end.isdigit()):
        return None
    first, last = int(start), int(end or start)
    if not 0 < first <= last <= 65535 or last - first > 65535:
        return None
    return list(range(first, last + 1))


# ================================================================ merging


def _strip_markers(svc: dict) -> dict:
    """A service first seen: `!override` values are plain values, `!reset` fields absent."""
    return {k: (v.value if isinstance(v, _Override) else v) for k, v in svc.items() if v is not _RESET}


def _merge_service(base: dict, over: dict) -> dict:
    """compose's merge of service `over` onto `base` (neither is modified)."""
    merged = dict(base)
    for key, value in over.items():
        if key == "_loc":
            continue
        if value is _RESET:
            merged.pop(key, None)
        elif isinstance(value, _Override) or key not in merged:
            merged[key] = value.value if isinstance(value, _Override) else value
        else:
            merged[key] = _MERGERS.get(key, _replace)(merged[key], value)
    return merged


def _replace(_old: Any, new: Any) -> Any:
    return new


def _append(old: list, new: list) -> list:
    return old + new


def _update(old: dict, new: dict) -> dict:
    return {**old, **new}


def _merge_depends(old: dict, new: dict) -> dict:
    out = dict(old)
    for name, entry in new.items():
        out[name] = {**out[name], **entry} if name in out else entry
    return out


def _merge_healthcheck(old: dict, new: dict) -> dict:
    return {**old, **new}


def _merge_networks(old: dict, new: dict) -> dict:
    out = dict(old)
    for name, entry in new.items():
        if name in out:
            merged = {**out[name], **entry}
            if "aliases" in out[name] and "aliases" in entry:
                merged["aliases"] = out[name]["aliases"] + entry["aliases"]
            out[name] = merged
        else:
            out[name] = entry
    return out


_MERGERS = {
    "build": _update,
    "profiles": _append,
    "ports": _append,
    "expose": _append,
    "depends_on": _merge_depends,
    "healthcheck": _merge_healthcheck,
    "environment": _update,
    "env_file": _append,
    "networks": _merge_networks,
    "volumes": _append,
    "secrets": _append,
}


# ================================================================ freezing


def _unique(items: Iterable[Any], key=lambda x: x) -> list:
    """compose's unicity: a repeated key keeps the first position and the last value."""
    out: list = []
    where: dict[Any, int] = {}
    for item in items:
        k = key(item)
        if k in where:
            out[where[k]] = item
        else:
            where[k] = len(out)
            out.append(item)
    return out


def _unique_ports(ports: list[PortMapping]) -> list[PortMapping]:
    """Ports folded as compose folds them, per container port (an unset host IP is 0.0.0.0)."""
    def keys(p: PortMapping) -> list[tuple]:
        published = p.published_range
        out = []
        t0, t1 = p.target_range
        for i in range(t1 - t0 + 1):
            pub = None if published is None else (
                published if t0 == t1 else (published[0] + i, published[0] + i))
            out.append((p.host_ip or "0.0.0.0", pub, t0 + i, p.protocol))
        return out

    out: list[PortMapping] = []
    where: dict[tuple, int] = {}  # per-port key -> index in out
    whole: dict[tuple, int] = {}  # all keys of an entry -> its index
    for p in ports:
        ks = tuple(keys(p))
        if ks in whole:
            out[whole[ks]] = p  # the same ports again: last wins, first position
        elif all(k in where for k in ks):
            continue  # each of its ports is already published the same way by other entries
        else:
            whole[ks] = len(out)
            for k in ks:
                where.setdefault(k, len(out))
            out.append(p)
    return out


def _freeze_service(name: str, project_id: str, f: dict) -> Service:
    deps = []
    for dep_name, entry in (f.get("depends_on") or {}).items():
        deps.append(Dependency(
            service=dep_name, condition=entry.get("condition", "service_started"),
            required=entry.get("required", True), restart=entry.get("restart", False), loc=entry["_loc"],
        ))
    health = None
    hc = f.get("healthcheck")
    if hc is not None:
        test = tuple(hc.get("test", ()))
        health = Healthcheck(test=test, disable=bool(hc.get("disable")) or test[:1] == ("NONE",), loc=hc["_loc"])
    networks = tuple(
        ServiceNetwork(name=n, aliases=tuple(dict.fromkeys(e.get("aliases", ()))), ipv4_address=e.get("ipv4_address"))
        for n, e in (f.get("networks") or {}).items()
    )
    build = f.get("build")
    return Service(
        name=name,
        project=project_id,
        image=f.get("image"),
        build=(build.get("context") or ".") if isinstance(build, dict) else None,
        container_name=f.get("container_name"),
        hostname=f.get("hostname"),
        profiles=tuple(dict.fromkeys(f.get("profiles") or ())),
        ports=tuple(_unique_ports(f.get("ports") or [])),
        expose=tuple(dict.fromkeys(f.get("expose") or ())),
        depends_on=tuple(deps),
        healthcheck=health,
        environment=tuple((f.get("environment") or {}).values()),
        env_files=tuple(_unique(f.get("env_file") or [], key=lambda e: e.path)),
        networks=networks,
        network_mode=f.get("network_mode"),
        volumes=tuple(_unique(f.get("volumes") or [], key=lambda m: m.target)),
        secrets=tuple(dict.fromkeys(f.get("secrets") or ())),
        command=tuple(f.get("command") or ()),
        loc=f["_loc"],
    )

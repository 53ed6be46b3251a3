"""Docker compose projects, read with compose's own semantics (compose-go, as `docker compose config`).

Per project, as compose-go does it: every file (every YAML document of it) is parsed with the
YAML core schema compose uses, interpolated from the project's env files, reduced to canonical
per-service fields (short syntax turned long), `include`d projects imported, files merged in
order, `extends` applied, repeated entries folded (last wins, first position), then frozen into
model objects. Every element keeps the location of the file and line it came from.

Grouping files into projects (`group_files`): per directory, the files `COMPOSE_FILE` names in
the folder's env file, else the default file (compose.yaml,
compose.yml, docker-compose.yml, docker-compose.yaml; first present) plus the override compose
would add (compose.override.yml, ... ; first present); any other compose file there whose
services all exist in that project is an override of it too (merged after, by name); otherwise
it is a project of its own. Without a default file the same rule applies between the files.
A project that still needs services it does not define is a fragment of a project of another
folder that defines them (`extensions/x/x-compose.yml` of a root `docker-compose.yml`): merged
onto the nearest one, in that one's folder (`_attach_fragments`).

This module holds projects, env files, includes and extends; reading one file's service fields
is `service.py`, merging and freezing `merge.py`, ports `ports.py`.
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from typing import Any, Mapping, Optional, Sequence

from ...gcpause import gc_paused
from ...model import ComposeProject, LoadProblem, Loc, MissingVar
from ...reader import Reader
from ..source.interpolate import interpolate
from ..source.yaml import YList, YMap, parse_documents
from .merge import _Override, _Partial, _freeze_service, _merge_service, _strip_markers
from .service import _FileReader, env_value

__all__ = [
    "DEFAULT_FILES", "OVERRIDE_FILES", "load_projects", "load_project", "group_files",
    "interpolation_env", "normalize_project_name", "env_value",
]

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = ("compose.override.yml", "compose.override.yaml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
_NAME_CHARS = re.compile(r"[^a-z0-9_-]")



# ================================================================ public API


def load_projects(reader: Reader, compose_files: Sequence[str], env_files: Sequence[str] = (".env",),
                  ) -> tuple[list[ComposeProject], list[LoadProblem]]:
    """Every compose project formed by `compose_files` (root-relative paths)."""
    session = _Session(reader)
    projects = []
    with gc_paused():
        for group in _groups(session, compose_files, env_files):
            project = session.project(group.files, env_files, posixpath.dirname(group.files[0]), group)
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
    with gc_paused():
        project = session.project(files, env_files,
                                  posixpath.dirname(files[0]) if directory is None else _clean(directory))
    return project, session.result_problems()


def group_files(reader: Reader, compose_files: Sequence[str],
                env_files: Sequence[str] = (".env",)) -> list[list[str]]:
    """The projects `load_projects` forms: lists of files, base first, in merge order."""
    return [g.files for g in _groups(_Session(reader), compose_files, env_files)]


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


def _dangling(reader: Reader, directory: str, env_files: Sequence[str]) -> tuple[str, ...]:
    """Env files compose would read that are links to a file the repository does not hold
    (`.env -> mailcow.conf`, written by an installer at deploy time)."""
    out = []
    for name in env_files:
        if os.path.isabs(name):
            continue
        path = reader.root / directory / name
        try:
            if os.path.islink(path) and not os.path.exists(path):
                out.append(posixpath.normpath(posixpath.join(directory, name)))
        except OSError:
            continue
    return tuple(out)


def _env_file_values(text: str, path: str, base: Mapping[str, str], earlier: Mapping[str, str],
                     ) -> tuple[dict[str, str], list[LoadProblem]]:
    """One env file read by the env loader (compose's dotenv grammar): each line's lookup puts
    the file's own earlier lines above the earlier files'."""
    from ..env import layered_values, parse_env

    own = layered_values(text, path, base, earlier)
    _, problems = parse_env(text, path, env={**earlier, **base})  # problems with their real lines
    return own, problems


def normalize_project_name(name: str) -> str:
    """compose's project name: lower case, only [a-z0-9_-], no leading `_` or `-`."""
    return _NAME_CHARS.sub("", name.lower()).lstrip("_-")



# ================================================================ grouping


def _clean(path: str) -> str:
    path = posixpath.normpath(path.replace("\\", "/"))
    return "" if path == "." else path


class Group:
    """The files of one project, base first, and why they are loaded together."""

    def __init__(self, files: list[str], evidence: str = "", base: Optional[list[str]] = None):
        self.files = files
        self.evidence = evidence
        self.base = base  # the base's files when this is an overlay variant of it

    @property
    def id(self) -> str:
        # A variant is its base plus one overlay: named after both, unique among projects.
        return self.files[0] if self.base is None else f"{self.files[0]}+{self.files[-1]}"


def _included(session: "_Session", compose_files: Sequence[str]) -> set[str]:
    """The files that another compose file pulls in with `include:`: parts of that project,
    read with its project directory and env files, not projects of their own (read alone they
    would miss the including project's variables and services). Only files reachable from a
    file nobody includes count, so an include cycle still leaves its files read."""
    edges: dict[str, list[str]] = {}
    for f in compose_files:
        targets: list[str] = []
        for doc in session.documents(f) or ():
            entries = doc.get("include")
            for entry in entries if isinstance(entries, list) else ():
                raw = entry.get("path") if isinstance(entry, dict) else entry
                for p in [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else ():
                    if isinstance(p, str) and p and "$" not in p:
                        rel = session.reader.resolve(posixpath.dirname(f), p)
                        if rel is not None:
                            targets.append(rel)
        edges[f] = targets
    targets_of_any = {t for ts in edges.values() for t in ts}
    seen: set[str] = set()
    stack = [f for f in edges if f not in targets_of_any]
    while stack:
        for t in edges.get(stack.pop(), ()):
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return seen


def _groups(session: "_Session", compose_files: Sequence[str],
            env_files: Sequence[str] = (".env",)) -> list[Group]:
    """Per folder: the default project (the files `COMPOSE_FILE` names in the folder's env
    file, else compose's default file plus its override), then every other file either as an
    overlay of a project of that folder (merged onto it as `-f base -f overlay` would, each
    overlay a variant of its own: overlays are alternatives, not one stack) or as a project of
    its own. Files another file includes are parts of that project, never grouped alone."""
    by_dir: dict[str, list[str]] = {}
    files = list(dict.fromkeys(_clean(f) for f in compose_files))
    included = _included(session, files)
    for f in files:
        if f not in included:
            by_dir.setdefault(posixpath.dirname(f), []).append(f)
    chosen = _compose_file_setting(session, sorted(by_dir), env_files)
    taken = {f for files, _ in chosen.values() for f in files}
    groups: list[Group] = []
    for directory in sorted(set(by_dir) | set(chosen)):
        paths = {posixpath.basename(f): f for f in by_dir.get(directory, ()) if f not in taken}
        default = next((paths[n] for n in DEFAULT_FILES if n in paths), None)
        bases: list[Group] = []
        variants: list[Group] = []
        rest = sorted(paths.values())
        if directory in chosen:
            files, why = chosen[directory]
            bases.append(Group(list(files), why))
        elif default is not None:
            base = [default]
            override = next((paths[n] for n in OVERRIDE_FILES if n in paths), None)
            if override is not None:
                base.append(override)
            bases.append(Group(base, "compose's default files" if override else ""))
            rest = [f for f in rest if f not in base]
        # the file with most services first: it is the likeliest base of the others
        rest.sort(key=lambda f: (-len(session.service_names(f) or ()), f))
        for f in [f for f in rest if session.service_names(f) == set()]:
            rest.remove(f)
            if bases:  # networks or volumes for the project: part of it, as an override is
                bases[0].files.append(f)
            else:
                bases.append(Group([f]))
        for f in rest:
            found = next(((b, why) for b in bases
                          for why in (_overlay_evidence(session, f, b.files),) if why), None)
            if found is not None:
                b, why = found
                variants.append(Group(b.files + [f], why, base=b.files))
            else:
                bases.append(Group([f]))
        groups.extend(bases)
        groups.extend(variants)
    return _attach_fragments(session, groups)


def _names_of(session: "_Session", files: Sequence[str]) -> tuple[set[str], set[str]]:
    """(services defined by `files`, those of them no file completes with an image, build or
    extends)."""
    names: set[str] = set()
    complete: set[str] = set()
    for f in files:
        own = session.service_names(f) or set()
        names |= own
        complete |= own - session.incomplete_services(f)
    return names, names - complete


def _needs(session: "_Session", files: Sequence[str]) -> tuple[set[str], set[str]]:
    """What `files` cannot run without: (services referred to but not defined, services
    defined without an image, build or extends)."""
    if any("include" in doc for f in files for doc in session.documents(f) or ()):
        return set(), set()  # it brings its own services along: a project, not a fragment
    names, incomplete = _names_of(session, files)
    refs: set[str] = set()
    for f in files:
        refs |= session.service_refs(f)
    return refs - names, incomplete


def _is_under(folder: str, path_dir: str) -> bool:
    return folder == "" or path_dir == folder or path_dir.startswith(folder + "/")


def _folder_distance(a: str, b: str) -> int:
    pa, pb = [x for x in a.split("/") if x], [x for x in b.split("/") if x]
    common = 0
    for x, y in zip(pa, pb):
        if x != y:
            break
        common += 1
    return len(pa) + len(pb) - 2 * common


def _covers(session: "_Session", files: Sequence[str], needs: tuple[set[str], set[str]]) -> bool:
    refs, incomplete = needs
    names, own_incomplete = _names_of(session, files)
    return refs <= names and incomplete <= names - own_incomplete


def _attach_fragments(session: "_Session", groups: list[Group]) -> list[Group]:
    """A project that names services it does not define (depends_on, links, ...) or completes
    services without an image, while a project of another folder defines them, is a fragment
    of that base wherever it sits (`extensions/x/x-compose.yml`, `overrides/compose.x.yaml`,
    run as `-f base -f fragment`): it is merged onto that base as a variant, with the base's
    folder as the project directory (compose resolves paths and reads `.env` there). The
    overlay variants a fragment's own folder gave it are fragments too, each judged alone.

    The base is a whole project (one that needs nothing), or a whole project plus one other
    fragment when the fragment builds on it (`-f base -f fleet.yml -f agent.yml`). Among the
    bases that provide every service a fragment needs, the nearest wins: an enclosing folder
    first, then the fewest folders apart, then compose's default file, then the fewest files.
    When two are equally near nothing is merged: the rules see the fragment alone, and what
    it lacks is a known unknown."""
    bases = [g for g in groups if g.base is None]
    needs = {id(g): _needs(session, g.files) for g in bases}
    whole = [g for g in bases if not any(needs[id(g)])]
    fragments = [g for g in bases if any(needs[id(g)])]
    if not fragments or not whole:
        return groups
    # the units judged: each fragment, and each overlay its folder put on top of it
    units: list[tuple[Group, list[str], tuple[set[str], set[str]]]] = []  # (owner, files, needs)
    for g in fragments:
        units.append((g, g.files, needs[id(g)]))
    for v in groups:
        owner = next((g for g in fragments if v.base == g.files), None)
        if owner is not None:
            added = v.files[len(v.base or ()):]
            units.append((v, added, _needs(session, added)))

    def rank(unit_dir: str, base_files: list[str], extra: int) -> tuple:
        there = posixpath.dirname(base_files[0])
        return (0 if _is_under(there, unit_dir) else 1, _folder_distance(there, unit_dir),
                0 if posixpath.basename(base_files[0]) in DEFAULT_FILES else 1, extra)

    direct: dict[int, list[Group]] = {}  # unit index -> whole projects that cover it alone
    for i, (g, files, need) in enumerate(units):
        here = posixpath.dirname(files[0])
        direct[i] = [c for c in whole if posixpath.dirname(c.files[0]) != here
                     and _covers(session, c.files, need)]
    chosen: dict[int, tuple[list[str], str]] = {}  # unit index -> (files below it, evidence)
    for i, (g, files, need) in enumerate(units):
        here = posixpath.dirname(files[0])
        ranked: list[tuple[tuple, list[str]]] = [(rank(here, c.files, 0), c.files) for c in direct[i]]
        for j, (_, other, _) in enumerate(units):
            if j == i or set(other) & set(files):
                continue
            for c in direct[j]:
                if posixpath.dirname(c.files[0]) != here and _covers(session, c.files + other, need):
                    ranked.append((rank(here, c.files, len(other)), c.files + other))
        ranked.sort(key=lambda r: (r[0], r[1]))
        if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
            continue
        below = ranked[0][1]
        refs, incomplete = need
        base_name = below[0] if len(below) == 1 else f"{below[0]} with {', '.join(below[1:])}"
        why = (f"it completes {_quoted(sorted(incomplete))} of {base_name}" if incomplete
               else f"it refers to {_quoted(sorted(refs))} of {base_name}")
        chosen[i] = (below, why)
    if not chosen:
        return groups
    index = {id(u[0]): i for i, u in enumerate(units)}
    out: list[Group] = []
    for g in groups:
        i = index.get(id(g))
        if i is None:
            out.append(g)
        elif i in chosen:
            below, why = chosen[i]
            whole_base = next(c.files for c in whole if below[:len(c.files)] == c.files)
            out.append(Group(below + units[i][1], why, base=whole_base))
        elif g.base is not None and index.get(id(next(f for f in fragments if f.files == g.base))) in chosen:
            # an overlay of a fragment that was merged, needing that fragment: it follows it
            below, _ = chosen[index[id(next(f for f in fragments if f.files == g.base))]]
            whole_base = next(c.files for c in whole if below[:len(c.files)] == c.files)
            out.append(Group(below + g.files, g.evidence, base=whole_base))
        else:
            out.append(g)
    return out


def _compose_file_setting(session: "_Session", directories: Sequence[str], env_files: Sequence[str],
                          ) -> dict[str, tuple[list[str], str]]:
    """The files `COMPOSE_FILE` names in a folder's env file (split on `COMPOSE_PATH_SEPARATOR`,
    `:` by default), relative to that folder: `docker compose` run there loads them together
    instead of the default file. Files that do not exist are left out; none left, no setting."""
    out: dict[str, tuple[list[str], str]] = {}
    for directory in directories:
        values, used, _ = session.interpolation_env(directory, env_files)
        setting = values.get("COMPOSE_FILE", "").strip()
        if not setting or not used:
            continue
        separator = values.get("COMPOSE_PATH_SEPARATOR") or ":"
        files = []
        for part in setting.split(separator):
            rel = session.reader.resolve(directory, part.strip()) if part.strip() else None
            if rel is not None and session.reader.exists(rel) and rel not in files:
                files.append(rel)
        if files:
            out[directory] = (files, f"COMPOSE_FILE in {used[-1]} names them")
    return out


def _overlay_evidence(session: "_Session", path: str, base: list[str]) -> str:
    """Why `path` is meant to be loaded on top of `base` ("" when it is not): it names
    services of the base (adds to them without an image of its own, or depends on / links to
    them without defining them). A file that
    stands alone (`docker-compose.dev.yml` with complete services of its own) is a project of
    its own: an alternative, whatever its name says."""
    names = session.service_names(path)
    if names is None:
        return ""
    base_names: set[str] = set()
    for f in base:
        base_names |= session.service_names(f) or set()
    # restating a service in full is what an alternative stack does; leaving out its image
    # (only ports, environment, ...) is what an overlay does
    partial = sorted(names & base_names & session.incomplete_services(path))
    if partial:
        return f"it completes {_quoted(partial)} of {base[0]}"
    needed = sorted((session.service_refs(path) - names) & base_names)
    if needed:
        return f"it refers to {_quoted(needed)} of {base[0]}"
    return ""


def _quoted(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f"service{'s' if len(names) > 1 else ''} {shown}{more}"


# ================================================================ session: parsing, projects



class _Session:
    def __init__(self, reader: Reader):
        self.reader = reader
        self.problems: list[LoadProblem] = []
        self._docs: dict[str, Optional[list[YMap]]] = {}
        self._env: dict[tuple[str, tuple[str, ...]], tuple[dict[str, str], list[str], list[LoadProblem]]] = {}
        self._facts: dict[tuple[str, str], Any] = {}

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

    # Grouping asks these of every file against every candidate base of its folder: each is
    # computed once per file.

    def service_names(self, path: str) -> Optional[frozenset[str]]:
        key = ("names", path)
        if key not in self._facts:
            docs = self.documents(path)
            names: Optional[set[str]] = None
            if docs is not None:
                names = set()
                for doc in docs:
                    services = doc.get("services")
                    if isinstance(services, dict):
                        names.update(str(k) for k in services)
            self._facts[key] = None if names is None else frozenset(names)
        return self._facts[key]

    def incomplete_services(self, path: str) -> frozenset[str]:
        """Services of a file that cannot run from it alone: no image, build or extends."""
        key = ("incomplete", path)
        if key not in self._facts:
            out: set[str] = set()
            for doc in self.documents(path) or ():
                services = doc.get("services")
                if isinstance(services, dict):
                    out.update(str(k) for k, v in services.items()
                               if isinstance(v, dict) and not ({"image", "build", "extends"} & set(v)))
            self._facts[key] = frozenset(out)
        return self._facts[key]

    def service_refs(self, path: str) -> frozenset[str]:
        """Services a file's services refer to: `depends_on`, `links`, `volumes_from`,
        `network_mode: service:x`, `extends` within the project."""
        key = ("refs", path)
        if key not in self._facts:
            refs: set[str] = set()
            for doc in self.documents(path) or ():
                services = doc.get("services")
                if not isinstance(services, dict):
                    continue
                for svc in services.values():
                    if isinstance(svc, dict):
                        refs |= _refs_of(svc)
            self._facts[key] = frozenset(refs)
        return self._facts[key]

    def interpolation_env(self, directory: str, env_files: Sequence[str],
                          ) -> tuple[dict[str, str], list[str], list[LoadProblem]]:
        """`interpolation_env` of a folder, read once: the folder's projects, and grouping's
        look for COMPOSE_FILE, read the same env files."""
        key = (directory, tuple(env_files))
        if key not in self._env:
            self._env[key] = interpolation_env(self.reader, directory, env_files)
        return self._env[key]

    def project(self, files: Sequence[str], env_files: Sequence[str], directory: str,
                group: Optional[Group] = None) -> Optional[ComposeProject]:
        if self.documents(files[0]) is None:
            return None  # compose cannot load a project whose base file is unreadable
        env, sources, problems = self.interpolation_env(directory, env_files)
        self.problems.extend(problems)
        load = _ProjectLoad(self, directory, env, sources)
        load.deploy_env = _dangling(self.reader, directory, env_files)
        partial = load.load_files(files, first_needs_services=True)
        return load.freeze(partial, files, group)


# ================================================================ one project

_TOP_LEVEL = frozenset({"services", "include", "networks", "volumes", "secrets", "configs", "name", "models",
                        "version"})


def _is_compose_key(key: Any) -> bool:
    return isinstance(key, str) and (key in _TOP_LEVEL or key.startswith("x-"))



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
        self._unset_locs: Optional[set[Loc]] = None
        self.imports: dict[str, None] = {}  # files read through include and extends
        self.deploy_env: tuple[str, ...] = ()
        self._origins: dict[str, dict[str, Any]] = {}
        self._resolved: dict[tuple[str, str], Optional[dict]] = {}

    def problem(self, rule: str, message: str, loc: Loc) -> None:
        self.session.problem(rule, message, loc)

    def unset_at(self, loc: Loc) -> bool:
        """Whether the value at `loc` was built from a variable nothing sets (yet)."""
        if self._unset_locs is None:
            self._unset_locs = {key[1] for key in self.missing}
        return loc in self._unset_locs

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
        if needs_services and not any(_is_compose_key(k) for d in docs for k in d):
            # compose accepts a file of only `include:`, networks or volumes (`services: {}`)
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
                        self._unset_locs = None
                    for error in result.errors:
                        self.problem("AUD001", f"compose would refuse this value: {error}", loc)
                    if result.required:
                        # set at deploy time or compose refuses to start: the value is
                        # unknown, so the entry is left out rather than read as ""
                        for name, message in result.required:
                            self.missing.setdefault((name, loc), MissingVar(
                                name=name, loc=loc, required=True, message=message))
                        continue
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
            if not self.reader.exists(rel):  # compose refuses the project: say so where it is written
                self.problem("AUD001", f"include {p!r}: no such file", loc)
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
        self.imports.update(dict.fromkeys(resolved))
        self.imports.update(sub.imports)
        self.sources.extend(s for s in sub.sources if s not in self.sources)
        for name, svc in imported.services.items():
            own = into.services.get(name)
            if own is None:
                into.services[name] = svc
            elif _same(own, svc):
                continue  # restated identically: compose accepts it
            else:
                # The including file's definition is merged onto the imported one: compose-go
                # since compose-spec/compose-go#835 (Nov 2025). Compose 2.24-2.40 refused the
                # project ("services.db conflicts with imported resource"); auditor follows the
                # newest compose, as the deployments that use this pattern do.
                if isinstance(own, dict) and isinstance(svc, dict):
                    merged = _merge_service(svc, _strip_markers(own.value if isinstance(own, _Override) else own))
                    merged["_loc"] = own.get("_loc", svc.get("_loc")) if not isinstance(own, _Override) \
                        else svc.get("_loc")
                    into.services[name] = merged
        into.networks.update(imported.networks)
        into.volumes.update(imported.volumes)
        into.secrets.update(imported.secrets)
        into.shared_networks.update(imported.shared_networks)

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
            self.imports[file] = None
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

    def freeze(self, partial: _Partial, files: Sequence[str], group: Optional[Group] = None) -> ComposeProject:
        project_id = group.id if group is not None else files[0]
        # compose's precedence: COMPOSE_PROJECT_NAME (an env file may set it), `name:`, directory
        name = normalize_project_name(self.env.get("COMPOSE_PROJECT_NAME") or partial.name or "")
        if not name:
            base = posixpath.basename(self.directory) if self.directory else self.reader.root.name
            name = normalize_project_name(base) or base or "default"
        services = []
        # COMPOSE_PROFILES in the project's env file enables profiles as --profile does
        enabled = {p.strip() for p in self.env.get("COMPOSE_PROFILES", "").split(",") if p.strip()}
        for svc_name, fields in partial.services.items():
            if isinstance(fields, dict):
                svc = _freeze_service(svc_name, project_id, fields)
                if svc.profiles and ("*" in enabled or enabled & set(svc.profiles)):
                    svc = svc.model_copy(update={"profile_enabled": True})
                services.append(svc)
        return ComposeProject(
            id=project_id, name=name, directory=self.directory, files=tuple(files),
            env_sources=tuple(dict.fromkeys(self.sources)), missing_vars=tuple(self.missing.values()),
            services=tuple(services), networks=tuple(partial.networks), volumes=tuple(partial.volumes),
            secrets=tuple(partial.secrets), shared_networks=tuple(partial.shared_networks),
            owned_networks=tuple(n for n, owned in partial.shared_networks.items() if owned),
            imports=tuple(self.imports), deploy_env=self.deploy_env,
            base=group.base[0] if group is not None and group.base else None,
            evidence=group.evidence if group is not None else "",
            loc=Loc(path=files[-1] if group is not None and group.base else files[0]),
        )


def _same(a: Any, b: Any) -> bool:
    """Two service definitions equal but for where they are written."""
    return _plain(a) == _plain(b)


def _plain(value: Any) -> Any:
    if isinstance(value, Loc):
        return None
    if isinstance(value, _Override):
        return ("!override", _plain(value.value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "_loc"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: _plain(getattr(value, f.name))
                                      for f in dataclasses.fields(value) if f.name != "loc"})
    return value


def _refs_of(svc: dict) -> set[str]:
    refs: set[str] = set()
    deps = svc.get("depends_on")
    if isinstance(deps, (list, dict)):
        refs.update(str(d) for d in deps if isinstance(d, str))
    for link in svc.get("links") or () if isinstance(svc.get("links"), list) else ():
        if isinstance(link, str):
            refs.add(link.split(":", 1)[0])
    for entry in svc.get("volumes_from") or () if isinstance(svc.get("volumes_from"), list) else ():
        if isinstance(entry, str) and not entry.startswith("container:"):
            refs.add(entry.split(":", 1)[0])
    mode = svc.get("network_mode")
    if isinstance(mode, str) and mode.startswith("service:"):
        refs.add(mode[len("service:"):])
    ext = svc.get("extends")
    if isinstance(ext, dict) and "file" not in ext and isinstance(ext.get("service"), str):
        refs.add(ext["service"])
    return refs


def _shell(node: Any) -> Any:
    """An empty container like `node`, sharing its location data (never mutated afterwards)."""
    copy = YMap(node.path, node.line, node.column, node.tag) if isinstance(node, YMap) \
        else YList(node.path, node.line, node.column, node.tag)
    copy._meta = node._meta
    return copy


# ================================================================ one file, canonical fields

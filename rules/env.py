"""ENV: env files and compose interpolation: keys assigned twice, variables nobody defines."""
from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from auditor.registry import MAX_PER_RULE_AND_FILE
from auditor.graph.model import Graph
from auditor.knowledge.secrets import secret_key
from auditor.model import EnvFile, EnvVar, Problem, Related
from auditor.registry import rule


@rule("ENV001", "duplicate-key", "warning",
      "A key is assigned twice in one env file (the later silently wins).", tags=("env",))
def duplicate_key(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds a key assigned more than once in the same env file (`export KEY=...` and `KEY=...`
    are the same key). Each later assignment is reported, with the first one as related
    location; the message says whether the values differ, never what they are. Keys repeated
    across different files are not reported: overriding one file by another is how env files
    are layered. In an env template (`.env.j2`), assignments in exclusive branches
    (`{% if %}` / `{% else %}`) are never rendered together and are not duplicates.

    ## Why is this bad?
    Compose and every dotenv reader keep the last assignment without a word. Someone edits the
    first line, sees no effect, and the stack runs with a value nobody meant to keep; it
    usually happens when a file is appended to by scripts or merged by hand.

    ## Example
    ```bash
    GRAFANA_PORT=3005
    # ... 80 lines later
    GRAFANA_PORT=3000   # this one wins
    ```

    ## How to fix
    Delete the assignment that should not be there, so that the file says one thing per key.

    `auditor fix` removes the earlier, dead assignments (safe: the last one already wins;
    refused when a line in between interpolates the key).
    """
    for env in graph.env_files:
        yield from _duplicates(env)


def _duplicates(env: EnvFile) -> Iterator[Problem]:
    # Grouped by key, so a file of many keys costs its length, not its square.
    by_key: dict[str, list[EnvVar]] = {}
    for v in env.vars:
        by_key.setdefault(v.key, []).append(v)
    position: dict[str, int] = {}
    branched: dict[str, bool] = {}
    firsts: dict[str, tuple[Related, ...]] = {}
    shown = 0
    last: Optional[Problem] = None
    branchless = not any(v.branch for v in env.vars)
    rest = iter(env.vars)
    for v in rest:
        group = by_key[v.key]
        if len(group) == 1:
            continue
        k = position[v.key] = position.get(v.key, -1) + 1
        if k == 0:
            continue
        if v.key not in branched:
            branched[v.key] = any(u.branch for u in group)
        if branched[v.key]:
            # in a template, assignments in exclusive branches (`{% if %}`/`{% else %}`) are
            # never rendered together
            together = [u for u in group[:k] if not u.exclusive_with(v)]
            if not together:
                continue
            earlier, previous_value = together[0], together[-1].value
            overridden = any(not w.exclusive_with(v) for w in group[k + 1:])
        else:
            earlier, previous_value = group[0], group[k - 1].value
            overridden = k + 1 < len(group)
        if overridden:
            outcome = "a later assignment overrides it again"
        elif v.value == previous_value:
            outcome = "the repeat is redundant"
        else:
            outcome = "this later assignment silently wins"
        same = "the same value" if v.value == previous_value else "a different value"
        related = firsts.get(v.key) if earlier is group[0] else None
        if related is None:
            related = (Related.at(earlier.loc, f"'{v.key}' first assigned here"),)
            if earlier is group[0]:
                firsts[v.key] = related
        last = Problem(
            message=f"'{v.key}' is assigned again in {env.path} with {same}; {outcome}",
            loc=v.loc,
            related=related,
            key=v.key,
            secret=secret_key(v.key),  # the line holds the value: no snippet
        )
        shown += 1
        yield last
        if shown > MAX_PER_RULE_AND_FILE and branchless:
            break
    else:
        return
    # Past the engine's cap (problems come in line order) the engine only counts the rest for
    # its summary, which names the last problem above: that problem stands for each of them,
    # instead of one new problem a line that nobody reads (a file of 262,144 `A=1`).
    for v in rest:
        if v.key in position:
            yield last
        else:
            position[v.key] = 0


@rule("ENV002", "undefined-variable", "warning",
      "${VAR} is used in compose with no default, and no env source that compose reads defines it.",
      tags=("env", "compose"))
def undefined_variable(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds `${VAR}` (or `$VAR`) used in a compose file without a default while none of the env
    files compose reads for interpolation (`.env` next to the compose file, or the files given
    with `--env-file` / `[compose] env_files`) defines it. One finding per project and
    variable, at its first use (the other uses are related places).

    `${VAR:-default}` and `${VAR-default}` never fire. What the deployer supplies is not
    missing. Never reported: a variable set in an env template (`.env.example`, `env.example`,
    `example.env`) of the project's folder or above (the template is copied to `.env` at
    deploy time), and every variable of a project whose `.env` links to a file the repository
    does not hold (an installer writes it). Said once per project, as a note: variables set in
    an env file of the project's folder that compose does not read by itself (`.env.master`,
    `defaults.env`: whatever starts the project passes it with `--env-file`, and the variables
    set nowhere come from that caller's shell), and a variable set by no file but used by
    three or more compose files (the harness that runs them, tests or CI, provides it).

    Said once per project, as a note, too: variables set by no file in a project that has no
    env file compose reads for interpolation at all (its values can only come from the
    environment that runs compose: a shell, CI).

    `${VAR:?message}` is never reported: the file already says that the deployer must set it
    (compose refuses to start until then). A variable set only in a service's `env_file:` (which
    feeds the container's environment, not compose's own interpolation) is a warning (a note
    when the project has no `.env` and that file is a test harness's, `test.env` or `ci.env`,
    which the harness passes with `--env-file`), and so is
    one missing from the `.env` (or `--env-file`) the project does read: that file is where its
    values are meant to come from.

    ## Why is this bad?
    Compose substitutes an empty string with only a warning on the console: the container
    starts with an empty password, an empty URL, or a port mapping like `:3000` that publishes
    a random port. The stack "works" on the laptop where the variable is exported in the shell
    and breaks on the server.

    ## Example
    ```yaml
    # compose.yaml; API_KEY is only in api.env
    services:
      api:
        env_file: api.env
        command: ["serve", "--key", "${API_KEY}"]   # interpolated from .env: empty
    ```

    ## How to fix
    Define the variable in the interpolation env file (`.env`, or the file passed with
    `--env-file`), give it a default (`${API_KEY:-}` when empty is really fine), or make it
    required (`${API_KEY:?set API_KEY in .env}`) so that compose refuses to start without it.
    """
    defined = graph.derived("env-definitions", _Definitions)
    # the compose files that use a variable no file sets: a harness that runs many (tests
    # layered on one base, CI matrices) provides it
    families: dict[str, set[str]] = {}
    for project in graph.projects:
        for use in project.missing_vars:
            if not use.required and not defined.files.get(use.name):
                families.setdefault(use.name, set()).add(use.loc.path)
    harness: set[str] = set()
    for project in graph.projects:
        uses: dict[str, list] = {}
        for use in sorted(project.missing_vars, key=lambda u: _order(project, u.loc)):
            uses.setdefault(use.name, []).append(use)
        notes: dict[tuple[str, str], list[str]] = {}  # (kind, file) -> names
        first: dict[tuple[str, str], object] = {}
        wrapper = None
        for name, found in uses.items():
            where, why = defined.elsewhere(project, name)
            if why == "unread" and _near(project, where.loc.path):
                wrapper = where.loc.path
        for name, found in uses.items():
            use = found[0]
            others = tuple(Related.at(u.loc, f"'{name}' is used here too") for u in found[1:6])
            where, why = defined.elsewhere(project, name)
            if any(u.required for u in found):
                continue  # `${VAR:?message}`: the file already says the deployer must set it
            if project.deploy_env or why == "template" and _near(project, where.loc.path):
                continue  # the deployer's .env (written by an installer, copied from the template)
            if (why == "service" and not project.env_sources and _near(project, where.loc.path)
                    and _HARNESS_WORDS & set(re.findall(r"[a-z0-9]+", where.loc.path.lower()))):
                # no `.env` at all, and the file that sets it is a test harness's (`test.env`):
                # the harness passes it with `docker compose --env-file test.env`
                kind = ("unread", where.loc.path)
            elif why == "service":
                message = (f"'{name}' has no default and no env file that compose reads for "
                           f"interpolation sets it: compose substitutes an empty string; it is set in "
                           f"{where.loc.path}, which feeds the container, not compose interpolation")
                yield Problem(message=message, loc=use.loc, related=(_set_here(where, name), *others),
                              key=name)
                continue
            elif why == "unread" and _near(project, where.loc.path):
                kind = ("unread", where.loc.path)
            elif where is None and wrapper is not None:
                kind = ("unread", wrapper)
            elif where is None and len(families.get(name, ())) >= 3:
                if name in harness:
                    continue  # said once, for the whole repository
                harness.add(name)
                kind = ("harness", str(len(families[name])))
            elif where is None and not project.env_sources:
                # no env file feeds this project at all: the caller's environment (a shell,
                # CI) is where its values come from, as far as the repository shows
                kind = ("deploy", "")
            else:
                message = (f"'{name}' has no default and no env file that compose reads for "
                           f"interpolation sets it: compose substitutes an empty string")
                related = others
                if where is not None:
                    message += f"; it is set in {where.loc.path}, " + (
                        "a template that compose never reads" if why == "template" else
                        "which compose does not read for interpolation (pass it with --env-file, "
                        "or list it in [compose] env_files)")
                    related = (_set_here(where, name), *others)
                yield Problem(message=message, loc=use.loc, related=related, key=name)
                continue
            notes.setdefault(kind, []).append(name)
            first.setdefault(kind, use)
        for (kind, file), names in notes.items():
            use = first[(kind, file)]
            listed = _listed(names)
            if kind == "unread":
                unset = [n for n in names if defined.elsewhere(project, n)[0] is None]
                rest = (f" ({_listed(unset)} set by no file: the shell that runs compose must export "
                        f"{'it' if len(unset) == 1 else 'them'})") if unset else ""
                message = (f"{listed} {'is' if len(names) == 1 else 'are'} set in {file}{rest}, which "
                           f"compose does not read for interpolation by itself: pass it with --env-file, "
                           f"or list it in [compose] env_files")
            elif kind == "deploy":
                one = len(names) == 1
                message = (f"{listed} {'has' if one else 'have'} no default and no env file that compose "
                           f"reads for interpolation (the project has none) sets {'it' if one else 'them'}: "
                           f"the environment that runs compose (a shell, CI) must export "
                           f"{'it' if one else 'them'}, or compose substitutes an empty string")
            else:
                message = (f"{listed} {'is' if len(names) == 1 else 'are'} used without default by {file} "
                           f"compose files and set by no file of the repository: the environment "
                           f"that runs them (a test harness, CI) must set {'it' if len(names) == 1 else 'them'}")
            yield Problem(message=message, loc=use.loc, key=f"{kind}|{file}|{','.join(sorted(names))}",
                          severity="note")


_HARNESS_WORDS = frozenset({"test", "tests", "testing", "e2e", "ci", "playwright", "cypress"})


def _order(project, loc) -> tuple:
    files = list(project.files)
    return (files.index(loc.path) if loc.path in files else len(files), loc.path, loc.line, loc.column)


def _near(project, path: str) -> bool:
    """An env file of the project's folder or a folder above it."""
    folder = posixpath.dirname(path)
    return folder == "" or project.directory == folder or project.directory.startswith(folder + "/")


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _set_here(where: EnvVar, name: str) -> Related:
    return Related.at(where.loc, f"'{name}' is set here")


class _Definitions:
    """Where each key is set, over every env file, looked up by key (built once per run)."""

    def __init__(self, graph: Graph):
        by_path = {env.path: env for env in graph.env_files}
        # first assignment of each key, per file (the one compose would meet first)
        self.first = {path: _first_by_key(env) for path, env in by_path.items()}
        self.files: dict[str, list[tuple[EnvFile, EnvVar]]] = {}
        for env in graph.env_files:
            for key, var in (self.first[env.path] if by_path[env.path] is env else _first_by_key(env)).items():
                self.files.setdefault(key, []).append((env, var))

    def elsewhere(self, project, name: str) -> tuple[Optional[EnvVar], str]:
        """Where `name` is set though compose does not read it for interpolation, and how:
        "service" (a service's env_file), "template", or "unread" (another env file)."""
        for service in project.services:
            for ref in service.env_files:
                hit = self.first.get(ref.path, {}).get(name)
                if hit is not None:
                    return hit, "service"
        found: list[tuple[EnvFile, EnvVar]] = [(e, h) for e, h in self.files.get(name, ())
                                               if e.path not in project.env_sources]
        # the nearest file first: the project's own folder, then the folders above it
        found.sort(key=lambda eh: (not _near(project, eh[0].path), -eh[0].path.count("/"), eh[0].path))
        for env, hit in found:
            return hit, ("template" if env.template else "unread")
        return None, ""


def _first_by_key(env: EnvFile) -> dict[str, EnvVar]:
    first: dict[str, EnvVar] = {}
    for v in env.vars:
        first.setdefault(v.key, v)
    return first

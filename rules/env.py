"""ENV: env files and compose interpolation: keys assigned twice, variables nobody defines."""
from __future__ import annotations

from typing import Iterator, Optional

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
        seen: dict[str, list[EnvVar]] = {}
        for i, v in enumerate(env.vars):
            # in a template, assignments in exclusive branches (`{% if %}`/`{% else %}`) are
            # never rendered together
            together = [u for u in seen.get(v.key, ()) if not u.exclusive_with(v)]
            seen.setdefault(v.key, []).append(v)
            if not together:
                continue
            earlier, previous_value = together[0], together[-1].value
            overridden = any(w.key == v.key and not w.exclusive_with(v) for w in env.vars[i + 1:])
            if overridden:
                outcome = "a later assignment overrides it again"
            elif v.value == previous_value:
                outcome = "the repeat is redundant"
            else:
                outcome = "this later assignment silently wins"
            same = "the same value" if v.value == previous_value else "a different value"
            yield Problem(
                message=f"'{v.key}' is assigned again in {env.path} with {same}; {outcome}",
                loc=v.loc,
                related=(Related(path=earlier.loc.path, line=earlier.loc.line,
                                 column=earlier.loc.column, message=f"'{v.key}' first assigned here"),),
                key=v.key,
                secret=secret_key(v.key),  # the line holds the value: no snippet
            )


@rule("ENV002", "undefined-variable", "warning",
      "${VAR} is used in compose with no default, and no env source that compose reads defines it.",
      tags=("env", "compose"))
def undefined_variable(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds `${VAR}` (or `$VAR`) used in a compose file without a default while none of the env
    files compose reads for interpolation (`.env` next to the compose file, or the files given
    with `--env-file` / `[compose] env_files`) defines it. Each use is reported.

    `${VAR:-default}` and `${VAR-default}` never fire. `${VAR:?message}` left unset is a hard
    compose error, reported as AUD001 by the loader, not here. When the variable is set
    somewhere compose does not look, the message says where: in a service's `env_file:` (which
    feeds the container's environment, not compose's own interpolation), or in another env
    file that is not an interpolation source (e.g. `.env.master` without `--env-file`).

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
    defined = _Definitions(graph)
    for project in graph.projects:
        for use in project.missing_vars:
            where, why = defined.elsewhere(project, use.name)
            message = (f"'{use.name}' has no default and no env file that compose reads for "
                       f"interpolation sets it: compose substitutes an empty string")
            related: tuple[Related, ...] = ()
            if where is not None:
                message += f"; it is set in {where.loc.path}, {why}"
                related = (Related(path=where.loc.path, line=where.loc.line, column=where.loc.column,
                                   message=f"'{use.name}' is set here"),)
            yield Problem(message=message, loc=use.loc, related=related, key=use.name)


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
        """Where `name` is set though compose does not read it for interpolation, and why that is."""
        for service in project.services:
            for ref in service.env_files:
                hit = self.first.get(ref.path, {}).get(name)
                if hit is not None:
                    return hit, "which feeds the container, not compose interpolation"
        for env, hit in self.files.get(name, ()):
            if env.path in project.env_sources:
                continue
            if env.template:
                return hit, "a template that compose never reads"
            return hit, ("which compose does not read for interpolation "
                         "(pass it with --env-file, or list it in [compose] env_files)")
        return None, ""


def _first_by_key(env: EnvFile) -> dict[str, EnvVar]:
    first: dict[str, EnvVar] = {}
    for v in env.vars:
        first.setdefault(v.key, v)
    return first

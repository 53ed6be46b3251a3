"""ENV003: an env template and the real env file beside it disagree on the set of keys."""
from __future__ import annotations

from typing import Iterator

from auditor.graph.env import template_pairs
from auditor.graph.model import Graph
from auditor.model import EnvVar, Problem, Related
from auditor.registry import rule


def _first(variables: tuple[EnvVar, ...]) -> dict[str, EnvVar]:
    out: dict[str, EnvVar] = {}
    for v in variables:
        out.setdefault(v.key, v)
    return out


@rule("ENV003", "env-key-drift", "warning",
      "An env template (.env.example, ...) and a real env file disagree on the set of keys.",
      tags=("env", "drift"))
def env_key_drift(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Pairs each env template (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`) with
    the real env file it describes: `X.example` with `X` when that file exists, else with every
    real `.env*` file of the same folder. Reports a key of the template that the real file lacks
    (at the template's line) and a key of the real file that the template lacks (at the real
    file's line). Values are not compared: templates hold examples.

    ## Why is this bad?
    The template is how the next deployment learns which variables to set. A key missing from the
    real file is a setting the running stack goes without (compose substitutes an empty string);
    a key missing from the template will be missing on the next host.

    ## Example
    ```dotenv
    # .env.example
    DATABASE_URL=postgres://app:<password>@db:5432/app
    REDIS_URL=redis://redis:6379/0
    # .env
    DATABASE_URL=postgres://app:s3cret@db:5432/app
    SENTRY_DSN=https://key@sentry.example.org/1
    ```
    `REDIS_URL` is missing from `.env`; `SENTRY_DSN` is missing from `.env.example`.

    ## How to fix
    Add the missing key to the side that lacks it (in the template, with a placeholder value), or
    remove the key that is no longer used from the other side.
    """
    for template, real in template_pairs(graph.env_files):
        t_keys, r_keys = _first(template.vars), _first(real.vars)
        for key, v in t_keys.items():
            if key not in r_keys:
                yield Problem(
                    message=f"key '{key}' of the template {template.path} is missing from {real.path}",
                    loc=v.loc, key=f"{template.path}|{real.path}|missing|{key}")
        for key, v in r_keys.items():
            if key not in t_keys:
                yield Problem(
                    message=f"key '{key}' of {real.path} is not in the template {template.path}",
                    loc=v.loc, related=(Related(path=template.path, line=1, message="the template"),),
                    key=f"{template.path}|{real.path}|undocumented|{key}")

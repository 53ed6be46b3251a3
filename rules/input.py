"""AUD: the inputs themselves: files that cannot be parsed or were not read."""
from __future__ import annotations

import re
from typing import Iterator

from auditor.graph.model import Graph
from auditor.model import Problem
from auditor.registry import rule


@rule("AUD001", "parse-error", "error", "A file of a known kind cannot be parsed or has the wrong shape.",
      tags=("input",))
def parse_error(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports a file that auditor recognised (env, compose, nginx, security-group rules, docs) but
    could not parse, or whose structure is not what its format requires (a compose service that
    is a list, an nginx block with a missing `}`), at the place of the problem.

    A file gets a kind only on positive evidence, its name and what it holds: a unified diff
    named `.env.patch` is not an env file, a HOCON or INI `*.conf` (`key = value` lines, no
    `;`) is not nginx, a CloudFormation template that names `SecurityGroups` without defining
    any is not `describe-security-groups` output. A file auditor is not sure it understands is
    never reported as broken: templates (Jinja `.j2`, `{% if %}`, `{{ var }}`; Go
    `{{ .Env.X }}`) are read with their tags set aside and expressions standing for unknown
    values, and when that is not the format any more they get one AUD002 note instead; a port
    such as `${PORT}:${PORT}/udp` whose variable is unset, or a Terraform rule whose `type` is
    an expression, is unknown, not malformed.

    ## Why is this bad?
    The tool that reads this file in production (docker compose, nginx, the AWS CLI) will refuse
    it or read something else than intended, and none of the other checks can see into it.

    ## Example
    ```yaml
    services:
      web:
        - image: nginx   # a service must be a mapping, not a list
    ```

    ## How to fix
    Correct the syntax or the shape at the reported line; `docker compose config` and `nginx -t`
    show the same problem with their own words.
    """
    for p in graph.problems:
        if p.rule == "AUD001":
            # Parser messages may quote line numbers; the fingerprint must survive line shifts.
            yield Problem(message=p.message, loc=p.loc, key=re.sub(r"\d+", "#", p.message),
                          severity=p.severity)


@rule("AUD002", "file-skipped", "warning", "A file was not read: too large, binary, unreadable, or outside the root.",
      tags=("input",))
def file_skipped(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Reports a file that was not read at all: over the size limit, binary or undecodable,
    unreadable, a link that leads out of the scanned root, an include that points outside it,
    an include cycle, or structures nested or aliased beyond the safety limits.

    At `note` level: a template that cannot be checked, because its tags decide its structure
    (a compose file rendered from Jinja, an nginx template whose `{% if %}` branches open
    different blocks); auditor never renders templates whose values live outside the repository.

    ## Why is this bad?
    What was not read was not checked: a clean report would be a false reassurance.

    ## Example
    ```nginx
    include ../../../etc/nginx/secrets.conf;   # outside the scanned root: never read
    ```

    ## How to fix
    Keep the stack's files inside the repository, raise `[tool.auditor.limits]` for a file that
    is legitimately large, or exclude the file in the configuration.
    """
    for p in graph.problems:
        if p.rule == "AUD002":
            yield Problem(message=p.message, loc=p.loc, severity=p.severity)


@rule("AUD003", "unused-suppression", "warning", "An inline suppression comment silences nothing.",
      tags=("input",), phase="suppressions")
def unused_suppression(graph: Graph, unused: tuple = ()) -> Iterator[Problem]:
    """
    ## What it does
    Reports an `auditor: ignore[...]` comment that no finding matched: the problem it silenced
    was fixed, the rule id is misspelt, or the comment sits on the wrong line. The engine runs
    this rule last, once it knows which suppressions were used, and only judges suppressions of
    rules that ran.

    ## Why is this bad?
    A stale suppression hides the next real problem on that line and tells readers something
    that is no longer true.

    ## Example
    ```yaml
    ports:
      - "127.0.0.1:5432:5432"  # auditor: ignore[EXP001] nothing is published publicly any more
    ```

    ## How to fix
    Delete the comment, or correct the rule id or its line.
    """
    for s in unused:
        what = ", ".join(s.rules) if s.rules else "every rule"
        yield Problem(message=f"suppression of {what} matches no finding", loc=s.loc)

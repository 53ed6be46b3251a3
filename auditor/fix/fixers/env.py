"""ENV001: remove the earlier, dead assignments of a key assigned more than once.

Safe: every dotenv reader (compose included) keeps the last assignment, so removing the earlier
ones changes no value, unless a line in between interpolates the key while it still has the
earlier value: then the fix is refused. Comment lines are never removed."""
from __future__ import annotations

import re
from typing import Iterator, Union

from ...model import EnvVar, Finding
from ..edits import Edit, Fix, Refusal
from .base import Context, refuse


def _uses(v: EnvVar, key: str) -> bool:
    return v.quote != "'" and re.search(r"\$\{?" + re.escape(key) + r"(?![A-Za-z0-9_])", v.raw) is not None


def dead_assignments(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    files = {e.path: e for e in ctx.graph.env_files}
    by_key: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        env = files.get(f.path)
        var = next((v for v in env.vars if v.loc.line == f.line), None) if env else None
        if var is None:
            yield refuse(f, "the assignment is not where the finding says; re-run `auditor check`")
            continue
        by_key.setdefault((f.path, var.key), []).append(f)
    for (path, key), group in by_key.items():
        env = files[path]
        bindings = [(i, v) for i, v in enumerate(env.vars) if v.key == key]
        last_index = bindings[-1][0]
        between = env.vars[bindings[0][0] + 1:last_index]
        if any(_uses(v, key) for v in between if v.key != key):
            for f in group:
                yield refuse(f, f"a line between the assignments interpolates '{key}' with the earlier value")
            continue
        edits = tuple(Edit(path=path, start=v.loc.line, end=v.loc.line + 1 + v.raw.count("\n"), lines=())
                      for _, v in bindings[:-1])
        yield Fix(rule="ENV001", fingerprints=tuple(f.fingerprint for f in group),
                  title=f"remove the earlier assignment{'s' if len(edits) > 1 else ''} of '{key}' "
                        f"(the last one wins already)", edits=edits, safe=True)

"""The rule registry: a rule is a module-level function over the graph that yields Problems.

The `@rule` decorator attaches id, name, default severity and documentation (the function's
docstring: what it does, why it is bad, an example, the fix). Rules never stamp ids or
severities on what they yield: the engine does.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import textwrap
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from .model import Problem

# Findings of one rule in one file past which the engine sums up the rest in one finding: a file
# of a million duplicate keys is one problem to fix, and must not cost a million findings to
# report. Here, below the rules, so a rule may stop building problems nobody will see.
MAX_PER_RULE_AND_FILE = 200

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "How to fix")

# When a rule runs, and what the engine passes it besides the graph. "graph": over the graph
# alone; "suppressions": after inline suppressions were applied, with `unused` (the comments
# that silenced nothing), as AUD003 needs.
PHASES = {"graph": (), "suppressions": ("unused",)}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    summary: str
    check: Callable[..., Iterable[Problem]] = field(compare=False, repr=False)
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    doc: str = ""
    options: dict = field(default_factory=dict, compare=False)  # from the keyword defaults
    phase: str = "graph"

    @property
    def family(self) -> str:
        return self.id.rstrip("0123456789")

    @property
    def security(self) -> bool:
        return "security" in self.tags

    def sections(self) -> dict[str, str]:
        """The documentation split by its `## ` headings."""
        out: dict[str, str] = {}
        current = None
        for line in self.doc.splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
                out[current] = ""
            elif current is not None:
                out[current] += line + "\n"
        return {k: v.strip() for k, v in out.items()}


def rule(id: str, name: str, severity: str, summary: str, *, aliases: Iterable[str] = (),
         tags: Iterable[str] = (), phase: str = "graph") -> Callable[[Callable], Rule]:
    """A rule's options are the keyword parameters of its function after the graph, with their
    defaults (written once, in the signature), less what its phase passes."""
    if phase not in PHASES:
        raise ValueError(f"rule {id}: unknown phase {phase!r}")

    def wrap(fn: Callable) -> Rule:
        doc = textwrap.dedent(inspect.getdoc(fn) or "")
        params = list(inspect.signature(fn).parameters.values())[1:]
        options = {p.name: p.default for p in params
                   if p.default is not p.empty and p.name not in PHASES[phase]}
        return Rule(id=id, name=name, severity=severity, summary=summary, check=fn,
                    aliases=tuple(aliases), tags=tuple(tags), doc=doc, options=options, phase=phase)
    return wrap


_RULES: Optional[dict[str, Rule]] = None


def all_rules() -> dict[str, Rule]:
    """Every rule of every module in `auditor.rules`, by id, in id order."""
    global _RULES
    if _RULES is None:
        import auditor.rules as package

        found: dict[str, Rule] = {}
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, Rule):
                    if value.id in found and found[value.id] is not value:
                        raise RuntimeError(f"rule id {value.id} defined twice")
                    found[value.id] = value
        _RULES = dict(sorted(found.items()))
    return _RULES


def lookup(token: str) -> list[Rule]:
    """Rules named by an id, a name or alias, or a family prefix (e.g. `SEC`)."""
    rules = all_rules()
    t = token.strip()
    if t.upper() in rules:
        return [rules[t.upper()]]
    by_name = [r for r in rules.values() if t.lower() in (r.name, *r.aliases)]
    if by_name:
        return by_name
    return [r for r in rules.values() if r.id.startswith(t.upper())] if t else []

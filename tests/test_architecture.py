"""The arrows of ../shared/ARCHITECTURE.md, checked: no import against the flow, no cycle.

Every `import` of every module under auditor/ and rules/ (the installed `auditor.rules`) counts,
including imports inside functions and under TYPE_CHECKING: a lazy import is still an arrow.
`KNOWN` lists today's exceptions; each step of the layering work deletes lines from it, and an
entry that no longer matches an import fails too, so the list only shrinks.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower layers never import higher ones (same layer is fine). The longest prefix decides;
# the package's own __init__ ("auditor": its version string) is at the bottom.
LAYERS = [
    ("auditor.model", "auditor.knowledge"),                # vocabulary and knowledge tables
    # files, masking, the terminal, paths, template text, the collector's pause
    ("auditor.reader", "auditor.writer", "auditor.redact", "auditor.escape", "auditor.gitinfo",
     "auditor.terminal", "auditor.paths", "auditor.templates", "auditor.gcpause"),
    ("auditor.discovery",),                                 # which files, of which kind
    ("auditor.loaders",),                                   # formats -> model
    ("auditor.graph",),                                     # the joins
    ("auditor.registry", "auditor.rules"),                  # rules over the graph
    ("auditor.engine", "auditor.config", "auditor.config_schema", "auditor.suppress", "auditor.baseline", "auditor.stacks",
     "auditor.stdin", "auditor.report"),
    ("auditor.reporters", "auditor.fix", "auditor.snapshot"),  # consumers of the engine's results
    ("auditor.cli", "auditor.__main__", "auditor.rule_pages"),
]

# importer prefix -> prefixes it must never import, with the sentence of ARCHITECTURE.md.
FORBIDDEN = {
    "auditor.model": (("auditor",), "model imports nothing of the project"),
    "auditor.knowledge": (("auditor",), "knowledge tables are data"),
    "auditor.graph": (("auditor.loaders", "auditor.discovery", "auditor.reader", "auditor.gitinfo"),
                      "the graph joins model objects; it knows no formats or files"),
    "auditor.rules": (("auditor.loaders", "auditor.discovery", "auditor.reader", "auditor.gitinfo",
                       "auditor.engine", "auditor.config", "auditor.reporters", "auditor.cli"),
                      "rules know the graph, not formats or files on disk"),
    "auditor.reporters": (("auditor.loaders", "auditor.discovery", "auditor.reader", "auditor.engine"),
                          "reporters never re-parse inputs; they read a Report (auditor.report), "
                          "not the engine"),
    "auditor.loaders.source": (("auditor.loaders.compose", "auditor.loaders.nginx",
                                "auditor.loaders.secgroups", "auditor.loaders.docs",
                                "auditor.loaders.live", "auditor.loaders.env"),
                               "format-neutral readers know no format"),
}
ALLOWED_INSIDE = {"auditor.knowledge": ("auditor.knowledge",)}

# Modules of one family that must not import each other (each stands on shared code only).
INDEPENDENT = [
    ("auditor.reporters.text", "auditor.reporters.github", "auditor.reporters.sarif",
     "auditor.reporters.json_report", "auditor.reporters.graph", "auditor.reporters.statistics",
     "auditor.reporters.report_html"),
]

# (importer, imported): today's exceptions, to be emptied. Empty: keep it so.
KNOWN: set[tuple[str, str]] = set()


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for folder, package in (("auditor", "auditor"), ("rules", "auditor.rules")):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            is_pkg = parts[-1] == "__init__"
            name = ".".join((package, *(parts[:-1] if is_pkg else parts)))
            out[name] = (path, is_pkg)
    return out


@lru_cache(maxsize=1)
def imports() -> dict[str, set[str]]:
    """module -> project modules it imports (a name imported from a package counts as the
    submodule when it is one, else as the package's __init__)."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, is_pkg) in mods.items():
        deps: set[str] = set()
        package = name.split(".") if is_pkg else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in mods else stem for a in node.names]
            for target in targets:
                while target not in mods and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in mods and target != name:
                    deps.add(target)
        graph[name] = deps
    return graph


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _layer(module: str) -> int:
    if module == "auditor":
        return 0
    best, level = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if _under(module, prefix) and len(prefix) > best:
                best, level = len(prefix), i
    assert level >= 0, f"{module} is in no layer of tests/test_architecture.py"
    return level


def violations() -> set[tuple[str, str, str]]:
    out = set()
    for importer, deps in imports().items():
        for dep in deps:
            if _layer(dep) > _layer(importer):
                out.add((importer, dep, "imports a higher layer"))
            for prefix, (banned, why) in FORBIDDEN.items():
                inside = ALLOWED_INSIDE.get(prefix, ())
                if (_under(importer, prefix) and any(_under(dep, b) for b in banned)
                        and not any(_under(dep, a) for a in inside)):
                    out.add((importer, dep, why))
            for family in INDEPENDENT:
                if importer in family and dep in family:
                    out.add((importer, dep, "formats of one family import shared code only"))
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_imports_follow_the_flow():
    bad = sorted(v for v in violations() if (v[0], v[1]) not in KNOWN)
    assert not bad, "imports against ARCHITECTURE.md:\n" + "\n".join(
        f"  {a} -> {b}: {why}" for a, b, why in bad)


def test_no_import_cycles():
    graph = {m: {d for d in deps if (m, d) not in KNOWN} for m, deps in imports().items()}
    assert not cycles(graph), f"import cycles: {cycles(graph)}"


def test_known_exceptions_are_still_needed():
    """An exception whose import is gone must leave the list, so the list only shrinks."""
    graph = imports()
    stale = sorted((a, b) for a, b in KNOWN if b not in graph.get(a, ()))
    assert not stale, f"remove from KNOWN: {stale}"


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


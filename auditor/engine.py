"""The engine: discovery → loaders → graph → rules → findings.

It stamps rule id, name and configured severity on what rules yield, computes fingerprints,
applies selection, and never lets one rule's crash lose the others' findings.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from . import baseline as baselines
from .config import Config, ConfigError
from .gcpause import gc_paused
from .gitinfo import file_status
from .graph.build import build_graph
from .graph.model import Graph
from .model import Finding, Problem
from .reader import Limits, Reader
from .redact import Masker
from .registry import Rule, all_rules, lookup
from .report import SEVERITY_RANK, Report


def _quiet(stage: str) -> None:
    """A progress callback that shows nothing."""


class SelectionError(ConfigError):
    """A --select/--ignore/--extend-select token that names no rule."""


def select_rules(config: Config, select: Sequence[str] = (), ignore: Sequence[str] = (),
                 extend_select: Sequence[str] = ()) -> list[Rule]:
    unknown = [t for t in (*select, *ignore, *extend_select) if not lookup(t)]
    if unknown:
        raise SelectionError(f"{unknown[0]!r} names no rule (an id, a name or a family prefix; "
                             "see `auditor rules`)")
    chosen_tokens = list(select) or list(config.select)
    rules = all_rules()
    if chosen_tokens:
        chosen = {r.id for t in chosen_tokens for r in lookup(t)}
    else:
        chosen = set(rules)
    chosen |= {r.id for t in (*config.extend_select, *extend_select) for r in lookup(t)}
    chosen -= {r.id for t in (*config.ignore, *ignore) for r in lookup(t)}
    return [rules[i] for i in sorted(chosen)]


def load_graph(root: Path, paths: Sequence[str], config: Config,
               env_files: Optional[Sequence[str]] = None,
               live: Optional[Path] = None, prune: Sequence[str] = (),
               progress: Callable[[str], None] = _quiet) -> tuple[Graph, Reader]:
    """`prune`: root-relative folders never read (stacks of their own inside this one)."""
    with gc_paused():
        return _load_graph(root, paths, config, env_files, live, prune, progress)


def _load_graph(root: Path, paths: Sequence[str], config: Config,
                env_files: Optional[Sequence[str]] = None,
                live: Optional[Path] = None, prune: Sequence[str] = (),
                progress: Callable[[str], None] = _quiet) -> tuple[Graph, Reader]:
    from .discovery import discover
    from .loaders import load_inputs
    from .loaders.docs.facts import with_doc_facts

    config = config.for_root(root)
    limits = Limits(max_file_bytes=config.limits.max_file_bytes, max_files=config.limits.max_files)
    reader = Reader(root, limits)
    # Snapshots inside the root are live state, not declared config: discovery leaves them out.
    live_rel = None
    if live is not None:  # the live loaders are imported only for a run that reads snapshots
        from .loaders.live.snapshots import live_dir_in_root

        live_rel = live_dir_in_root(live, reader)
    exclude = (*config.exclude, f"{live_rel}/*") if live_rel else config.exclude
    exclude = (*exclude, *(f"/{folder}/" for folder in prune))
    progress("looking for input files")
    found = discover(reader, list(paths), include=config.include, exclude=exclude)
    progress(f"reading {len(found.files)} files")
    # git: tracked → True, ignored (never committed) → False, untracked or no git → None
    status = file_status(reader.root, [f.path for f in found.files])
    if status:
        tracked = {"tracked": True, "ignored": False, "untracked": None}
        found.files = [f.model_copy(update={"tracked": tracked[status[f.path]]}) if f.path in status else f
                       for f in found.files]
    inputs = load_inputs(reader, found, env_files=tuple(env_files or config.compose.env_files))
    inputs = with_doc_facts(inputs, config.docs.synonyms)
    if live is not None:
        from .loaders.live.snapshots import attach_live

        inputs = attach_live(inputs, live, reader)
    progress(f"joining {len(found.files)} files into the graph")
    graph = build_graph(inputs, public_addresses=config.hosts.public_addresses,
                        external_hosts=config.hosts.external, host_groups=dict(config.hosts.groups),
                        independent=config.hosts.independent)
    return graph, reader


def run_rules(graph: Graph, rules: Iterable[Rule], config: Config,
              clean: Optional[Masker] = None) -> list[Finding]:
    findings: list[Finding] = []
    for r in rules:
        settings = config.rules.get(r.id) or config.rules.get(r.name)
        severity = _severity(r, config)
        options = {**r.options, **(settings.options if settings else {})}
        try:
            problems = cap_per_file(r.id, r.check(graph, **options) if options else r.check(graph))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not lose the rest
            problems = [Problem(message=f"rule {r.id} crashed ({type(exc).__name__}); its results are missing",
                                loc=_first_loc(graph))]
        findings.extend(stamp(r, severity, problems, clean))
    return finalize(findings)


from .registry import MAX_PER_RULE_AND_FILE  # noqa: E402 - beside the code that applies it


def cap_per_file(rule_id: str, problems: Iterable[Problem], cap: int = MAX_PER_RULE_AND_FILE) -> list[Problem]:
    """At most `cap` problems per file (the first ones by line), then one summary problem.

    Read as the rule yields them, keeping at most a few times `cap` per file: a million
    problems of one file are counted, not held."""
    kept: dict[str, list[Problem]] = {}
    counts: dict[str, int] = {}
    for p in problems:
        path = p.loc.path
        found = kept.get(path)
        if found is None:
            found = kept[path] = []
        found.append(p)
        counts[path] = counts.get(path, 0) + 1
        if len(found) > 4 * cap:
            found.sort(key=_by_line)  # stable: the first cap + 1 by line, as over all of them
            del found[cap + 1:]
    out: list[Problem] = []
    for path, found in kept.items():
        if counts[path] <= cap:
            out.extend(found)
            continue
        found.sort(key=_by_line)
        out.extend(found[:cap])
        rest = counts[path] - cap
        out.append(Problem(
            message=f"{rest} more {rule_id} findings in this file are not shown (at most {cap} per rule "
                    f"and file); fix the ones above, or see the file from line {found[cap].loc.line} on",
            loc=found[cap].loc, key=f"{rule_id} findings past the cap of {cap}"))
    return out


def _by_line(p: Problem) -> tuple[int, int]:
    return p.loc.line, p.loc.column


def stamp(r: Rule, severity: str, problems: Iterable[Problem], clean: Optional[Masker] = None) -> list[Finding]:
    """Findings of `r`. `clean` (the report's masker) is applied before fingerprinting: a hash of
    a message holding a short secret would let anyone with the baseline guess the secret."""
    return [
        Finding(rule=r.id, name=r.name, severity=_capped(severity, p.severity), message=p.message,
                path=p.loc.path, line=p.loc.line, column=p.loc.column, related=p.related,
                fingerprint=_fingerprint(r.id, p, clean), secret=p.secret, impact=p.impact)
        for p in problems
    ]


def _capped(severity: str, cap: Optional[str]) -> str:
    """The configured severity, lowered to the problem's own cap when it has one."""
    return cap if cap is not None and SEVERITY_RANK[cap] < SEVERITY_RANK[severity] else severity


def scrub_messages(findings: list[Finding], graph: Graph, clean: Optional[Masker] = None) -> list[Finding]:
    """No secret value of the graph survives in a message, whatever a rule wrote (reporters mask
    again what they show, this keeps findings clean for library users too)."""
    if clean is None:
        from .graph.secrets import masker

        clean = masker(graph)
    out = []
    for f in findings:
        message = clean(f.message)
        related = tuple(r.model_copy(update={"message": clean(r.message)}) if r.message else r
                        for r in f.related)
        out.append(f if message == f.message and related == f.related
                   else f.model_copy(update={"message": message, "related": related}))
    return out


def _fingerprint(rule_id: str, p: Problem, clean: Optional[Masker] = None) -> str:
    # No line numbers: the same problem keeps its fingerprint when lines shift above it.
    about = p.key or p.message
    basis = "\x1f".join((rule_id, p.loc.path, clean(about) if clean is not None else about))
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def finalize(findings: list[Finding]) -> list[Finding]:
    """Sort, drop exact duplicates, and make repeated fingerprints unique by occurrence."""
    unique = sorted(set(findings), key=sort_key)
    seen: dict[str, int] = {}
    out = []
    for f in unique:
        n = seen.get(f.fingerprint, 0)
        seen[f.fingerprint] = n + 1
        if n:
            f = f.model_copy(update={"fingerprint": hashlib.sha256(
                f"{f.fingerprint}:{n}".encode()).hexdigest()[:32]})
        out.append(f)
    return out


def sort_key(f: Finding) -> tuple:
    # Related places break ties, so the order never depends on set iteration (the hash seed).
    return (f.path, f.line, f.column, f.rule, f.message,
            tuple((r.path, r.line, r.column, r.message) for r in f.related), f.fingerprint)


def _first_loc(graph: Graph):
    from .model import Loc

    return Loc(path=graph.files[0].path if graph.files else ".")


def check(paths: Sequence[str | os.PathLike[str]], config: Config, *, select: Sequence[str] = (),
          ignore: Sequence[str] = (), extend_select: Sequence[str] = (),
          env_files: Optional[Sequence[str]] = None, baseline: Optional[Path] = None,
          use_config_baseline: bool = True, live: Optional[Path] = None, prune: Sequence[str] = (),
          progress: Callable[[str], None] = _quiet) -> Report:
    """The main job, as a library call: what the cli, the pre-commit hook and tests all use.

    `baseline` (or else the configuration's `baseline`, unless `use_config_baseline` is false,
    as when writing a new baseline) removes the findings it lists."""
    with gc_paused():
        return _check(paths, config, select=select, ignore=ignore, extend_select=extend_select,
                      env_files=env_files, baseline=baseline, use_config_baseline=use_config_baseline,
                      live=live, prune=prune, progress=progress)


def _check(paths: Sequence[str | os.PathLike[str]], config: Config, *, select: Sequence[str],
           ignore: Sequence[str], extend_select: Sequence[str], env_files: Optional[Sequence[str]],
           baseline: Optional[Path], use_config_baseline: bool, live: Optional[Path],
           prune: Sequence[str], progress: Callable[[str], None]) -> Report:
    from .suppress import apply_per_file_ignores, apply_suppressions, drop_uncommitted_secrets

    root, rel_paths = resolve_root(paths)
    config = config.for_root(root)
    confined = False
    if baseline is None and use_config_baseline:
        baseline, confined = config.baseline_path(), True
    graph, reader = load_graph(root, rel_paths, config, env_files, live=Path(live) if live else None,
                               prune=prune, progress=progress)
    rules = select_rules(config, select, ignore, extend_select)
    progress(f"running {len(rules)} rules over {len(graph.files)} files")
    late = [r for r in rules if r.phase == "suppressions"]
    from .graph.secrets import masker

    clean = masker(graph)
    findings = run_rules(graph, [r for r in rules if r.phase == "graph"], config, clean)
    findings = apply_per_file_ignores(findings, config.per_file_ignores)
    findings = drop_uncommitted_secrets(findings, graph.files)
    findings, used = apply_suppressions(findings, graph.suppressions)
    if late:
        # Runs after the others: only now is it known which suppressions silenced something.
        ran = {r.id for r in rules}
        unused = tuple(s for s in graph.suppressions if s not in used and _judged(s, ran))
        for r in late:
            findings += stamp(r, _severity(r, config), r.check(graph, unused=unused), clean)
        findings = finalize(findings)
    findings = scrub_messages(findings, graph, clean)
    if baseline is not None:
        findings = baselines.apply(findings, baselines.load(baseline, confined=confined))
    return Report(root=str(reader.root), files=list(graph.files), findings=findings, graph=graph,
                  reader=reader, rules=rules, config=config, masker=clean)


def check_stacks(paths: Sequence[str | os.PathLike[str]], *, config_file: Optional[Path] = None,
                 only: Optional[Sequence[str]] = None, **options) -> Report:
    """`check` for each stack the paths cover, each with its own configuration (see
    `auditor.stacks`), as one report over the scanned root; `--config FILE` (`config_file`)
    makes it one stack with that file, as before. `only`: the stack folders (relative to the
    scanned root) to check, for the pre-commit hook."""
    from . import stacks as st
    from .config import find_config, load_config

    root, rel_paths = resolve_root(paths)
    if config_file is not None:
        return check(paths, load_config(config_file, named=True), **options)
    found = st.split(root, rel_paths)
    if only is not None:
        found = [s for s in found if s.prefix in set(only)]
    if len(found) == 1 and not found[0].prefix:
        s = found[0]
        return check([root / p if p else root for p in s.paths], load_config(find_config(s.root)),
                     prune=s.nested, **options)
    parts = []
    for s in found:
        config = load_config(find_config(s.root))
        report = check([s.root / p if p else s.root for p in s.paths], config, prune=s.nested, **options)
        parts.append((s.prefix, report))
    return merge(root, parts)


def merge(root: Path, parts: list[tuple[str, Report]]) -> Report:
    """One report over `root` from the reports of its stacks (`prefix`: each stack's folder)."""
    from .model import Inputs

    def moved(prefix: str, path: str) -> str:
        return f"{prefix}/{path}" if prefix and path not in ("", ".") else (prefix or path)

    files, findings, rules = [], [], {}
    fields: dict[str, list] = {name: [] for name in Inputs.model_fields if name not in ("root", "files", "live")}
    for prefix, report in parts:
        files += [f.model_copy(update={"path": moved(prefix, f.path)}) for f in report.files]
        for f in report.findings:
            related = tuple(r.model_copy(update={"path": moved(prefix, r.path)}) for r in f.related)
            findings.append(f.model_copy(update={"path": moved(prefix, f.path), "related": related}))
        rules.update({r.id: r for r in report.rules})
        for name in fields:  # the values each part holds (secrets to mask), not a joined graph
            fields[name] += list(getattr(report.graph, name))
    graph = Graph.from_inputs(Inputs(root=str(root), files=tuple(files),
                                     **{k: tuple(v) for k, v in fields.items()}))
    limits = parts[0][1].reader.limits if parts else Limits()
    return Report(root=str(root), files=sorted(files, key=lambda f: f.path),
                  findings=sorted(findings, key=sort_key), graph=graph, reader=Reader(root, limits),
                  rules=sorted(rules.values(), key=lambda r: r.id),
                  config=parts[0][1].config if parts else None, parts=parts)


def exit_code_of(report: Report, fail_on: Optional[str]) -> int:
    """The exit status: `--fail-on` when given, else each stack's configured `fail_on`."""
    if report.parts:
        return max((exit_code_of(r, fail_on) for _, r in report.parts), default=0)
    return exit_code(report.findings, fail_on or threshold(report))


def threshold(report: Report) -> str:
    return (report.config.fail_on if report.config else None) or "error"


def _judged(s, ran: set[str]) -> bool:
    """A suppression is only judged unused when every rule it names actually ran."""
    if not s.rules:
        return True
    named = {r.id for t in s.rules for r in lookup(t)}
    return bool(named) and named <= ran or not named


def _severity(r: Rule, config: Config) -> str:
    settings = config.rules.get(r.id) or config.rules.get(r.name)
    return settings.severity if settings and settings.severity else r.severity


def resolve_root(paths: Sequence[str | os.PathLike[str]]) -> tuple[Path, list[str]]:
    """The scanned root (the common folder of `paths`) and each path relative to it."""
    absolute = [Path(os.path.realpath(p or ".")) for p in (paths or ["."])]
    folders = [p if p.is_dir() else p.parent for p in absolute]
    root = Path(os.path.commonpath([str(f) for f in folders]))
    rel = []
    for p in absolute:
        r = p.relative_to(root).as_posix()
        rel.append("" if r == "." else r)
    return root, rel


def exit_code(findings: Iterable[Finding], fail_on: str) -> int:
    if fail_on == "never":
        return 0
    threshold = SEVERITY_RANK[fail_on]
    return 1 if any(SEVERITY_RANK[f.severity] >= threshold for f in findings) else 0

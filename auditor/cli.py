"""Command line (click). Wires config, engine and reporters; holds no checking logic."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Optional

import click

from . import __version__
from .writer import WriteRefused, write_output

# `auto` is resolved by auditor.report.resolve_format; `statistics` is the --statistics flag
FORMATS = ["text", "json", "sarif", "github", "html", "auto"]


def _env_files(paths: tuple[str, ...], env_files: tuple[str, ...]) -> Optional[list[str]]:
    """`--env-file` as docker compose reads it: relative to the current folder, and a file
    that does not exist is a usage error (compose refuses it too)."""
    if not env_files:
        return None
    out = []
    for name in env_files:
        path = Path(name).resolve()
        if not path.is_file():
            raise click.UsageError(f"--env-file {name}: no such file")
        out.append(str(path))  # one outside the root is never read (confinement)
    return out


def _split(values: tuple[str, ...]) -> list[str]:
    return [t for v in values for t in v.split(",") if t.strip()]


def _config(paths: tuple[str, ...], config_file: Optional[str]):
    from .config import find_config, load_config

    start = Path(paths[0] if paths else ".").resolve()
    if config_file:
        return load_config(Path(config_file), named=True)
    return load_config(find_config(start))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def cli() -> None:
    """auditor: checks the files of a self-hosted stack against each other."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report here.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]), default=None,
              help="Lowest severity that makes the exit code 1 (default: error).")
@click.option("--select", multiple=True, help="Only these rules: ids, names or family prefixes.")
@click.option("--ignore", multiple=True, help="Skip these rules: ids, names or family prefixes.")
@click.option("--extend-select", multiple=True, help="Add these rules to the selection.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              help="Use this configuration for every path (default: each stack's nearest "
              ".auditor.toml or pyproject.toml).")
@click.option("--env-file", "env_files", multiple=True,
              help="Env file feeding compose interpolation (like `docker compose --env-file`).")
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="Do not report findings in this baseline (default: the configuration's `baseline`).")
@click.option("--live", type=click.Path(exists=True, file_okay=False), help="Live-state snapshots to audit for drift.")
@click.option("--live-now", is_flag=True,
              help="Snapshot this host's live state into a temporary folder (like `auditor snapshot`) and "
                   "audit it for drift.")
@click.option("--statistics", is_flag=True, help="Print a count of findings per rule.")
@click.option("--category", help="SARIF: the code-scanning category (automationDetails.id); "
              "default: auditor/<the scanned folder, relative to the repository>.")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the text report (auto: on a terminal, unless NO_COLOR "
              "is set; FORCE_COLOR forces it).")
@click.option("--quiet", "-q", is_flag=True, help="Only the findings: no summary, hints or progress.")
@click.option("--allow-empty", is_flag=True,
              help="Exit 0 when the paths hold no input file (default: that is a usage error, exit 2).")
@click.option("--stdin-filename", metavar="NAME",
              help="With `-`: the name (and so the kind) of the file read from standard input.")
@click.option("--whole-stacks", is_flag=True,
              help="Check the whole stack that holds each path, each with its own configuration "
              "(the pre-commit hook passes the changed files).")
def check(paths, fmt, output, fail_on, select, ignore, extend_select, config_file, env_files,
          baseline, live, live_now, statistics, category, color, quiet, allow_empty, stdin_filename,
          whole_stacks) -> None:
    """Check PATHS (default: the current folder; `-`: one file read from standard input)."""
    from . import engine
    from .terminal import Progress

    if live and live_now:
        raise click.UsageError("--live and --live-now exclude each other")
    paths = list(paths) or ["."]
    config = Path(config_file) if config_file else None
    with contextlib.ExitStack() as stack:
        if "-" in paths:
            if len(paths) > 1:
                raise click.UsageError("`-` (standard input) cannot be combined with other paths")
            from .stdin import MAX_BYTES, stdin_tree

            paths = [str(stack.enter_context(stdin_tree(sys.stdin.buffer.read(MAX_BYTES), stdin_filename)))]
        env_list = _env_files(tuple(paths), env_files)
        if live_now:
            import shutil
            import tempfile

            temporary = tempfile.mkdtemp(prefix="auditor-live-")
            stack.callback(shutil.rmtree, temporary, ignore_errors=True)
            live = str(Path(temporary) / "live")
            _snapshot(Path(live), engine.resolve_root(paths)[0], None, _config(tuple(paths), config_file))
        options = dict(select=_split(select), ignore=_split(ignore), extend_select=_split(extend_select),
                       env_files=env_list, baseline=Path(baseline) if baseline else None,
                       live=Path(live) if live else None)
        only = None
        if whole_stacks:
            from .stacks import stacks_of

            only, paths = stacks_of(paths, Path.cwd()), ["."]
        try:
            # on stderr, only when it is a terminal: stdout stays the report, whatever its format
            with Progress(enabled=not quiet) as progress:
                report = engine.check_stacks(paths, config_file=config, only=only, progress=progress,
                                             **options)
        except engine.SelectionError as exc:
            raise click.UsageError(f"--select/--ignore/--extend-select: {exc}") from None
        if not report.files and not (allow_empty or whole_stacks):
            shown = " ".join(paths) if "-" not in sys.argv else "standard input"
            raise click.ClickException(
                f"no input file to check in {shown} (env, compose, nginx, security-group or docs "
                "files); check the path, or pass --allow-empty to accept an empty run")
        threshold = fail_on or engine.threshold(report)
        text = _render(report, fmt, output, color=color, quiet=quiet, category=category,
                       fail_on=threshold, fix_options=dict(
                           select=_split(select), ignore=_split(ignore), env_files=env_list))
    from .terminal import use_colour

    _emit(text, output, colour=fmt in ("text", "auto") and use_colour(color, None if output else sys.stdout))
    if statistics and not quiet:
        from .reporters import get_reporter

        from .report import resolve_format

        machine = resolve_format(fmt) != "text"
        click.echo(get_reporter("statistics")(report), err=machine and output is None, nl=False)
    sys.exit(engine.exit_code_of(report, fail_on))


def _render(report, fmt: str, output: Optional[str], *, color: str, quiet: bool,
            category: Optional[str], fail_on: str, fix_options: Optional[dict] = None) -> str:
    from .report import RenderOptions, resolve_format
    from .reporters import get_reporter
    from .terminal import use_colour, width

    fmt = resolve_format(fmt)
    stream = None if output else sys.stdout
    fixes = None
    if fmt == "sarif" and not report.parts and report.config is not None:
        from .fix.run import fixes_for

        # safe fixes only: a suggestion in review is one click from being committed (one
        # stack at a time: a report over several stacks carries none)
        fixes = fixes_for(report, report.config, **(fix_options or {})).sarif_fixes()
    options = RenderOptions(colour=use_colour(color, stream), width=width(stream), quiet=quiet,
                            fail_on=fail_on, category=category, fixes=fixes)
    return get_reporter(fmt)(report, options)


@cli.command()
@click.option("--output", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the snapshots and manifest.json into (created if missing; a previous "
                   "snapshot there is replaced; any other content is refused).")
@click.option("--project-dir", type=click.Path(exists=True, file_okay=False), default=".", show_default=True,
              help="The repository whose compose projects, nginx and security groups are captured.")
@click.option("--source", "sources", multiple=True,
              help="Only these sources: docker, nginx, sockets, aws (repeat or comma-separate; default all).")
@click.option("--timeout", type=click.FloatRange(min=1, max=3600), default=60.0, show_default=True,
              help="Seconds each command may take.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False))
def snapshot(out_dir, project_dir, sources, timeout, config_file) -> None:
    """Capture this host's live state (docker, nginx, sockets, aws) for `check --live DIR`."""
    config = _config((project_dir,), config_file)
    _snapshot(Path(out_dir), Path(project_dir), _split(sources) or None, config, timeout)


def _snapshot(out_dir: Path, project_dir: Path, sources, config, timeout: float = 60.0) -> None:
    from .snapshot import SOURCES, FolderError, take_snapshot

    unknown = [s for s in sources or () if s not in SOURCES]
    if unknown:
        raise click.UsageError(f"--source {unknown[0]!r}: choose among {', '.join(SOURCES)}")
    try:
        manifest = take_snapshot(out_dir, project_dir, sources or SOURCES, config=config, timeout=timeout)
    except FolderError as exc:
        raise click.UsageError(str(exc)) from None
    for e in manifest["sources"]:
        where = f" -> {e['file']}" if e.get("file") else ""
        why = f": {e['reason']}" if e.get("reason") else ""
        click.echo(f"snapshot: {e['source']:<8} {e['status']:<12} {e['what']}{where}{why}", err=True)


@cli.command("rules")
def rules_cmd() -> None:
    """List every rule: id, name, default severity, summary."""
    from .registry import all_rules

    rows = [(r.id, r.name, r.severity, r.summary) for r in all_rules().values()]
    width = max(len(r[1]) for r in rows)
    for rid, name, sev, summary in rows:
        click.echo(f"{rid:<8} {name:<{width}}  {sev:<8} {summary}")


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print a rule's documentation: what it does, why it is bad, an example, the fix."""
    from .registry import lookup

    found = lookup(rule_id)
    if len(found) != 1:
        raise click.UsageError(f"no single rule matches {rule_id!r}; see `auditor rules`")
    r = found[0]
    from . import rule_page

    click.echo(f"# {r.id} {r.name} ({r.severity})\n\n{r.summary}\n\n{r.doc}\n\n"
               f"Cases and configuration: {rule_page(r.id)}")


@cli.command()
@click.argument("which", type=click.Choice(["report", "config"]))
def schema(which: str) -> None:
    """Print the JSON Schema of the JSON report or of the configuration, as shipped."""
    from importlib.resources import files

    click.echo(files("auditor").joinpath("schemas", f"{which}.schema.json").read_text(encoding="utf-8"),
               nl=False)


@cli.command("baseline")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="The baseline file to write (default: the configuration's `baseline`).")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--env-file", "env_files", multiple=True)
def baseline_cmd(paths, output, config_file, env_files) -> None:
    """Write the fingerprints of today's findings, so that only new ones fail later runs."""
    from . import baseline, engine

    config = _config(paths, config_file)
    target = Path(output) if output else config.baseline_path()
    if target is None:
        raise click.UsageError("give the file to write with -o FILE (or set `baseline` in the configuration)")
    # stack by stack, each with its own configuration, as `check` reads them
    report = engine.check_stacks(list(paths) or ["."], config_file=Path(config_file) if config_file else None,
                                 env_files=_env_files(paths, env_files), use_config_baseline=False)
    write_output(target, baseline.render(report.findings))
    click.echo(f"wrote {len(report.findings)} fingerprints to {target}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["json", "dot", "mermaid", "html", "svg"]), default="json",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True))
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--env-file", "env_files", multiple=True)
def graph(paths, fmt, output, config_file, env_files) -> None:
    """The exposure map (html, svg, dot, mermaid) or the typed graph with it (json).

    Elements are coloured by the findings of `auditor check` with the same configuration."""
    from . import engine
    from .reporters.graph import render

    config = _config(paths, config_file)
    report = engine.check(list(paths) or ["."], config, env_files=_env_files(paths, env_files))
    _emit(render(report, fmt), output)


@cli.command("fix")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--apply", "apply_", is_flag=True, help="Write the edits (default: print them as a diff).")
@click.option("--unsafe-fixes", is_flag=True, help="Also propose fixes that change behaviour.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]), default=None,
              help="Lowest severity of a remaining finding that makes the exit code 1 (default: error).")
@click.option("--select", multiple=True, help="Only these rules: ids, names or family prefixes.")
@click.option("--ignore", multiple=True, help="Skip these rules: ids, names or family prefixes.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--env-file", "env_files", multiple=True)
def fix_cmd(paths, apply_, unsafe_fixes, fail_on, select, ignore, config_file, env_files) -> None:
    """Propose verified edits for the findings in PATHS, as a unified diff (secrets masked)."""
    from . import engine
    from .fix.run import run_fix, write

    config = _config(paths, config_file)
    try:
        run = run_fix(list(paths) or ["."], config, unsafe=unsafe_fixes, select=_split(select),
                      ignore=_split(ignore), env_files=_env_files(paths, env_files))
    except engine.SelectionError as exc:
        raise click.UsageError(f"--select/--ignore: {exc}") from None
    if apply_:
        for path in write(run):
            click.echo(f"fixed {path}", err=True)
    else:
        click.echo(run.diff(), nl=False)
    for fix in run.fixes:
        kind = "safe" if fix.safe else f"unsafe: {fix.reason}"
        click.echo(f"{fix.rule} {fix.edits[0].path}:{fix.edits[0].start}: {fix.title} ({kind})", err=True)
    for r in run.refusals:
        click.echo(f"note: {r.rule} {r.path}:{r.line}: not fixed: {r.reason}", err=True)
    if run.withheld_unsafe:
        click.echo(f"{len(run.withheld_unsafe)} more fix(es) change behaviour: see them with --unsafe-fixes",
                   err=True)
    verb = "applied" if apply_ else "proposed"
    click.echo(f"{len(run.fixes)} fix(es) {verb}, {len(run.remaining())} finding(s) remain.", err=True)
    sys.exit(engine.exit_code(run.remaining(), fail_on or config.fail_on or "error"))


def _emit(text: str, output: Optional[str], colour: bool = False) -> None:
    # Reporters escape what is not UTF-8; should anything slip through, it is shown escaped
    # (`\udcff`) rather than crash the write and lose the report.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if output:
        write_output(output, text)
    else:
        # click strips escape sequences off a stream that is not a terminal unless told the
        # colour is wanted (FORCE_COLOR, --color always)
        click.echo(text, nl=False, color=True if colour else None)


def main() -> None:
    """Entry point: no traceback ever reaches the user; an internal error is one line, exit 2."""
    from .baseline import BaselineError
    from .config import ConfigError

    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        sys.exit(2)
    except ConfigError as exc:
        click.echo(f"auditor: configuration error: {exc}", err=True)
        sys.exit(2)
    except (BaselineError, WriteRefused) as exc:
        click.echo(f"auditor: {exc}", err=True)
        sys.exit(2)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the contract: one line, exit 2, no traceback
        if isinstance(exc, KeyboardInterrupt):
            sys.exit(2)
        # The exception's text may quote the scanned tree (a value, a secret): only its type is shown.
        click.echo(f"auditor: internal error: {type(exc).__name__} (please report it)", err=True)
        sys.exit(2)

"""SEC001 in a compose `environment:`: move the value to the project's `.env` (which compose
reads for interpolation, and which git ignores), reference it as `${KEY}`, and add the key
without its value to the project's env template, so the next person knows to set it.

Unsafe: the value now comes from a file that is not committed; a deployment that does not have
that `.env` starts with an empty value. Refused when the project has no git-ignored `.env`
to receive it (moving a secret into another committed file fixes nothing), when `.env` already
sets the key to something else, and for values that interpolate, span lines or hold quotes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional, Union

from ...model import EnvEntry, Finding, Service
from ..edits import Edit, Fix, Refusal, line_of, newline_of
from .base import Context, refuse

_TEMPLATES = (".env.example", ".env.sample", ".env.template", ".env.dist")


def _entry_at(ctx: Context, f: Finding) -> tuple[Optional[Service], Optional[EnvEntry]]:
    for s in ctx.graph.services:
        for e in s.environment:
            if e.loc.path == f.path and e.loc.line == f.line:
                return s, e
    return None, None


def _in(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _append(ctx: Context, path: str, *new: str) -> Edit:
    text = ctx.read(path) or ""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):  # keep the last line whole, then add ours
        return Edit(path=path, start=len(lines), end=len(lines) + 1, lines=(lines[-1] + "\n", *new))
    return Edit(path=path, start=len(lines) + 1, end=len(lines) + 1, lines=tuple(new))


def move_to_env(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    kinds = {f.path: f for f in ctx.graph.files}
    moves: dict[str, list[_Move]] = {}
    for f in findings:
        source = kinds.get(f.path)
        if source is None or source.kind != "compose":
            continue  # only compose environments; an env file is where secrets belong
        service, entry = _entry_at(ctx, f)
        if service is None or entry is None or entry.value is None:
            yield refuse(f, "the environment entry is not where the finding says; re-run `auditor check`")
            continue
        project = next((p for p in ctx.graph.projects if p.id == service.project), None)
        env_path = _in(project.directory if project else "", ".env")
        env_file = kinds.get(env_path)
        if env_file is None or ctx.read(env_path) is None or env_file.tracked is not False:
            yield refuse(f, f"no git-ignored {env_path} to move the value into; create one, ignore it, and "
                            f"reference ${{{entry.key}}}")
            continue
        value = entry.value
        if "$" in value or "\n" in value or "'" in value or "\\" in value:
            yield refuse(f, "the value interpolates, spans lines or holds quotes; move it by hand")
            continue
        line = line_of(ctx.read(f.path) or "", f.line)
        form = re.match(rf"^(\s*-\s*[\"']?{re.escape(entry.key)}=)(.*?)([\"']?)(\s*(#.*)?)$", line.rstrip("\r\n")) \
            or re.match(rf"^(\s*[\"']?{re.escape(entry.key)}[\"']?\s*:\s+)(.*?)()(\s+#.*)?$", line.rstrip("\r\n"))
        if form is None:
            yield refuse(f, "the entry is not written on one line as KEY: value or - KEY=value")
            continue
        nl = newline_of(line)
        new_line = f"{form.group(1)}${{{entry.key}}}{form.group(3) or ''}{form.group(4) or ''}{nl}"
        existing = next((v for e in ctx.graph.env_files if e.path == env_path for v in e.vars if v.key == entry.key), None)
        if existing is not None and existing.value != value:
            yield refuse(f, f"{env_path} already sets {entry.key} to another value")
            continue
        quoted = value if re.fullmatch(r"[\w.,:/@%+=-]*", value) else f"'{value}'"
        template = next((p for p in (_in(project.directory if project else "", t) for t in _TEMPLATES)
                         if ctx.read(p) is not None), None)
        in_template = template and any(v.key == entry.key for e in ctx.graph.env_files if e.path == template
                                       for v in e.vars)
        moves.setdefault(env_path, []).append(_Move(
            finding=f, edit=Edit(path=f.path, start=f.line, end=f.line + 1, lines=(new_line,)),
            env_line=None if existing is not None else f"{entry.key}={quoted}\n",
            template=template, template_line=None if in_template or not template else f"{entry.key}=\n",
            title=f"{entry.key} of '{service.name}'"))
    # one fix per env file: several moves append to the same place
    for env_path, group in moves.items():
        edits = [m.edit for m in group]
        env_lines = list(dict.fromkeys(m.env_line for m in group if m.env_line))
        if env_lines:
            edits.append(_append(ctx, env_path, *env_lines))
        by_template: dict[str, list[str]] = {}
        for m in group:
            if m.template and m.template_line:
                by_template.setdefault(m.template, []).append(m.template_line)
        edits += [_append(ctx, t, *dict.fromkeys(lines)) for t, lines in by_template.items()]
        yield Fix(rule="SEC001", fingerprints=tuple(m.finding.fingerprint for m in group), safe=False,
                  reason=f"the values now come from the uncommitted {env_path}",
                  title=f"move {', '.join(m.title for m in group)} to {env_path}",
                  edits=tuple(edits))


@dataclass(frozen=True)
class _Move:
    finding: Finding
    edit: Edit
    env_line: Optional[str]
    template: Optional[str]
    template_line: Optional[str]
    title: str

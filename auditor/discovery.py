"""Which files under the root are inputs, and of which kind.

Names decide first; where a name is ambiguous (any YAML, JSON, `.conf`, `.tf`), a cheap look at
the content decides. Never leaves the root: links are resolved and kept only when their target
is inside it, and each directory is entered once (symlink loops end there).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Optional

from .paths import matches
from .knowledge.env_names import TEMPLATE_SUFFIX, TEMPLATE_WORDS
from .model import FileKind, LoadProblem, Loc, SourceFile
from .reader import Reader, decode
from .templates import GO_SUFFIXES, JINJA_SUFFIXES, engine_of, neutralize

_SNIFF_BYTES = 64 * 1024

SKIP_DIRS = {
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".terraform", ".idea", ".vscode",
}

# `env.example` (no leading dot) is as common a template name as `.env.example`, and
# `example.env` / `sample.env` name a template by its first word
_BARE_ENV_TEMPLATE = re.compile(rf"^env\.({'|'.join(TEMPLATE_WORDS)})$")
_TEMPLATE_ENV = re.compile(r"^(example|sample|template)\.env$")
_COMPOSE_NAME = re.compile(r"^(docker-)?compose([.\-_][\w.\-]*)?\.ya?ml$")
# A line that is a Jinja statement: YAML never starts a line with `{%`.
_JINJA_LINE = re.compile(r"^[ \t]*\{%-?[ \t]*(?:if|for|set|macro|include|import|block|extends|raw)\b", re.M)
_YAML_SERVICES = re.compile(r"^services\s*:[ \t]*(?P<rest>[^\n]*)", re.M)
_NGINX_BLOCK = re.compile(
    r"^\s*(?:(?:server|http|upstream|events)\s*(?:[\w.\-]+\s*)?\{|location\s+[^{;\n]*\{"
    r"|(?:listen|server_name|proxy_pass)\s+[^;\n]+;)",
    re.M,
)


@dataclass
class Discovered:
    files: list[SourceFile] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    secgroup_formats: dict[str, str] = field(default_factory=dict)
    # Dockerfiles are no input kind of their own (nothing is reported in them); the graph reads
    # them to know what the images built here hold
    dockerfiles: list[str] = field(default_factory=list)


def _parts(rel: str) -> list[str]:
    """`PurePosixPath(rel).parts` of a relative path, without building one (a path object per
    file is most of what a big tree of unrelated files costs)."""
    return [x for x in rel.split("/") if x and x != "."]


def _name(rel: str) -> str:
    parts = _parts(rel)
    return parts[-1] if parts else ""


def name_kind(rel: str) -> Optional[FileKind]:
    """The kind a file's name alone gives, or None when its content must decide."""
    name = _name(rel)
    lower = name.lower()
    if name == ".env" or name.startswith(".env.") or lower.endswith(".env") or _BARE_ENV_TEMPLATE.match(lower):
        return "env"
    if _COMPOSE_NAME.match(lower):
        return "compose"
    if lower.endswith((".md", ".markdown")):
        return "docs"
    return None


def is_dockerfile_name(name: str) -> bool:
    """`Dockerfile`, `Containerfile`, `Dockerfile.prod`, `api.dockerfile`."""
    lower = name.lower()
    return lower in ("dockerfile", "containerfile") or lower.startswith("dockerfile.") \
        or lower.endswith(".dockerfile")


def is_env_template(rel: str) -> bool:
    name = _name(rel).lower()
    return bool(TEMPLATE_SUFFIX.search(name) or _TEMPLATE_ENV.match(name))


_DIFF = re.compile(r"^(?:--- \S.*\n\+\+\+ \S|@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@|diff --git )", re.M)
# A line of nginx ends a statement or opens/closes a block; HOCON, INI and properties files
# assign with `=` or `:` and end their lines with the value.
_STATEMENT_END = re.compile(r"(?:;|\{|\})\s*(?:#.*)?$")
_ASSIGNMENT_LINE = re.compile(r"^\s*[\w.\-\"]+\s*(?:=|:(?!//))\s*\S.*[^;{}\s]\s*$")


# Lines only a shell reads: control words, array elements, `source`. A `*.env` holding them is
# a script fragment that a Dockerfile copies and an entrypoint sources, not a dotenv file.
_SHELL_LINE = re.compile(
    r"^[ \t]*(?:(?:if|then|elif|fi|for|while|until|do|done|case|esac|function|source)\b|"
    r"[A-Za-z_]\w*\[[^\]\n]*\]\+?=|\.[ \t]+\S)", re.M)


def is_shell_script(text: str) -> bool:
    return bool(_SHELL_LINE.search(text[:20000]))


def is_diff(text: str) -> bool:
    """A unified or git diff (`.env.patch`): the lines are changes to a file, not the file."""
    return bool(_DIFF.search(text[:20000]))


def reads_as_nginx(text: str) -> bool:
    """Positive evidence that a text is nginx configuration: a block or a directive nginx
    knows, and lines shaped as nginx statements rather than `key = value` assignments (HOCON
    `jvb.conf`, INI and properties files also have `http {` or `server` lines)."""
    if not _NGINX_BLOCK.search(text):
        return False
    code = [l for l in (line.split("#", 1)[0].strip() for line in text.splitlines()) if l]
    if not code:
        return False
    statements = sum(1 for l in code if _STATEMENT_END.search(l))
    assignments = sum(1 for l in code if _ASSIGNMENT_LINE.match(l) or l.startswith("//"))
    return statements >= 0.6 * len(code) and assignments <= max(2, 0.1 * len(code))


_ENGINES = {".tpl": "Go", ".tmpl": "Go", ".gotmpl": "Go", ".template": "envsubst"}


def _name_words(path: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", _name(path))}


def _template_suffix(lower: str) -> str:
    """`nginx.conf.j2` -> `.j2`: the suffix of a template's engine, "" when none."""
    return next((s for s in JINJA_SUFFIXES + GO_SUFFIXES if lower.endswith(s)), "")


_TF_RESOURCE = re.compile(r'resource\s+"?aws_(?:security_group|security_group_rule|vpc_security_group_(?:ingress|egress)_rule)"?[\s{"]'
                          # a call to the security-group module: its inputs name the rules
                          r'|^\s*(?:ingress_rules|ingress_with_cidr_blocks|ingress_cidr_blocks)\s*=', re.M)


_CFN_RESOURCE_TYPE = re.compile(r'"Type"\s*:\s*"AWS::[A-Za-z0-9]+::')


def sniff_secgroup_format(path: str, text: str) -> Optional[str]:
    """"aws-json", "terraform", "cfn" or None, from the file name and a few substrings."""
    name = path.lower()
    if name.endswith(".json"):
        cfn_type = "AWS::EC2::SecurityGroup" in text
        if "AWSTemplateFormatVersion" in text or _CFN_RESOURCE_TYPE.search(text):
            # a CloudFormation template: ECS services and load balancers also name
            # "SecurityGroups", which does not make them describe-security-groups output
            return "cfn" if cfn_type else None
        if '"SecurityGroups"' in text or '"SecurityGroupRules"' in text or '"IpPermissions"' in text:
            return "aws-json"
        return "cfn" if cfn_type else None
    if name.endswith(".tf"):
        return "terraform" if _TF_RESOURCE.search(text) else None
    if name.endswith((".yaml", ".yml", ".template")):
        return "cfn" if "AWS::EC2::SecurityGroup" in text else None
    return None


def content_kind(rel: str, reader: Reader) -> tuple[Optional[FileKind], Optional[str]]:
    """Kind (and security-group format) of an ambiguous file from its content."""
    parts = _parts(rel)
    lower = (parts[-1] if parts else "").lower()
    lower = lower[: len(lower) - len(_template_suffix(lower))] or lower
    parents = {part.lower() for part in parts[:-1]}
    in_nginx_dir = any(part.startswith("sites-") or part in ("conf.d", "nginx") for part in parents)
    candidates = lower.endswith((".yaml", ".yml", ".json", ".tf", ".conf", ".template")) or (
        in_nginx_dir and "." not in lower.lstrip(".")
    )
    if not candidates and not (in_nginx_dir and not lower.endswith((".md", ".txt", ".sh"))):
        return None, None
    text, problem = reader.read(rel)
    if text is None:
        # Too large to read whole: its head still tells the kind, and the loader then reports
        # the file as skipped (AUD002) instead of it vanishing without a word.
        from .reader import read_head, utf16_without_bom

        head = read_head(reader.root, rel, _SNIFF_BYTES) if problem is not None else None
        text = decode(head) if head is not None and "limit" in problem.message else None
        if head is not None and text is None and utf16_without_bom(head):
            text = head[:len(head) // 2 * 2].decode(utf16_without_bom(head), "replace")
        if text is None:
            return None, None
    if lower.endswith((".json", ".tf", ".yaml", ".yml")):
        fmt = sniff_secgroup_format(rel, text)
        if fmt:
            return "secgroup", fmt
    if lower.endswith((".yaml", ".yml")):
        return ("compose", None) if _services_mapping(text) else (None, None)
    if lower.endswith((".conf", ".template")) or in_nginx_dir:
        engine = engine_of(rel, text)
        if reads_as_nginx(neutralize(text, engine).text if engine else text):
            return "nginx", None
    return None, None


def discover(reader: Reader, paths: list[str], *, include: tuple[str, ...] = (),
             exclude: tuple[str, ...] = ()) -> Discovered:
    """Walk `paths` (root-relative) and classify every file; deterministic order."""
    out = Discovered()
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()
    limit = reader.limits.max_files
    count = 0

    def excluded(rel: str) -> bool:
        if matches(rel, exclude):
            return True
        return bool(include) and not matches(rel, include)

    def add_file(rel_written: str, abs_path: str, inside: bool = False) -> None:
        """`inside`: a plain file (no link) of a folder already known to lie inside the root,
        so resolving its path again (a realpath and a relative path per file, the cost of a
        tree of 20,000 unrelated files) can only say what is known."""
        nonlocal count
        kind = name_kind(rel_written)
        if not inside and reader.relpath(abs_path) is None:
            if kind or os.path.islink(abs_path):
                out.problems.append(LoadProblem(
                    rule="AUD002", message="link points outside the scanned root; not followed",
                    loc=Loc(path=rel_written)))
            return
        if rel_written in seen_files or excluded(rel_written):
            return
        seen_files.add(rel_written)
        if is_dockerfile_name(_name(rel_written)):
            if len(out.dockerfiles) < 2000:
                out.dockerfiles.append(rel_written)
            return
        fmt = None
        if kind is None:
            kind, fmt = content_kind(rel_written, reader)
        if kind is None:
            return
        if kind == "env":
            text, _ = reader.read(rel_written)
            if text is not None and (is_diff(text) or is_shell_script(text)):
                return  # `.env.patch`, a sourced shell fragment: not an env file
        suffix = _template_suffix(_name(rel_written).lower())
        if not suffix and kind == "compose" and _JINJA_LINE.search(reader.read(rel_written)[0] or ""):
            suffix = ".j2"  # `docker-compose.yml` written by a setup wizard from Jinja statements
        if not suffix and kind in ("compose", "secgroup") and "{{" in rel_written and "}}" in rel_written:
            suffix = ".j2"  # in a project template's tree (`{{cookiecutter.project_slug}}/`)
        if not suffix and kind == "compose" and "template" in _name_words(rel_written):
            suffix = ".template"  # `template-compose.yaml`, rendered by envsubst into the real file
        if suffix and kind in ("compose", "secgroup"):
            # a compose file or a template whose tags decide its structure: the rendered file
            # is not in the repository
            out.problems.append(LoadProblem(
                rule="AUD002", severity="note", loc=Loc(path=rel_written),
                message=f"{_ENGINES.get(suffix, 'Jinja')} template of a "
                        f"{'compose file' if kind == 'compose' else 'security-group file'}; not checked "
                        "(its values and structure come from the template's variables)"))
            return
        count += 1
        if count > limit:
            if count == limit + 1:
                out.problems.append(LoadProblem(
                    rule="AUD002", message=f"more than {limit} input files; the rest were not read",
                    loc=Loc(path=rel_written)))
            return
        out.files.append(SourceFile(path=rel_written, kind=kind))
        if fmt:
            out.secgroup_formats[rel_written] = fmt

    def walk(rel_dir: str) -> None:
        stack = [rel_dir]
        while stack:
            current = stack.pop()
            abs_dir = reader.abspath(current) if current else reader.root
            real = os.path.realpath(abs_dir)
            if real in seen_dirs:
                continue  # a link loop or a second way into the same folder
            seen_dirs.add(real)
            # (every folder walked was checked to lie inside the root before it was stacked)
            dir_inside = reader.relpath(real) is not None
            try:
                entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
            except OSError as exc:
                out.problems.append(LoadProblem(
                    rule="AUD002", message=f"folder cannot be listed: {exc.strerror or exc}",
                    loc=Loc(path=current or ".")))
                continue
            subdirs = []
            for entry in entries:
                rel = f"{current}/{entry.name}" if current else entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=True)
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.name in SKIP_DIRS or os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        continue
                    if reader.relpath(entry.path) is None:
                        out.problems.append(LoadProblem(
                            rule="AUD002", message="link points outside the scanned root; not followed",
                            loc=Loc(path=rel)))
                        continue
                    subdirs.append(rel)
                else:
                    try:
                        ok = entry.is_file(follow_symlinks=True) or entry.is_symlink()
                    except OSError:
                        ok = entry.is_symlink()
                    if ok:
                        add_file(rel, entry.path, inside=dir_inside and not entry.is_symlink())
            stack.extend(reversed(subdirs))

    for rel in paths:
        abs_path = reader.abspath(rel) if rel else reader.root
        if os.path.isdir(abs_path):
            walk(rel)
        else:
            add_file(rel, str(abs_path))
    out.files.sort(key=lambda f: f.path)
    return out


def _services_mapping(text: str) -> bool:
    """A top-level `services:` holding a mapping, as compose's does. Render blueprints,
    DigitalOcean app specs and CI files hold a list of services there: not compose."""
    for m in _YAML_SERVICES.finditer(text):
        rest = m["rest"].split("#", 1)[0].strip()
        if rest:
            if rest.startswith("{"):
                return True
            continue
        for line in text[m.end():].split("\n", 40)[1:40]:
            body = line.strip()
            if body and not body.startswith("#"):
                if not body.startswith("-") and line[:1] in (" ", "\t"):
                    return True
                break
    return False

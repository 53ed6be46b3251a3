"""Terraform values known before `plan`: variable defaults and locals of a module folder, and
the inputs of calls to the terraform-aws-modules/security-group module.

`cidr_blocks = var.admin_cidrs` with `default = ["0.0.0.0/0"]` opens to the world unless the
caller overrides it, as most do not; `locals { office = "203.0.113.0/24" }` is fixed. Anything
else (data sources, resource attributes, functions, `count.index`) stays unknown.

Calls to the security-group module (`source = "terraform-aws-modules/security-group/aws"`,
its `//modules/<name>` presets, or a local folder that holds it) become rules from their inputs:
`ingress_rules` (named rules, see `auditor/knowledge/terraform_modules.py`) over
`ingress_cidr_blocks`, and `ingress_with_cidr_blocks` entries (`rule` or ports, with
`cidr_blocks = "a,b"`).
"""
from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ...knowledge.terraform_modules import SG_MODULE_AUTO_INGRESS, SG_MODULE_RULES
from ...reader import Reader

_REF = re.compile(r"^(var|local)\.([A-Za-z_][\w-]*)$")
_REGISTRY = re.compile(r"^(?:registry\.terraform\.io/)?terraform-aws-modules/security-group/aws(?://modules/([\w-]+))?$")
_MAX_DEPTH = 8


@dataclass
class FolderValues:
    """Variable defaults and locals of one Terraform module folder."""

    defaults: dict[str, Any] = field(default_factory=dict)  # name -> Expr
    locals: dict[str, Any] = field(default_factory=dict)
    auto_ingress: Optional[tuple[str, ...]] = None  # a security-group preset's own named rules
    sg_module: bool = False  # the folder declares the security-group module's inputs


def folder_values(reader: Reader, folder: str, parse: Callable[[str], Any]) -> FolderValues:
    """Read every `*.tf` of `folder` (root-relative) through the reader."""
    out = FolderValues()
    try:
        names = sorted(e.name for e in os.scandir(reader.abspath(folder) if folder else reader.root)
                       if e.name.endswith(".tf") and e.is_file())
    except OSError:
        return out
    for name in names[:200]:
        rel = f"{folder}/{name}" if folder else name
        text, _ = reader.read(rel)
        if text is None:
            continue
        root, _issues = parse(text)
        for block in root.blocks:
            if block.type == "variable" and block.labels:
                if block.labels[0] == "ingress_rules":
                    out.sg_module = True
                if "default" in block.attrs:
                    out.defaults[block.labels[0]] = block.attrs["default"]
                    if block.labels[0] == "auto_ingress_rules":
                        found = block.attrs["default"]
                        if found.kind == "list":
                            out.auto_ingress = tuple(str(i.value) for i in found.value if i.kind == "str")
            elif block.type == "locals":
                out.locals.update(block.attrs)
    return out


class Resolver:
    """Resolves `var.x` / `local.x` references of one folder, noting which it used."""

    def __init__(self, values: Optional[FolderValues]):
        self.values = values or FolderValues()
        self.used: list[str] = []

    def expr(self, value: Any, depth: int = 0) -> Any:
        if value is None or depth > _MAX_DEPTH:
            return value
        if value.kind == "raw":
            m = _REF.match(value.value.strip()) if isinstance(value.value, str) else None
            table = (self.values.defaults if m.group(1) == "var" else self.values.locals) if m else {}
            found = table.get(m.group(2)) if m else None
            if found is None:
                return value
            self.used.append(f"{'variable' if m.group(1) == 'var' else 'local'} {m.group(2)}")
            return self.expr(found, depth + 1)
        if value.kind == "list":
            return type(value)(value.kind, [self.expr(i, depth + 1) for i in value.value], value.start)
        return value

    def via(self) -> str:
        used = list(dict.fromkeys(self.used))
        if not used:
            return ""
        defaults = [u for u in used if u.startswith("variable")]
        text = ", ".join(used)
        return f"by default ({text})" if defaults else f"({text})"


# ---------------------------------------------------------------- module calls


def sg_module_preset(source: str, reader: Reader, caller_folder: str,
                     load: Callable[[str], FolderValues]) -> Optional[tuple[str, tuple[str, ...]]]:
    """(module label, named ingress rules its preset adds) when `source` is the security-group
    module or one of its presets; None for any other module."""
    m = _REGISTRY.match(source.strip())
    if m:
        preset = m.group(1)
        return ("terraform-aws-modules/security-group", SG_MODULE_AUTO_INGRESS.get(preset, ()) if preset else ())
    if not source.startswith(("./", "../")):
        return None
    target = posixpath.normpath(posixpath.join(caller_folder, source))
    if target.startswith("..") or posixpath.isabs(target):
        return None  # outside the root: never read
    target = "" if target == "." else target
    values = load(target)
    if values.auto_ingress is not None:
        return ("security-group preset", values.auto_ingress)
    if values.sg_module:
        return ("security-group module", ())
    return None


def named_rule(name: str) -> Optional[tuple[int, int, str, str]]:
    return SG_MODULE_RULES.get(name)


def split_cidrs(text: str) -> list[str]:
    """`cidr_blocks = "0.0.0.0/0,2.2.2.2/32"` as the module reads it."""
    return [c.strip() for c in text.split(",") if c.strip()]



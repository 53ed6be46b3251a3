"""Stacks: a scanned folder may hold several, each with its own configuration.

A folder with a `.auditor.toml` (or a pyproject.toml with `[tool.auditor]`) below the scanned
root is a stack of its own: it is checked with that configuration, its files are never mixed
into the graph of the stack around it (two deployments do not share host ports), and its
findings are the same whether one runs `auditor check .` or `auditor check deploy/` (paths
then carry the `deploy/` prefix). The pre-commit hook checks each stack that holds a changed
file (`stacks_of`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .config import Config, find_config, has_config, load_config
from .discovery import SKIP_DIRS


@dataclass
class Stack:
    root: Path                      # absolute, resolved
    prefix: str                     # root relative to the scanned root, "" for the scanned root
    paths: list[str] = field(default_factory=list)   # relative to `root`; "" is all of it
    nested: list[str] = field(default_factory=list)  # folders (relative to `root`) of inner stacks
    config: Optional[Config] = None


def _nested_config_dirs(top: Path, start: Path) -> list[Path]:
    """Folders below `start` (itself excluded) that hold a configuration; never leaves `top`."""
    found: list[Path] = []
    seen: set[str] = set()
    stack = [start]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen or not _inside(Path(real), top):
            continue
        seen.add(real)
        if folder != start and has_config(folder):
            found.append(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False) and e.name not in SKIP_DIRS \
                        and not os.path.exists(os.path.join(e.path, "pyvenv.cfg")):
                    stack.append(Path(e.path))
            except OSError:
                continue
    return sorted(found)


def _inside(path: Path, top: Path) -> bool:
    return path == top or top in path.parents


def split(root: Path, rel_paths: Sequence[str]) -> list[Stack]:
    """The stacks that `rel_paths` (relative to the scanned `root`) cover, outermost first.

    The scanned root's stack uses the configuration found from it upwards; every folder below
    with its own configuration is a stack (whole, whenever a scanned path covers it; or the
    scanned paths inside it)."""
    root = Path(os.path.realpath(root))
    targets = [root / p if p else root for p in (rel_paths or [""])]
    inner: set[Path] = set()
    for t in targets:
        folder = t if t.is_dir() else t.parent
        # a scanned path inside a stack folder (between the root and the path) belongs to it
        for parent in [folder, *folder.parents]:
            if parent == root or not _inside(parent, root):
                break
            if has_config(parent):
                inner.add(parent)
        if t.is_dir():
            inner.update(_nested_config_dirs(root, t))
    roots = [root, *sorted(inner)]
    stacks = {r: Stack(root=r, prefix="" if r == root else r.relative_to(root).as_posix()) for r in roots}
    for t in targets:
        owner = max((r for r in roots if _inside(t, r)), key=lambda r: len(r.parts))
        stacks[owner].paths.append("" if t == owner else t.relative_to(owner).as_posix())
        if t.is_dir():  # inner stacks below a scanned folder are checked whole
            for r in inner:
                if r != t and _inside(r, t) and r != owner:
                    stacks[r].paths.append("")
    for r, s in stacks.items():
        s.paths = sorted(set(s.paths)) if "" not in s.paths else [""]
        # inner stacks are their own: the stack around them never reads their files
        s.nested = sorted(o.relative_to(r).as_posix() for o in roots if o != r and _inside(o, r))
    return [s for s in stacks.values() if s.paths]


def configure(stacks: list[Stack], config_file: Optional[Path] = None) -> list[Stack]:
    """Each stack's configuration: its own nearest file (`--config FILE` applies to all)."""
    for s in stacks:
        s.config = load_config(config_file if config_file else find_config(s.root))
    return stacks


def stacks_of(files: Sequence[str], top: Path) -> list[str]:
    """The stack folders (relative to `top`, "" for `top` itself) that hold `files`: for the
    pre-commit hook, which checks every stack with a changed file, each with its own config."""
    top = Path(os.path.realpath(top))
    out: set[str] = set()
    for f in files:
        path = Path(os.path.realpath(top / f))
        if not _inside(path, top):
            continue
        owner = top
        for parent in path.parents:
            if parent == top or not _inside(parent, top):
                break
            if has_config(parent):
                owner = parent
                break
        out.add("" if owner == top else owner.relative_to(top).as_posix())
    return sorted(out)

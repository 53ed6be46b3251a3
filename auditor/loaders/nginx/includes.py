"""nginx `include`: where an include points in the repo, and inlining it into a statement tree.

nginx resolves a relative include against its prefix (the directory of nginx.conf, /etc/nginx in
the official image) and an absolute one on the machine running it. We map both back into the
scanned tree: through the bind mounts of the compose service running nginx when there is one,
else against the entry's directory and the directories above the including file. Nothing outside
the root is ever opened: such includes are AUD002 problems, and even listing a directory for a
glob goes through the Reader's confinement.
"""
from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from ...model import LoadProblem, Mount
from ...reader import Reader, is_dir, is_file
from .syntax import Stmt

# Absolute paths where nginx (or certbot) keeps its own files on a host or in an image: an include
# there that the repo does not hold is simply unresolved (mime.types, options-ssl-nginx.conf).
_NGINX_PREFIXES = (
    "/etc/nginx/", "/usr/local/nginx/conf/", "/usr/local/openresty/nginx/conf/", "/etc/openresty/",
    "/usr/local/etc/nginx/", "/opt/homebrew/etc/nginx/", "/opt/bitnami/nginx/conf/",
    "/config/nginx/",
)
_HOST_PREFIXES = _NGINX_PREFIXES + ("/etc/letsencrypt/", "/usr/share/nginx/", "/usr/local/openresty/")

# Expanding includes multiplies statements (a file included 10 times including one included 10
# times...): past this many statements in one configuration the remaining includes are not read.
MAX_EXPANDED_STATEMENTS = 200_000

_MAGIC = re.compile(r"[*?[]")


@dataclass(frozen=True)
class Runner:
    """How the container running a configuration sees the repo."""

    mounts: tuple[Mount, ...] = ()  # bind mounts of the service running nginx
    prefix: str = "/etc/nginx"  # nginx's prefix inside that container


@dataclass
class Resolved:
    files: list[str] = field(default_factory=list)  # root-relative, real paths, in nginx's order
    outside: bool = False  # the include (or a match of it) leads outside the root: not read
    # an absolute path of the machine that runs nginx, which the repository does not hold
    # (`/data/nginx/custom/*.conf`, filled in at run time): not followed, and no fault of the repo
    machine: bool = False


class IncludeResolver:
    def __init__(self, reader: Reader, entry: str, runner: Optional[Runner] = None):
        self.reader = reader
        self.entry_dir = posixpath.dirname(entry)
        self.runner = runner
        # A file included many times (fan-out: each file includes the next ten times) must not
        # cost a walk of the file system each time: an answer depends on the folder and the ref.
        self._cache: dict[tuple[str, str], Resolved] = {}

    def resolve(self, including: str, ref: str) -> Resolved:
        key = (posixpath.dirname(including), ref)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(including, ref)
        return Resolved(list(found.files), found.outside, found.machine)

    def _resolve(self, including: str, ref: str) -> Resolved:
        if not ref or "\x00" in ref:
            return Resolved()
        if ref.startswith("/"):
            return self._absolute(posixpath.normpath(ref))
        if self.runner is not None:
            found = self._through_mounts(posixpath.normpath(posixpath.join(self.runner.prefix, ref)))
            if found is not None and (found.files or found.outside):
                return found
        return self._in_repo(posixpath.dirname(including), ref)

    # -- absolute paths -----------------------------------------------------

    def _absolute(self, path: str) -> Resolved:
        root = str(self.reader.root)
        if path == root or path.startswith(root.rstrip("/") + "/"):
            return self._match(posixpath.relpath(path, root))
        if self.runner is not None:
            found = self._through_mounts(path)
            if found is not None:
                return found
        for prefix in _NGINX_PREFIXES:  # a host nginx: look for the prefix's layout in the repo
            if path.startswith(prefix):
                return self._in_repo(self.entry_dir, path[len(prefix):], flag_outside=False)
        if path.startswith(_HOST_PREFIXES):
            return Resolved()
        return Resolved(machine=True)

    def _through_mounts(self, path: str) -> Optional[Resolved]:
        """The repo files a container path maps to; None when no bind mount covers it."""
        best: Optional[Mount] = None
        for m in self.runner.mounts if self.runner else ():
            target = posixpath.normpath(m.target) if m.target else ""
            if m.type != "bind" or not target.startswith("/"):
                continue
            if path == target or path.startswith(target.rstrip("/") + "/"):
                if best is None or len(target) > len(posixpath.normpath(best.target)):
                    best = m
        if best is None:
            return None
        if not best.inside_root:
            return Resolved()  # a host file mounted into the container, not part of the repo
        rest = posixpath.relpath(path, posixpath.normpath(best.target))
        source = best.source.strip("/")
        rel = source if rest == "." else posixpath.join(source, rest) if source not in ("", ".") else rest
        return self._match(posixpath.normpath(rel))

    # -- relative paths -----------------------------------------------------

    def _in_repo(self, here: str, ref: str, flag_outside: bool = True) -> Resolved:
        """First of: the entry's directory, the including file's (`here`), then the ones above it."""
        primary = [self.entry_dir, here]
        bases = list(dict.fromkeys(primary + _parents(here)))
        outside = False
        for base in bases:
            rel = posixpath.normpath(posixpath.join(base, ref)) if base else posixpath.normpath(ref)
            if rel == ".." or rel.startswith("../"):
                outside = outside or (flag_outside and base in primary)
                continue
            found = self._match(rel)
            if found.files:
                return found
            outside = outside or found.outside
        return Resolved(outside=outside)

    # -- matching inside the root ---------------------------------------------

    def _match(self, rel: str) -> Resolved:
        """Files at a normalised root-relative path or glob, confined to the root."""
        if rel == ".." or rel.startswith("../"):
            return Resolved(outside=True)
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if not parts:
            return Resolved()
        dirs = [""]
        out = Resolved()
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            following: list[str] = []
            for d in dirs:
                for name in self._names(d, part):
                    real = self.reader.relpath(self.reader.abspath(f"{d}/{name}" if d else name))
                    if real is None:  # a link (or a `..` through one) out of the root
                        out.outside = True
                        continue
                    path = self.reader.abspath(real)
                    # os.path's tests: Path.is_file raises on a name too long (ENAMETOOLONG)
                    if is_file(path) if last else is_dir(path):
                        following.append(real)
            dirs = following
        out.files = list(dict.fromkeys(dirs))
        return out

    def _names(self, directory: str, part: str) -> list[str]:
        if not _MAGIC.search(part):
            return [part]
        try:
            names = os.listdir(self.reader.abspath(directory))
        except OSError:
            return []
        # glob(3), as nginx calls it, sorts and skips dot files unless the pattern names them
        return sorted(n for n in names
                      if fnmatch.fnmatchcase(n, part) and (part.startswith(".") or not n.startswith(".")))


def _parents(directory: str) -> list[str]:
    out = []
    while directory:
        directory = posixpath.dirname(directory)
        out.append(directory)
    return out


# ---------------------------------------------------------------- expansion


@dataclass
class Expansion:
    tree: list[Stmt]
    files: list[str]  # every file read, entry first
    problems: list[LoadProblem]
    # per including file, the absolute includes it names that the repository does not hold
    machine: dict[str, list[tuple[Stmt, str]]] = field(default_factory=dict)


def expand(entry: str, tree: list[Stmt], parsed: Callable[[str], Optional[list[Stmt]]],
           resolver: IncludeResolver, max_depth: int) -> Expansion:
    """`tree` with every resolvable include replaced by the statements of the included files.

    Iterative (an explicit stack) so neither deep blocks nor long include chains recurse.
    """
    out: list[Stmt] = []
    result = Expansion(out, [entry], [])
    budget = MAX_EXPANDED_STATEMENTS
    # (statements still to copy, where copies go, chain of files being included)
    stack: list[tuple[Sequence[Stmt], int, list[Stmt], tuple[str, ...]]] = [(tree, 0, out, (entry,))]
    while stack:
        stmts, i, dst, chain = stack.pop()
        if i == 0 and chain[-1] not in result.files:  # in reading order, not push order
            result.files.append(chain[-1])
        # statements without a block are copied here in a row; an include or a block puts the
        # rest of `stmts` back on the stack, under what it brings, so the order stays depth-first
        while i < len(stmts):
            s = stmts[i]
            i += 1
            budget -= 1
            if s.block is None and (s.name != "include" or len(s.args) != 1):
                dst.append(s)
                continue
            stack.append((stmts, i, dst, chain))
            if s.block is not None:
                copy = Stmt(s.name, s.args, s.path, s.line, s.column, [])
                dst.append(copy)
                stack.append((s.block, 0, copy.block, chain))
            elif budget <= 0:
                result.problems.append(_problem(s, f"include expansion passed {MAX_EXPANDED_STATEMENTS} "
                                                   "directives; not read"))
            else:
                included = _included(s, resolver, chain, max_depth, result)
                for path in reversed(included):  # the stack pops the first match first
                    sub = parsed(path)
                    if sub is not None:
                        stack.append((sub, 0, dst, chain + (path,)))
            break
    result.problems.extend(_machine_note(found) for found in result.machine.values())
    return result


def _machine_note(found: list[tuple[Stmt, str]]) -> LoadProblem:
    """One note per file for the absolute includes it names that are not in the repository:
    they name files of the machine (or container) that runs nginx, so the repository is not
    at fault, but what they hold is not checked."""
    refs = list(dict.fromkeys(ref for _, ref in found))
    shown = ", ".join(repr(r) for r in refs[:3]) + (f" and {len(refs) - 3} more" if len(refs) > 3 else "")
    what, it = ("an include names a path", "it adds") if len(refs) == 1 else \
        (f"{len(refs)} includes name paths", "they add")
    return LoadProblem(rule="AUD002", severity="note", loc=found[0][0].loc,
                       message=f"nginx: {what} on the machine that runs nginx, not in the "
                               f"repository ({shown}); not followed, so what {it} is not checked")


def _included(s: Stmt, resolver: IncludeResolver, chain: tuple[str, ...], max_depth: int,
              result: Expansion) -> list[str]:
    ref = s.args[0]
    try:
        found = resolver.resolve(s.path, ref)
    except Exception as exc:  # a resolver bug must not cost the whole configuration
        result.problems.append(LoadProblem(rule="AUD001", message=f"nginx: include {ref!r} "
                                           f"cannot be resolved: {type(exc).__name__}", loc=s.loc))
        return []
    if found.outside:
        result.problems.append(_problem(s, f"include {ref!r} points outside the scanned root; not read"))
    if found.machine:
        result.machine.setdefault(s.path, []).append((s, ref))
    keep = []
    for path in found.files:
        if path in chain:
            result.problems.append(_problem(s, f"include cycle: {' -> '.join(chain[chain.index(path):])}"
                                               f" -> {path}; not read again"))
        elif len(chain) > max_depth:
            result.problems.append(_problem(s, f"includes nested deeper than {max_depth}; {path} not read"))
        else:
            keep.append(path)
    return keep


def _problem(s: Stmt, message: str) -> LoadProblem:
    return LoadProblem(rule="AUD002", message=f"nginx: {message}", loc=s.loc)

"""Git awareness without git: is each scanned file tracked, ignored, or new?

A git-ignored file (a developer's real `.env`) is never committed: it still feeds the graph
(its ports and URLs are the ones the stack really uses) but the engine does not report it as a
committed plaintext secret. Tracked files and untracked-but-not-ignored files (about to be
committed) are reported like any other.

The scanned tree is hostile, and git runs commands its repository's config names
(`core.fsmonitor`, hooks, filters) and reads files that config points at. So git is never run:
this module reads the index (`.git/index`) and the ignore files (`.gitignore`,
`.git/info/exclude`) itself, and only those inside the root. A `.git` that is a file or a link
(a worktree, a submodule, or a pointer planted elsewhere), a repository above the root, an index
format it does not know, or an ignore pattern too intricate to judge quickly all mean "unknown":
every file is then treated as committed, which reports more, never less.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Iterable, Literal, Optional

from .reader import read_confined

Status = Literal["tracked", "ignored", "untracked"]

_MAX_INDEX_BYTES = 256 * 1024 * 1024
_MAX_IGNORE_BYTES = 1024 * 1024
_MAX_PATTERN = 512  # characters; longer ignore patterns make the whole status unknown
_MAX_STARS = 8  # wildcards per pattern: more would let one pattern cost a power of the path length


class Unknown(Exception):
    """Something git would know and this reader cannot judge: status is unknown."""


def file_status(root: Path, paths: Iterable[str]) -> dict[str, Status]:
    """Git's view of each root-relative path; empty when it cannot be known from inside the root."""
    paths = list(paths)
    root = Path(os.path.realpath(root))
    if not paths or not _is_real_dir(root / ".git"):
        return {}
    try:
        tracked, tracked_dirs = read_index(root)
        ignore = _Ignores(root)
        status: dict[str, Status] = {}
        for p in paths:
            if p in tracked or any(p.startswith(d) for d in tracked_dirs):
                status[p] = "tracked"
            elif ignore.ignored(p):
                status[p] = "ignored"
            else:
                status[p] = "untracked"
        return status
    except Unknown:
        return {}


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _read(root: Path, rel: str, limit: int, *, required: bool) -> Optional[bytes]:
    data, problem = read_confined(root, rel, limit)
    if data is None and (required or problem != "missing"):
        raise Unknown(problem)
    return data


# ---------------------------------------------------------------- the index


def read_index(root: Path) -> tuple[set[str], tuple[str, ...]]:
    """Paths the index of `root/.git` holds, and the folders a sparse index holds whole."""
    data = _read(root, ".git/index", _MAX_INDEX_BYTES, required=False)
    if data is None:
        return set(), ()  # a fresh repository: nothing tracked yet
    for oid_len in (20, 32):  # SHA-1, else SHA-256 repositories
        try:
            return _parse_index(data, oid_len)
        except (Unknown, IndexError, ValueError):
            continue
    raise Unknown("index")


def _parse_index(data: bytes, oid_len: int) -> tuple[set[str], tuple[str, ...]]:
    if data[:4] != b"DIRC":
        raise Unknown("not an index")
    version = int.from_bytes(data[4:8], "big")
    count = int.from_bytes(data[8:12], "big")
    if version not in (2, 3, 4) or count > len(data) // 40:
        raise Unknown(f"index version {version}")
    end = len(data) - oid_len  # the trailing checksum
    pos, previous = 12, b""
    paths: set[str] = set()
    dirs: list[str] = []
    for _ in range(count):
        start = pos
        mode = int.from_bytes(data[pos + 24:pos + 28], "big")
        pos += 40 + oid_len
        flags = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        if flags & 0x4000:
            if version < 3:
                raise Unknown("extended flag in a version 2 index")
            pos += 2
        if version == 4:
            strip, pos = _varint(data, pos)
            if strip > len(previous):
                raise Unknown("bad path compression")
            nul = data.index(b"\0", pos)
            name = previous[:len(previous) - strip] + data[pos:nul]
            pos = nul + 1
        else:
            nul = data.index(b"\0", pos)
            name = data[pos:nul]
            pos = start + ((nul - start) // 8 + 1) * 8  # padded with 1-8 NULs to a multiple of 8
        if pos > end:
            raise Unknown("truncated index")
        previous = name
        text = name.decode("utf-8", "surrogateescape")
        if stat.S_ISDIR(mode) and text.endswith("/"):
            dirs.append(text)  # a sparse-index folder: everything under it is tracked
        else:
            paths.add(text)
    while pos + 8 <= end:  # extensions: a split index keeps entries in another file
        signature, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "big")
        if signature == b"link":
            raise Unknown("split index")
        pos += 8 + size
    if pos != end:
        raise Unknown("index extensions do not add up")
    return paths, tuple(dirs)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """git's offset varint (varint.c): each continuation adds one before shifting."""
    c = data[pos]
    pos += 1
    value = c & 0x7F
    while c & 0x80:
        c = data[pos]
        pos += 1
        value = ((value + 1) << 7) | (c & 0x7F)
        if value > 1 << 32:
            raise Unknown("varint")
    return value, pos


# ---------------------------------------------------------------- ignore rules


class _Pattern:
    __slots__ = ("negated", "dir_only", "regex")

    def __init__(self, negated: bool, dir_only: bool, regex: "re.Pattern[str]"):
        self.negated, self.dir_only, self.regex = negated, dir_only, regex


def parse_ignore(text: str) -> list[_Pattern]:
    """The patterns of one ignore file (gitignore(5)), in file order."""
    out = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        line = _strip_trailing_spaces(line)
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        if not line:
            continue
        if len(line) > _MAX_PATTERN or line.count("*") + line.count("?") + line.count("[") > _MAX_STARS:
            raise Unknown("ignore pattern too intricate")
        dir_only = line.endswith("/") and not line.endswith("\\/")
        if dir_only:
            line = line.rstrip("/")
            if not line:
                continue
        anchored = "/" in line
        if line.startswith("/"):
            line = line[1:]
        body = _translate(line)
        regex = ("" if anchored else "(?:.*/)?") + body
        out.append(_Pattern(negated, dir_only, re.compile(regex + r"\Z", re.S)))
    return out


def _strip_trailing_spaces(line: str) -> str:
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped[:-1] + " "  # `\ ` keeps one escaped space
    return stripped


def _translate(pattern: str) -> str:
    """A gitignore glob (wildmatch with FNM_PATHNAME) as a regular expression."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            stars = j - i
            at_start = i == 0 or pattern[i - 1] == "/"
            at_end = j == n or pattern[j] == "/"
            if stars >= 2 and at_start and at_end:
                if j == n:
                    out.append(".*")  # `a/**`: everything inside
                    i = j
                else:
                    out.append("(?:.*/)?")  # `**/`: zero or more folders
                    i = j + 1
                continue
            out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            if j >= n:
                out.append(re.escape(c))  # no closing bracket: a literal `[`
                i += 1
                continue
            inner = pattern[i + 1:j]
            negate = inner[:1] in ("!", "^")
            if negate:
                inner = inner[1:]
            chars = re.sub(r"\\(.)", r"\1", inner)
            escaped = "".join("-" if ch == "-" else re.escape(ch) for ch in chars)
            out.append(f"[^/{escaped}]" if negate else f"[{escaped}]")
            i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


class _Ignores:
    """`.git/info/exclude` and every `.gitignore` inside the root, read once each."""

    def __init__(self, root: Path):
        self.root = root
        self._files: dict[str, list[_Pattern]] = {}
        self._dirs: dict[str, bool] = {}
        exclude = _read(root, ".git/info/exclude", _MAX_IGNORE_BYTES, required=False)
        self._exclude = parse_ignore(exclude.decode("utf-8", "replace")) if exclude else []

    def _patterns(self, folder: str) -> list[_Pattern]:
        if folder not in self._files:
            rel = f"{folder}/.gitignore" if folder else ".gitignore"
            data = _read(self.root, rel, _MAX_IGNORE_BYTES, required=False)
            self._files[folder] = parse_ignore(data.decode("utf-8", "replace")) if data else []
        return self._files[folder]

    def _match(self, path: str, is_dir: bool) -> bool:
        """Last matching pattern wins; deeper ignore files win over shallower, and all over exclude."""
        verdict = False
        parts = path.split("/")
        layers = [("", self._exclude)] + [
            ("/".join(parts[:k]), self._patterns("/".join(parts[:k]))) for k in range(len(parts))]
        for base, patterns in layers:
            rel = path[len(base) + 1:] if base else path
            for p in patterns:
                if p.dir_only and not is_dir:
                    continue
                if p.regex.match(rel):
                    verdict = not p.negated
        return verdict

    def _dir_ignored(self, folder: str) -> bool:
        if folder not in self._dirs:
            parent = folder.rpartition("/")[0]
            self._dirs[folder] = (bool(parent) and self._dir_ignored(parent)) or self._match(folder, True)
        return self._dirs[folder]

    def ignored(self, path: str) -> bool:
        """A file is ignored when a pattern says so or a folder above it is ignored (git does not
        look inside an ignored folder, so a negation below it cannot bring a file back)."""
        folder = path.rpartition("/")[0]
        if folder and self._dir_ignored(folder):
            return True
        return self._match(path, False)

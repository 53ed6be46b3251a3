"""Reading files under the scanned root: confinement, size limits, decoding.

Every loader reads through one `Reader`, so no path outside the root is ever opened and every
file is decoded the same way (BOM-aware, CRLF folded so line numbers stay right).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .model import LoadProblem, Loc


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 5 * 1024 * 1024
    max_files: int = 20_000
    max_depth: int = 200  # nesting of YAML/JSON structures
    max_yaml_nodes: int = 2_000_000  # nodes visited while composing one YAML document
    max_include_depth: int = 16


class Reader:
    """Reads text files by root-relative path; caches the decoded text."""

    def __init__(self, root: Path, limits: Limits = Limits()):
        self.root = Path(os.path.realpath(root))
        self.limits = limits
        self._cache: dict[str, tuple[Optional[str], Optional[LoadProblem]]] = {}

    # -- paths ---------------------------------------------------------------

    def relpath(self, path: "str | os.PathLike[str]") -> Optional[str]:
        """Root-relative `/` path of `path` after resolving links, or None when outside the root."""
        real = os.path.realpath(path)
        root = str(self.root)
        if real == root:
            return ""
        if not real.startswith(root.rstrip(os.sep) + os.sep):
            return None
        return Path(real).relative_to(self.root).as_posix()

    def resolve(self, base_dir: str, ref: str) -> Optional[str]:
        """A path written in a file of `base_dir` (root-relative), resolved inside the root."""
        if os.path.isabs(ref):
            return self.relpath(ref) if ref.startswith(str(self.root) + os.sep) else None
        return self.relpath(self.root / base_dir / ref)

    def abspath(self, rel: str) -> Path:
        return self.root / rel

    def exists(self, rel: str) -> bool:
        return self.relpath(self.root / rel) is not None and is_file(self.root / rel)

    # -- text ----------------------------------------------------------------

    def read(self, rel: str) -> tuple[Optional[str], Optional[LoadProblem]]:
        if rel not in self._cache:
            self._cache[rel] = self._read(rel)
        return self._cache[rel]

    def _read(self, rel: str) -> tuple[Optional[str], Optional[LoadProblem]]:
        loc = Loc(path=rel)
        path = self.root / rel
        if self.relpath(path) is None:
            return None, LoadProblem(rule="AUD002", message="link points outside the scanned root; not read", loc=loc)
        limit = self.limits.max_file_bytes
        try:
            # O_NONBLOCK: a FIFO (or a device) named like an input must not block the run; only
            # regular files are read, and never more than the limit (the file may grow meanwhile).
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    return None, LoadProblem(rule="AUD002", message="not a regular file; not read", loc=loc)
                if st.st_size > limit:
                    return None, _too_large(st.st_size, limit, loc)
                chunks, size = [], 0
                while size <= limit:
                    chunk = os.read(fd, min(1 << 20, limit + 1 - size))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
            finally:
                os.close(fd)
            if size > limit:  # grew after fstat
                return None, LoadProblem(rule="AUD002", message=f"file is over the {limit}-byte limit; not read",
                                         loc=loc)
            data = b"".join(chunks)
        except OSError as exc:
            return None, LoadProblem(rule="AUD002", message=f"cannot be read: {exc.strerror or exc}", loc=loc)
        text = decode(data)
        if text is None:
            return None, LoadProblem(rule="AUD002", message="binary or undecodable content; not read", loc=loc)
        return text, None


def is_file(path: "str | os.PathLike[str]") -> bool:
    """`os.path.isfile`: False (not an exception) for a name too long, a link loop, no access."""
    return os.path.isfile(path)


def is_dir(path: "str | os.PathLike[str]") -> bool:
    return os.path.isdir(path)


def _too_large(size: int, limit: int, loc: Loc) -> LoadProblem:
    return LoadProblem(rule="AUD002", message=f"file is {size} bytes, over the {limit}-byte limit; not read",
                       loc=loc)


def decode(data: bytes) -> Optional[str]:
    """Text of `data`, or None for binary. UTF-8 (BOM or not), UTF-16 with BOM, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        codecs = ("utf-8",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codecs = ("utf-16",)
    else:
        codecs = ("utf-8", "latin-1")
    for codec in codecs:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        if codec == "latin-1" and _looks_binary(text):
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return None


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(8, len(text[:4096]) // 50)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


@dataclass
class Lines:
    """Index of line starts for fast offset → (line, column) in large files."""

    text: str
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [0]
        find = self.text.find
        i = find("\n")
        while i != -1:
            self.starts.append(i + 1)
            i = find("\n", i + 1)

    def at(self, offset: int) -> tuple[int, int]:
        import bisect

        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

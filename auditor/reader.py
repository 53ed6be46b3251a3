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
        """Root-relative `/` path of `path` after resolving links, or None when outside the root
        (or not a path at all: an embedded NUL)."""
        try:
            real = os.path.realpath(path)
        except (ValueError, OSError):
            return None
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
        limit = self.limits.max_file_bytes
        data, problem = read_confined(self.root, rel, limit)
        if data is None and problem == "missing" and os.path.islink(self.root / rel):
            # a link to a file the repository does not hold: written at install time (mailcow's
            # `.env -> mailcow.conf`), not a broken file of the repository
            target = os.readlink(self.root / rel)
            return None, LoadProblem(rule="AUD002", severity="note", loc=loc, message=(
                f"links to {target!r}, which the repository does not hold (written when the stack "
                "is installed); not read"))
        if data is None:
            message = {
                "outside": "link points outside the scanned root; not read",
                "missing": "cannot be read: no such file",
                "not regular": "not a regular file; not read",
                "too large": f"file is over the {limit}-byte limit; not read",
            }.get(problem or "", f"cannot be read: {problem}")
            return None, LoadProblem(rule="AUD002", message=message, loc=loc)
        text = decode(data)
        if text is None:
            return None, LoadProblem(rule="AUD002", message="binary or undecodable content; not read", loc=loc)
        return text, None


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def open_confined(root: "str | os.PathLike[str]", rel: str) -> int:
    """A file descriptor for `root/rel`, opened only if the file it reaches is inside `root`.

    Links inside the root are resolved first; the final open never follows a link (a link swapped
    in meanwhile fails), and the opened file is checked to be the one that was resolved, so a
    folder swapped for a link between the check and the open cannot lead outside. Raises
    `PermissionError` for anything outside, `OSError` otherwise; the caller closes the fd."""
    root = os.path.realpath(root)
    try:
        real = os.path.realpath(os.path.join(root, rel))
    except ValueError as exc:  # an embedded NUL
        raise OSError(f"invalid path: {exc}") from None
    if not _inside(real, root):
        raise PermissionError("outside the root")
    fd = os.open(real, _OPEN_FLAGS)
    try:
        opened = _fd_path(fd)
        if opened is not None:
            if not _inside(opened, root):
                raise PermissionError("outside the root")
        else:
            st, again = os.fstat(fd), os.stat(real)
            if (st.st_dev, st.st_ino) != (again.st_dev, again.st_ino) or os.path.realpath(real) != real:
                raise PermissionError("changed while opened")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _fd_path(fd: int) -> Optional[str]:
    """The path the kernel holds for an open fd (Linux /proc), or None where it cannot say."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def read_confined(root: "str | os.PathLike[str]", rel: str, limit: int) -> tuple[Optional[bytes], Optional[str]]:
    """The bytes of a regular file inside `root`, at most `limit` of them; else None and why:
    "outside", "missing", "not regular", "too large" or the system's error text."""
    try:
        fd = open_confined(root, rel)
    except PermissionError:
        return None, "outside"
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, "not regular" if exc.errno == getattr(os, "ELOOP", -1) else str(exc.strerror or exc)
    try:
        return read_limited_fd(fd, limit)
    finally:
        os.close(fd)


def read_limited_fd(fd: int, limit: int) -> tuple[Optional[bytes], Optional[str]]:
    """At most `limit` bytes of an open regular file (a FIFO or a device is refused, and a file
    that grows past the limit while read is too large)."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "not regular"
        if st.st_size > limit:
            return None, "too large"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, str(exc.strerror or exc)
    if size > limit:
        return None, "too large"
    return b"".join(chunks), None


def read_head(root: "str | os.PathLike[str]", rel: str, size: int) -> Optional[bytes]:
    """The first `size` bytes of a regular file inside `root` however large it is (to tell the
    kind of a file too large to read whole), or None."""
    try:
        fd = open_confined(root, rel)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_user_file(path: "str | os.PathLike[str]", limit: int) -> bytes:
    """A file the user named (a config, a baseline): regular files only, at most `limit` bytes.
    Raises OSError with a readable reason otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        data, problem = read_limited_fd(fd, limit)
    finally:
        os.close(fd)
    if data is None:
        reason = {"not regular": "not a regular file",
                  "too large": f"larger than {limit} bytes"}.get(problem or "", problem)
        raise OSError(reason)
    return data


def is_file(path: "str | os.PathLike[str]") -> bool:
    """`os.path.isfile`: False (not an exception) for a name too long, a link loop, no access."""
    return os.path.isfile(path)


def is_dir(path: "str | os.PathLike[str]") -> bool:
    return os.path.isdir(path)


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


def utf16_without_bom(data: bytes) -> str:
    """"utf-16-le"/"utf-16-be" when `data` reads as ASCII-range UTF-16 without a BOM (PowerShell
    writes JSON that way), else "". Such files are not read (AUD002: save them as UTF-8), but
    discovery tells their kind from it, so that they are reported instead of vanishing."""
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        return ""
    even, odd = head[0::2], head[1::2]
    if odd.count(0) == len(odd) and even.count(0) < len(even):
        return "utf-16-le"
    if even.count(0) == len(even) and odd.count(0) < len(odd):
        return "utf-16-be"
    return ""


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(8, len(text[:4096]) // 50)


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

"""Writing the files the command line names (a report, a baseline), and nothing else.

The path may lie in the scanned tree, which is hostile: a link planted under the name the user
gave (`report.json` -> `~/.bashrc`) must not redirect the write. So the final name is opened
without following links; a link is refused, unless it leads to something that is not a file on
disk (`/dev/stdout`, a FIFO, a terminal), where writing cannot clobber anything.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class WriteRefused(Exception):
    """The named output cannot be written safely (a link to a file, a folder...)."""


_FLAGS = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


def write_output(path: "str | os.PathLike[str]", text: str) -> None:
    data = text.encode("utf-8", "surrogateescape")
    try:
        fd = os.open(path, _FLAGS | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise WriteRefused(f"{path}: cannot be written: {exc.strerror or exc}") from None
        fd = _open_link(path)
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot be written: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _open_link(path: "str | os.PathLike[str]") -> int:
    """A link is followed only to a device, a FIFO or a socket: never to a file on disk."""
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if st is None or stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
        raise WriteRefused(f"{path}: is a symbolic link; not written through (give the real path)")
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot be written: {exc.strerror or exc}") from None
    if stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a file meanwhile
        os.close(fd)
        raise WriteRefused(f"{path}: is a symbolic link; not written through (give the real path)")
    return fd


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` (its folder's links resolved, its own name not) stays inside `folder`."""
    try:
        real_parent = Path(os.path.realpath(path.parent))
        real_folder = Path(os.path.realpath(folder))
    except (OSError, ValueError):
        return False
    return real_parent == real_folder or real_folder in real_parent.parents

"""The snapshot folder: every file is created inside it, by name, never through a symlink.

The folder itself must not be a symlink; it is opened once (O_DIRECTORY | O_NOFOLLOW) and files
are created relative to that handle, so renaming or relinking the path meanwhile cannot send a
write elsewhere. Each file is unlinked and created anew (O_CREAT | O_EXCL | O_NOFOLLOW), so a
planted symlink or hard link in the folder is replaced, never written through. Names are the
module's own (no `/`, no leading dot); a folder that holds other things than a previous
snapshot is refused rather than mixed with.
"""
from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Optional

MANIFEST = "manifest.json"
MARKER = "auditor_snapshot"  # the manifest's first key: how the live loader tells it from a snapshot
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


class FolderError(Exception):
    """The output folder cannot be used safely; nothing was written."""


def safe_name(text: str) -> str:
    """`text` as a file-name part: letters, digits, `.`, `_`, `-` only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")
    return cleaned[:80] or "x"


class Store:
    def __init__(self, folder: Path):
        self.folder = folder
        self.fd = _open_folder(folder)
        self.written: list[str] = []
        self._clear_previous()

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self, name: str, data: bytes) -> None:
        if not _NAME.match(name) or ".." in name:
            raise FolderError(f"refusing file name {name!r}")
        try:
            os.unlink(name, dir_fd=self.fd)  # a symlink or hard link left there is removed, not followed
        except FileNotFoundError:
            pass
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(name, flags, 0o600, dir_fd=self.fd)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        if name != MANIFEST:
            self.written.append(name)

    def _clear_previous(self) -> None:
        """Remove the files a previous snapshot wrote here, so that a source that is unavailable
        today does not leave yesterday's file to be compared. Anything else: refuse."""
        entries = [e for e in os.listdir(self.fd)]
        if not entries:
            return
        previous = _previous_files(self.fd) if MANIFEST in entries else None
        if previous is None:
            raise FolderError(f"{self.folder} is not empty and holds no auditor snapshot; "
                              "give an empty or new folder")
        for name in (*previous, MANIFEST):
            if _NAME.match(name) and ".." not in name:
                try:
                    st = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
                    if not stat.S_ISDIR(st.st_mode):
                        os.unlink(name, dir_fd=self.fd)
                except FileNotFoundError:
                    pass


def _previous_files(fd: int) -> Optional[list[str]]:
    try:
        mfd = os.open(MANIFEST, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
    except OSError:
        return None
    try:
        with os.fdopen(mfd, "rb") as f:
            doc = json.loads(f.read(1024 * 1024))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or MARKER not in doc:
        return None
    files = [s.get("file") for s in doc.get("sources", []) if isinstance(s, dict)]
    return [f for f in files if isinstance(f, str)]


def _open_folder(folder: Path) -> int:
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        try:
            os.mkdir(folder, 0o700)  # host state is sensitive: the owner's only
        except FileNotFoundError:
            raise FolderError(f"{folder.parent} does not exist") from None
        except OSError as exc:
            raise FolderError(f"cannot create {folder}: {exc.strerror}") from None
        st = os.lstat(folder)
    if stat.S_ISLNK(st.st_mode):
        raise FolderError(f"{folder} is a symlink; give the real folder")
    if not stat.S_ISDIR(st.st_mode):
        raise FolderError(f"{folder} is not a folder")
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FolderError(f"cannot open {folder}: {exc.strerror}") from None

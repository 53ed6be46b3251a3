"""`auditor check -`: one file read from standard input (an editor integration, a pipe).

The text is written to a private temporary folder, checked there, and the folder removed: the
rest of auditor only ever reads files under a root. Its name says its kind: `--stdin-filename`,
else a guess from the content (a compose file, an nginx site, security-group JSON, an env
file), else `stdin.md`.
"""
from __future__ import annotations

import contextlib
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional

# Read at most this much (one byte over the default file limit: the reader then skips it, AUD002).
MAX_BYTES = 5 * 1024 * 1024 + 1

_ENV_LINE = re.compile(r"^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=")


def guess_name(text: str) -> str:
    from .discovery import _NGINX_BLOCK, _YAML_SERVICES

    body = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    if text.lstrip().startswith(("{", "[")):
        return "stdin.json"
    if _YAML_SERVICES.search(text):
        return "compose.yaml"
    if _NGINX_BLOCK.search(text):
        return "stdin.conf"
    if body and all(_ENV_LINE.match(l) for l in body):
        return ".env"
    if re.search(r"^\s*(resource|variable|provider)\s+\"", text, re.M):
        return "stdin.tf"
    return "stdin.md"


@contextlib.contextmanager
def stdin_tree(data: bytes, filename: Optional[str] = None) -> Iterator[Path]:
    """A temporary folder holding `data` under its name; yields the file's path."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    if not name or name in (".", ".."):
        name = guess_name(data.decode("utf-8", "replace"))
    with tempfile.TemporaryDirectory(prefix="auditor-stdin-") as folder:
        target = Path(folder) / name
        target.write_bytes(data)
        yield target

"""Which env template describes which real env file (ENV003 compares their keys)."""
from __future__ import annotations

import posixpath
from typing import Iterator

from ..knowledge.env_names import TEMPLATE_SUFFIX
from ..model import EnvFile


def template_pairs(env_files: tuple[EnvFile, ...]) -> Iterator[tuple[EnvFile, EnvFile]]:
    """(template, real file) pairs: `X.example` goes with `X` when `X` exists; otherwise with
    every real `.env*` file of its folder (`.env.example` beside `.env.master`)."""
    real = [e for e in env_files if not e.template]
    by_path = {e.path: e for e in real}
    for t in env_files:
        if not t.template:
            continue
        stem = TEMPLATE_SUFFIX.sub("", t.path)
        if stem in by_path and stem != t.path:
            yield t, by_path[stem]
            continue
        folder = posixpath.dirname(t.path)
        for e in real:
            if posixpath.dirname(e.path) == folder and posixpath.basename(e.path).startswith(".env"):
                yield t, e

"""Where the scanned root sits in its repository: GitHub resolves annotation and code-scanning
paths against the repository root, while findings are relative to the scanned root."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional


def repository_prefix(root: str, workspace: Optional[str] = None) -> str:
    """The scanned root's path relative to the repository root, `/`-separated, "" when unknown.

    GitHub resolves annotation and code-scanning paths against the repository root, while
    findings are relative to the scanned root, which may be a sub-folder (`auditor check deploy/`).
    The repository root is `GITHUB_WORKSPACE` when the root lies inside it (the checkout, in
    Actions), else the nearest enclosing folder that holds a `.git` entry (a folder, or a file
    for worktrees and submodules). This is found by looking at the file system only: no git
    process is started, so nothing in the scanned repository's git configuration can run.
    """
    real = Path(os.path.realpath(root))
    if workspace is None:
        workspace = os.environ.get("GITHUB_WORKSPACE") or ""
    candidates = [Path(os.path.realpath(workspace))] if workspace else []
    candidates += [d for d in (real, *real.parents) if _has_git(d)][:1]
    for top in candidates:
        try:
            rel = real.relative_to(top).as_posix()
        except ValueError:
            continue
        return "" if rel == "." else rel
    return ""


def _has_git(folder: Path) -> bool:
    try:
        return (folder / ".git").exists()
    except OSError:
        return False


def repo_path(prefix: str, path: str) -> str:
    return f"{prefix}/{path}" if prefix and path not in ("", ".") else (prefix or path)

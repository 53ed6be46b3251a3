"""`auditor snapshot`: capture the live state of the host it runs on, for `check --live`.

Sources, each optional (a missing tool or permission is a manifest line, never a failure):
- docker: `docker compose ps --format json` per compose project the repository declares, and
  `docker inspect` of their containers (docker.py);
- nginx: `nginx -T` on the host or in the container that runs the repository's nginx (nginx.py);
- sockets: `ss -ltnp`, or `netstat -ltnp` (sockets.py);
- aws: `aws ec2 describe-security-groups` for the groups the repository declares (aws.py).

Commands run without a shell, bounded in time and output (run.py); what they print is cut down
and scrubbed of secrets before it is written (scrub.py), inside the output folder only, never
through a symlink (store.py). `DIR/manifest.json` says what was collected, what was not and
why, when, on which host, with which tool versions (session.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from .store import FolderError, Store

SOURCES = ("docker", "nginx", "sockets", "aws")
__all__ = ["SOURCES", "FolderError", "take_snapshot"]


def take_snapshot(out_dir: Path, project_dir: Path, sources: Iterable[str] = SOURCES, *,
                  config=None, timeout: float = 60.0, max_bytes: Optional[int] = None,
                  environ: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    """Capture `sources` into `out_dir` for the repository at `project_dir`; the manifest."""
    from .. import engine
    from ..config import find_config, load_config
    from . import aws, docker, nginx, sockets
    from .docker import Containers
    from .plan import plan_of
    from .session import Session

    chosen = set(sources)
    root = Path(project_dir).resolve()
    config = config if config is not None else load_config(find_config(root))
    limit = max_bytes or config.limits.max_file_bytes
    with Store(Path(out_dir)) as store:
        # The folder is opened (and checked) first: nothing is run when it cannot be written safely.
        graph, _ = engine.load_graph(root, [""], _excluding(config, root, Path(out_dir)))
        plan = plan_of(graph)
        session = Session(store, timeout=timeout, max_bytes=limit, environ=environ)
        if "docker" in chosen or ("nginx" in chosen and plan.nginx_in):
            containers = docker.capture(session, plan, keep="docker" in chosen)
        else:
            containers = Containers(reason="the docker source was not selected")
        if "nginx" in chosen:
            nginx.capture(session, plan, containers)
        if "sockets" in chosen:
            sockets.capture(session)
        if "aws" in chosen:
            aws.capture(session, plan)
        return session.finish(str(root))


def _excluding(config, root: Path, out_dir: Path):
    """The configuration, with the output folder left out of discovery when it is inside the root
    (a previous snapshot there is live state, not declared config)."""
    import os

    try:
        rel = Path(os.path.abspath(out_dir)).relative_to(root).as_posix()
    except ValueError:
        return config
    if rel in ("", "."):
        return config
    return config.model_copy(update={"exclude": (*config.exclude, f"{rel}/*")})

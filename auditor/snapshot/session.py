"""One snapshot run: runs commands, writes files through the store, and keeps the manifest,
one line per thing captured or not (collected / unavailable / skipped, why, when, how long)."""
from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Optional, Sequence

from .. import __version__
from .run import Result, run
from .scrub import Secrets
from .store import MANIFEST, MARKER, Store


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Entry:
    source: str  # docker, nginx, sockets, aws
    what: str  # what was asked, in words: "compose project harena", "nginx -T in service nginx"
    status: str  # collected, unavailable, skipped
    reason: str = ""
    file: Optional[str] = None
    command: list[str] = field(default_factory=list)
    started: str = ""
    seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


class Session:
    def __init__(self, store: Store, *, timeout: float, max_bytes: int,
                 environ: Optional[Mapping[str, str]] = None):
        self.store = store
        self.timeout = timeout
        self.max_bytes = max_bytes
        base = dict(os.environ if environ is None else environ)
        # No pager, no colour, the C locale's column layout; the user's credentials and region pass through.
        self.env = {**base, "AWS_PAGER": "", "NO_COLOR": "1", "LC_ALL": "C"}
        self.secrets = Secrets(base)
        self.entries: list[Entry] = []
        self.versions: dict[str, str] = {}
        self.started = now()

    # -- commands ------------------------------------------------------------

    def run(self, argv: Sequence[str]) -> tuple[Result, str]:
        """(result, when it started)."""
        started = now()
        return run(argv, timeout=self.timeout, max_bytes=self.max_bytes, env=self.env), started

    def run_json(self, source: str, what: str, argv: Sequence[str]) -> tuple[Any, Optional[Result], str]:
        """Run `argv` and read its output as JSON: (the document, None when it is not JSON; the
        result; when it started). A command that fails is recorded as unavailable and gives no
        result."""
        r, started = self.run(argv)
        if not r.ok:
            self.record(source, what, "unavailable", self.reason(r), result=r, started=started)
            return None, None, started
        text, _ = decode(r.stdout)
        try:
            return json.loads(text), r, started
        except ValueError:
            return None, r, started

    def version(self, tool: str, argv: Sequence[str]) -> None:
        """The first line a tool's version flag prints (some print it on stderr), if it runs."""
        if tool in self.versions:
            return
        r = run(argv, timeout=min(self.timeout, 15), max_bytes=64 * 1024, env=self.env)
        if r.ok:
            self.versions[tool] = self.clean(r.first_error_line())

    def reason(self, r: Result) -> str:
        """Why a command gave nothing usable: its status, and its first line of error output."""
        line = r.first_error_line()
        if r.status in ("failed",) and line:
            return self.clean(f"{r.reason}: {line}")
        return self.clean(r.reason)

    def clean(self, text: str) -> str:
        """A short message (an error line) safe to keep: known secrets and credential shapes masked."""
        from ..redact import redact_line

        return self.secrets.text(redact_line(text))

    def clean_text(self, text: str) -> str:
        """A whole output safe to keep: the known secret values masked, nothing else touched."""
        return self.secrets.secret(text)

    # -- records -------------------------------------------------------------

    def record(self, source: str, what: str, status: str, reason: str = "", *, file: Optional[str] = None,
               result: Optional[Result] = None, started: str = "", **detail: Any) -> Entry:
        e = Entry(source=source, what=what, status=status, reason=reason, file=file,
                  command=list(result.argv) if result else [], started=started or now(),
                  seconds=result.seconds if result else 0.0, detail=detail)
        self.entries.append(e)
        return e

    def write(self, name: str, text: str) -> None:
        self.store.write(name, text.encode("utf-8"))

    def finish(self, project_dir: str) -> dict[str, Any]:
        manifest = {
            MARKER: 1,
            "auditor_version": __version__,
            "host": socket.gethostname(),
            "user": "root" if hasattr(os, "geteuid") and os.geteuid() == 0 else "not root",
            "started": self.started,
            "finished": now(),
            "project_dir": project_dir,
            "versions": dict(sorted(self.versions.items())),
            "sources": [asdict(e) for e in self.entries],
        }
        self.write(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        return manifest


def decode(data: bytes) -> tuple[str, bool]:
    """Text of a command's output, and whether bytes that are not UTF-8 had to be replaced."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), True

"""Sockets: the host's TCP listeners, `ss -ltnp`, or `netstat -ltnp` where ss is missing.
Without root, both show process names of the user's own sockets only: said in the manifest."""
from __future__ import annotations

import os

from .session import Session, decode


def capture(session: Session) -> None:
    for tool, argv, name in (("ss", ["ss", "-ltnp"], "ss-ltnp.txt"),
                             ("netstat", ["netstat", "-ltnp"], "netstat-ltnp.txt")):
        r, started = session.run(argv)
        if r.status == "missing":
            continue
        what = " ".join(argv)
        if not r.ok:
            session.record("sockets", what, "unavailable", session.reason(r), result=r, started=started)
            return
        session.version(tool, [tool, "-V"] if tool == "ss" else [tool, "--version"])
        text, replaced = decode(r.stdout)
        detail: dict = {"non_utf8_replaced": True} if replaced else {}
        if not text.strip():
            session.record("sockets", what, "unavailable", f"{tool} printed nothing", result=r, started=started)
            return
        if hasattr(os, "geteuid") and os.geteuid() != 0:
            detail["note"] = "not run as root: process names of other users' sockets are not shown"
        session.write(name, session.clean_text(text))
        session.record("sockets", what, "collected", file=name, result=r, started=started, **detail)
        return
    session.record("sockets", "ss -ltnp", "unavailable", "neither ss nor netstat is on PATH")

"""nginx: `nginx -T` (every file nginx read, as it read it) where the repository's nginx runs,
on the host or, when a compose service mounts the config, inside that service's container
(`docker exec CONTAINER nginx -T`). Credentials in the dump are masked line by line (scrub)."""
from __future__ import annotations

from .docker import Containers
from .plan import Plan
from .scrub import nginx_dump
from .session import Session, decode
from .store import safe_name


def capture(session: Session, plan: Plan, containers: Containers) -> None:
    if not plan.nginx_on_host and not plan.nginx_in:
        session.record("nginx", "nginx -T", "skipped", "the repository declares no nginx configuration")
        return
    for s in plan.nginx_in:
        what = f"nginx -T in compose service {s.service} of project {s.project}"
        cid = containers.find(s.project, s.service, s.container_name)
        if cid is None:
            why = containers.reason or f"no container of service {s.service} found by docker"
            session.record("nginx", what, "unavailable", why)
            continue
        if cid not in containers.running:
            session.record("nginx", what, "unavailable", f"the container of service {s.service} is not running")
            continue
        _dump(session, what, ["docker", "exec", cid, "nginx", "-T"], f"nginx-T.{safe_name(s.service)}.txt")
    if plan.nginx_on_host:
        session.version("nginx", ["nginx", "-v"])
        _dump(session, "nginx -T on the host", ["nginx", "-T"], "nginx-T.txt")


def _dump(session: Session, what: str, argv: list[str], name: str) -> None:
    r, started = session.run(argv)
    if not r.ok:
        session.record("nginx", what, "unavailable", session.reason(r), result=r, started=started)
        return
    text, replaced = decode(r.stdout)
    if "# configuration file " not in text:
        session.record("nginx", what, "unavailable", "the output holds no `# configuration file` section "
                       "(not an nginx -T dump)", result=r, started=started)
        return
    session.write(name, nginx_dump(text, session.secrets))
    detail = {"non_utf8_replaced": True} if replaced else {}
    session.record("nginx", what, "collected", file=name, result=r, started=started, **detail)

"""AWS: `aws ec2 describe-security-groups` for the groups the repository declares, through the
user's own `aws` command, credentials and region (none of which is written down).

Groups are asked by id, and by name (`--filters Name=group-name`) for those known only by name.
When one declared id no longer exists the whole call fails (InvalidGroup.NotFound): the ids are
then asked one by one, so the others are still compared. The answers are merged into one
`describe-security-groups.json`, each group once.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from .plan import Plan
from .session import Session

MAX_GROUPS = 200


def capture(session: Session, plan: Plan) -> None:
    if not plan.group_ids and not plan.group_names:
        session.record("aws", "describe-security-groups", "skipped",
                       "the repository declares no security group by id or literal name")
        return
    session.version("aws", ["aws", "--version"])
    groups: dict[str, Any] = {}
    asked: list[str] = []
    ok = False
    base = ["aws", "ec2", "describe-security-groups", "--output", "json"]
    ids = plan.group_ids[:MAX_GROUPS]
    if ids:
        got = _ask(session, base + ["--group-ids", *ids], f"security groups {', '.join(ids)}")
        if got is None and len(ids) > 1 and _last_not_found(session):
            session.entries.pop()  # replaced by one answer per id
            for gid in ids:
                one = _ask(session, base + ["--group-ids", gid], f"security group {gid}")
                ok |= one is not None
                _merge(groups, one)
        else:
            ok |= got is not None
            _merge(groups, got)
        asked.extend(ids)
    names = plan.group_names[:MAX_GROUPS]
    if names:
        got = _ask(session, base + ["--filters", f"Name=group-name,Values={','.join(names)}"],
                   f"security groups named {', '.join(names)}")
        ok |= got is not None
        _merge(groups, got)
    if not ok:
        return
    name = "describe-security-groups.json"
    doc = {"SecurityGroups": [groups[k] for k in sorted(groups)]}
    session.write(name, session.clean_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n"))
    for e in session.entries:
        if e.source == "aws" and e.status == "collected":
            e.file = name


def _ask(session: Session, argv: list[str], what: str) -> Optional[list[Any]]:
    doc, r, started = session.run_json("aws", what, argv)
    if r is None:
        return None
    groups = doc.get("SecurityGroups") if isinstance(doc, dict) else None
    if not isinstance(groups, list):
        session.record("aws", what, "unavailable", "aws printed no SecurityGroups list", result=r, started=started)
        return None
    session.record("aws", what, "collected", result=r, started=started, groups=len(groups))
    return groups


def _last_not_found(session: Session) -> bool:
    last = session.entries[-1] if session.entries else None
    return last is not None and "InvalidGroup.NotFound" in last.reason


def _merge(groups: dict[str, Any], found: Optional[list[Any]]) -> None:
    for g in found or ():
        if isinstance(g, dict):
            key = g.get("GroupId") if isinstance(g.get("GroupId"), str) else json.dumps(g, sort_keys=True)[:200]
            groups.setdefault(key, g)

"""compose fixes, as text patches on the lines that hold the entry.

EXP001 / EXP004: bind a published port to 127.0.0.1. Safe for EXP004 when every nginx that
proxies the service is a host nginx reaching it through loopback: it keeps working and only the
bypass closes. Unsafe otherwise (EXP001's datastores, or a proxy on another host): clients that
connect from other machines lose access.

ORD003: give a well-known image (postgres, mysql, mariadb, redis, mongo, rabbitmq) the
healthcheck its maintainers document. Unsafe: the dependent service now waits for the check,
and a check that cannot pass in a customised image blocks its start.

Refused: long-syntax ports, entries built from `${VAR}` host addresses, anchors, aliases and
merge keys (the edit would change every user of the anchor), flow-style services, and a
healthcheck that was disabled on purpose."""
from __future__ import annotations

import ipaddress
import re
from typing import Iterator, Optional, Union

from ...model import Finding, PortMapping, Service
from ..edits import Edit, Fix, Refusal, indent_of, line_of, newline_of
from .base import Context, refuse

_SCALAR = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s,\]\}#]+)""")


def _port_at(ctx: Context, f: Finding) -> tuple[Optional[Service], Optional[PortMapping], int]:
    found, users = (None, None), 0
    for s in ctx.graph.services:
        for p in s.ports:
            if p.loc.path == f.path and p.loc.line == f.line and p.loc.column == f.column:
                found, users = (s, p), users + 1
    return found[0], found[1], users


def _outside_vars(raw: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "V", raw)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _bind_address(ctx: Context, service: Service) -> tuple[str, bool]:
    """The loopback address to publish on, and whether that keeps every proxy working: it does
    when every nginx route to the service already goes through that one loopback address."""
    hosts = {("127.0.0.1" if link.host == "localhost" else link.host.strip("[]"))
             for link in ctx.graph.proxy_links if link.service == service.key}
    # a route through the compose network (a service name) never used the published port
    hosts = {h for h in hosts if _is_ip(h)}
    if not hosts:
        return "127.0.0.1", any(link.service == service.key for link in ctx.graph.proxy_links)
    if len(hosts) == 1:
        (host,) = hosts
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return "127.0.0.1", False
        if address.version == 4 and address.is_loopback:
            return host, True
    return "127.0.0.1", False


def bind_loopback(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    groups: dict[tuple[str, str], list[tuple[Finding, Service, PortMapping, Edit]]] = {}
    for f in findings:
        service, port, users = _port_at(ctx, f)
        text = ctx.read(f.path)
        line = line_of(text or "", f.line)
        if service is None or port is None or not port.raw:
            yield refuse(f, "a long-syntax or computed port entry; set host_ip: 127.0.0.1 by hand")
            continue
        if users > 1 or re.search(r"(^|\s)[&*]\w|<<", line):
            yield refuse(f, "the entry is shared through an anchor or merge key; editing it changes every user")
            continue
        m = _SCALAR.match(line, f.column - 1)
        if m is None:
            yield refuse(f, "the port entry is not where the finding says; re-run `auditor check`")
            continue
        token = m.group(1)
        quote = token[0] if token[0] in "\"'" else ""
        inner = token[1:-1] if quote else token
        if inner != port.raw:
            yield refuse(f, "the entry is not a plain scalar as written")
            continue
        address, keeps_proxies = _bind_address(ctx, service)
        if port.host_ip == "" and _outside_vars(inner).count(":") <= 1 and not inner.startswith("["):
            new_inner = f"{address}:{inner}"
        elif port.host_ip == "0.0.0.0" and inner.startswith("0.0.0.0:"):
            new_inner = f"{address}:{inner[len('0.0.0.0:'):]}"
        else:
            yield refuse(f, f"the host address is {port.host_ip or 'computed'}; bind it by hand")
            continue
        new_token = f"{quote}{new_inner}{quote}" if quote else f'"{new_inner}"'
        edit = Edit(path=f.path, start=f.line, end=f.line + 1,
                    lines=(line[:m.start(1)] + new_token + line[m.end(1):],))
        groups.setdefault((f.rule, service.key), []).append((f, service, port, edit))
    for (rule_id, _), items in groups.items():
        service = items[0][1]
        address, keeps_proxies = _bind_address(ctx, service)
        published = {p.published for _, _, p, _ in items if p.published is not None}
        safe = rule_id == "EXP004" and keeps_proxies
        yield Fix(rule=rule_id, fingerprints=tuple(f.fingerprint for f, *_ in items), safe=safe,
                  title=f"publish {service.name}'s port{'s' if len(items) > 1 else ''} "
                        f"{', '.join(str(p) for p in sorted(published))} on {address} only",
                  reason="" if safe else "clients on other machines that connect to this port lose access",
                  edits=tuple(e for *_, e in items) + _docs_rows(ctx, service, published, address))


def _docs_rows(ctx: Context, service: Service, published: set[int], address: str) -> tuple[Edit, ...]:
    """The docs tables that state these bindings on all interfaces, restated on loopback, so
    that the fix does not open a docs drift (DRF001) while it closes the exposure."""
    edits = []
    names = {service.name, service.container_name or ""} - {""}
    for fact in ctx.graph.doc_facts:
        if fact.kind != "service_ports" or not ({fact.service, fact.container} & names):
            continue
        ports = {p.port for p in fact.host_ports or () if p.address in ("0.0.0.0", "*") and p.port in published}
        if not ports:
            continue
        line = line_of(ctx.read(fact.loc.path) or "", fact.loc.line)
        new = line
        for port in ports:
            new = re.sub(rf"(?:0\.0\.0\.0|\*):{port}(?!\d)", f"{address}:{port}", new)
        if new != line:
            edits.append(Edit(path=fact.loc.path, start=fact.loc.line, end=fact.loc.line + 1, lines=(new,)))
    return tuple(edits)


# test commands from the images' own documentation; `$$` keeps the variable for the container
_HEALTHCHECKS = {
    "postgres": '["CMD-SHELL", "pg_isready -U \\"$${POSTGRES_USER:-postgres}\\""]',
    "postgis/postgis": '["CMD-SHELL", "pg_isready -U \\"$${POSTGRES_USER:-postgres}\\""]',
    "mysql": '["CMD", "mysqladmin", "ping", "-h", "localhost"]',
    "mariadb": '["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"]',
    "redis": '["CMD", "redis-cli", "ping"]',
    "valkey/valkey": '["CMD", "valkey-cli", "ping"]',
    "mongo": '["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand(\'ping\')"]',
    "rabbitmq": '["CMD", "rabbitmq-diagnostics", "-q", "ping"]',
}


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def healthcheck(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    done: set[str] = set()
    for f in findings:
        target = _waited_for(ctx, f)
        if target is None:
            yield refuse(f, "the dependency is not where the finding says; re-run `auditor check`")
            continue
        if target.healthcheck is not None and target.healthcheck.disable:
            yield refuse(f, f"'{target.name}' disables its healthcheck on purpose")
            continue
        test = _HEALTHCHECKS.get(_image_name(target.image or ""))
        if test is None:
            yield refuse(f, f"no well-known healthcheck for image {target.image or '(built)'!r}; write one by hand")
            continue
        text = ctx.read(target.loc.path) or ""
        lines = text.splitlines(keepends=True)
        key_line = lines[target.loc.line - 1] if 0 < target.loc.line <= len(lines) else ""
        child = next((ln for ln in lines[target.loc.line:] if ln.strip() and not ln.lstrip().startswith("#")), "")
        if not key_line.rstrip().endswith(":") or len(indent_of(child)) <= len(indent_of(key_line)) \
                or re.search(r"[&*]\w|<<", key_line + child):
            yield refuse(f, f"'{target.name}' is not written as a block mapping this fix can extend")
            continue
        key = target.key
        if key in done:  # one healthcheck serves every dependent waiting for it
            continue
        done.add(key)
        ind, nl = indent_of(child), newline_of(key_line)
        step = ind[len(indent_of(key_line)):] or "  "
        block = (f"{ind}healthcheck:{nl}", f"{ind}{step}test: {test}{nl}",
                 f"{ind}{step}interval: 10s{nl}", f"{ind}{step}timeout: 5s{nl}", f"{ind}{step}retries: 5{nl}")
        fps = tuple(g.fingerprint for g in findings if _waited_for(ctx, g) is target)
        yield Fix(rule="ORD003", fingerprints=fps, safe=False,
                  reason="the dependent now waits for the check; a check that cannot pass blocks its start",
                  title=f"add the {_image_name(target.image or '')} healthcheck to '{target.name}'",
                  edits=(Edit(path=target.loc.path, start=target.loc.line + 1, end=target.loc.line + 1,
                              lines=block),))


def _waited_for(ctx: Context, f: Finding) -> Optional[Service]:
    for s in ctx.graph.services:
        for d in s.depends_on:
            if d.loc.path == f.path and d.loc.line == f.line:
                return next((t for t in ctx.graph.services if t.project == s.project and t.name == d.service), None)
    return None

"""NGX001: point a proxy target at the port its service really listens on, when exactly one
candidate exists: for a host nginx, the one host port published for the container port it
names; for an nginx container, the one container port of the service it names.

Unsafe: the route then reaches a port nothing reached before; check it is the service nginx
meant. Refused when there are several candidates or none, or the port is not written literally."""
from __future__ import annotations

import re
from typing import Iterator, Optional, Union

from ...graph.model import ProxyLink
from ...model import Finding
from ..edits import Edit, Fix, Refusal, line_of
from .base import Context, refuse


def _link_at(ctx: Context, f: Finding) -> Optional[ProxyLink]:
    return next((link for link in ctx.graph.proxy_links if link.kind == "unresolved"
                 and link.loc.path == f.path and link.loc.line == f.line), None)


def _candidates(ctx: Context, link: ProxyLink) -> set[int]:
    if link.port is None:
        return set()
    if link.service:  # a service reached by name: its container ports
        service = next((s for s in ctx.graph.services if s.key == link.service), None)
        if service is None:
            return set()
        ports = {p for m in service.ports for p in range(m.target_range[0], m.target_range[1] + 1)}
        return ports | set(service.expose)
    # a host address: the host ports published for that container port, on an address it reaches
    found = set()
    for listener in ctx.graph.listeners:
        if listener.kind != "compose" or not listener.active or listener.protocol != "tcp" or listener.target is None:
            continue
        if listener.address not in ("", "0.0.0.0", link.host):
            continue
        offset = link.port - listener.target
        if 0 <= offset <= listener.port_end - listener.port:
            found.add(listener.port + offset)
    return found


def retarget(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    for f in findings:
        link = _link_at(ctx, f)
        if link is None:
            yield refuse(f, "the proxy target is not where the finding says; re-run `auditor check`")
            continue
        candidates = _candidates(ctx, link)
        if len(candidates) != 1:
            yield refuse(f, "no single port to point at" if not candidates
                         else f"several candidate ports ({', '.join(map(str, sorted(candidates)[:5]))}); choose by hand")
            continue
        (port,) = candidates
        line = line_of(ctx.read(f.path) or "", f.line)
        pattern = re.compile(rf"(?<![\w.-]){re.escape(link.host)}:{link.port}(?!\d)", re.I)
        if len(pattern.findall(line)) != 1:
            yield refuse(f, "the target's port is not written literally on the line")
            continue
        new = pattern.sub(lambda m: m.group(0).rsplit(":", 1)[0] + f":{port}", line)
        yield Fix(rule="NGX001", fingerprints=(f.fingerprint,), safe=False,
                  reason="the route now reaches a port nothing reached before; check it is the service meant",
                  title=f"proxy to {link.host}:{port} instead of {link.host}:{link.port}",
                  edits=(Edit(path=f.path, start=f.line, end=f.line + 1, lines=(new,)),))

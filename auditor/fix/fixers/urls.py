"""URL004: reach a service of this stack by its service name and container port on the compose
network instead of through a public address.

Unsafe: the value then only resolves inside the compose network; a client outside it (a
browser, a job on another host) that reads the same variable can no longer connect. Refused
when the address is not written literally on the line (an interpolated `${VAR}`: edit its env
source instead)."""
from __future__ import annotations

import re
from typing import Iterator, Union

from ...model import Finding
from ..edits import Edit, Fix, Refusal, line_of
from .base import Context, refuse


def service_name(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    for f in findings:
        ref = next((u for u in ctx.graph.config_urls() if u.loc.path == f.path and u.loc.line == f.line
                    and u.via_public_address and u.target_service), None)
        service = ctx.graph.service(ref.target_service) if ref else None
        if ref is None or service is None:
            yield refuse(f, "the URL is not where the finding says; re-run `auditor check`")
            continue
        line = line_of(ctx.read(f.path) or "", f.line)
        written = re.compile(rf"(?<=[/@]){re.escape(ref.host)}:{ref.port}(?!\d)", re.I)
        if len(written.findall(line)) != 1:
            yield refuse(f, f"{ref.host}:{ref.port} is not written literally on the line; edit where its value comes from")
            continue
        port = ref.target_port or ref.port
        new = written.sub(f"{service.name}:{port}", line)
        yield Fix(rule="URL004", fingerprints=(f.fingerprint,), safe=False,
                  reason="the value now resolves only inside the compose network",
                  title=f"reach '{service.name}' as {service.name}:{port} on the compose network",
                  edits=(Edit(path=f.path, start=f.line, end=f.line + 1, lines=(new,)),))

"""nginx fixes, as text patches on the directive's own lines.

NGX003 (safe): drop SSLv2/SSLv3/TLSv1/TLSv1.1 from `ssl_protocols`, keeping the rest (TLSv1.2 and
TLSv1.3 when nothing would remain). Only clients that speak nothing newer lose access, and
every maintained browser and TLS library has spoken TLS 1.2 since 2014.

URL003 (safe): add `proxy_http_version 1.1` and the Upgrade/Connection headers to the location.
Plain HTTP requests pass as before (`Connection` follows the client's `Upgrade` through
`$connection_upgrade` when the config maps it). nginx inherits `proxy_set_header` only into a
block that sets none, so when the location inherited headers, they are repeated in it, or
adding ours would silently drop them."""
from __future__ import annotations

import re
from typing import Iterator, Optional, Union

from ...model import Finding, NginxLocation
from ..edits import Edit, Fix, Refusal, indent_of, line_of, newline_of
from .base import Context, refuse

_WEAK = {"sslv2", "sslv3", "tlsv1", "tlsv1.1"}
_DIRECTIVE = re.compile(r"(ssl_protocols\s+)([^;#{}]*?)(\s*;)")


def tls_protocols(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    for f in findings:
        text = ctx.read(f.path)
        line = line_of(text or "", f.line)
        m = _DIRECTIVE.search(line)
        if m is None or "$" in m.group(2) or "{{" in line:
            yield refuse(f, "ssl_protocols is not written on one line as plain words")
            continue
        kept = [p for p in m.group(2).split() if p.lower() not in _WEAK] or ["TLSv1.2", "TLSv1.3"]
        new = line[:m.start(2)] + " ".join(kept) + line[m.end(2):]
        yield Fix(rule="NGX003", fingerprints=(f.fingerprint,), safe=True,
                  title=f"ssl_protocols {' '.join(kept)}",
                  edits=(Edit(path=f.path, start=f.line, end=f.line + 1, lines=(new,)),))


def _block_end(lines: list[str], start: int) -> Optional[int]:
    """Index of the line closing the block opened on lines[start], by brace depth outside
    quotes and comments; None when the braces do not balance."""
    depth = 0
    for i in range(start, len(lines)):
        quote = ""
        for ch in lines[i]:
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                break
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return i
    return None


def _own(body: list[str], directive: str) -> Optional[int]:
    """Index in `body` of the block's own (not nested) `directive`, if it sets one."""
    depth = 0
    for i, line in enumerate(body):
        code = line.split("#", 1)[0]
        if depth == 0 and re.match(rf"\s*{directive}\s", code):
            return i
        depth += code.count("{") - code.count("}")
    return None


def _location_at(ctx: Context, f: Finding) -> Optional[NginxLocation]:
    for config in ctx.graph.nginx:
        for server in config.servers:
            for loc in server.locations:
                if loc.loc.path == f.path and loc.loc.line == f.line:
                    return loc
    return None


def _maps_connection_upgrade(ctx: Context, files: tuple[str, ...]) -> bool:
    pattern = re.compile(r"^\s*map\s+\$http_upgrade\s+\$connection_upgrade\s*\{", re.M)
    return any(pattern.search(ctx.read(p) or "") for p in files)


def websocket_upgrade(findings: list[Finding], ctx: Context) -> Iterator[Union[Fix, Refusal]]:
    for f in findings:
        location = _location_at(ctx, f)
        text = ctx.read(f.path)
        if location is None or text is None:
            yield refuse(f, "the location is not where the finding says; re-run `auditor check`")
            continue
        lines = text.splitlines(keepends=True)
        start = f.line - 1
        end = _block_end(lines, start)
        opening = lines[start].split("#", 1)[0]
        if end is None or end == start or not opening.rstrip().endswith("{") or "{{" in text:
            yield refuse(f, "the location block is not laid out one directive per line")
            continue
        body = lines[start + 1:end]
        inner = next((indent_of(b) for b in body if b.strip() and not b.lstrip().startswith("#")),
                     indent_of(lines[start]) + "    ")
        nl = newline_of(lines[start])
        headers = dict(location.proxy_set_header)
        config = next(c for c in ctx.graph.nginx if f.path in c.files)
        connection = "$connection_upgrade" if _maps_connection_upgrade(ctx, config.files) else '"upgrade"'
        add, edits = [], []
        if location.proxy_http_version != "1.1":
            own = _own(body, "proxy_http_version")
            if own is None:
                add.append("proxy_http_version 1.1;")
            else:  # a second proxy_http_version in one block is an nginx error: change the one there
                old = body[own]
                new = re.sub(r"(proxy_http_version\s+)[^;]*", r"\g<1>1.1", old, count=1)
                edits.append(Edit(path=f.path, start=f.line + 1 + own, end=f.line + 2 + own, lines=(new,)))
        if headers and _own(body, "proxy_set_header") is None:
            # inherited headers stop applying once the location sets its own: repeat them
            add += [f"proxy_set_header {name_case(k)} {_quoted(v)};" for k, v in location.proxy_set_header
                    if k not in ("upgrade", "connection")]
        if "upgrade" not in headers:
            add.append("proxy_set_header Upgrade $http_upgrade;")
        current = headers.get("connection")
        if current is not None and current.strip('"').lower() not in ("upgrade", "$connection_upgrade"):
            yield refuse(f, f"the location sets Connection to {current!r} on purpose; change it by hand")
            continue
        if current is None:
            add.append(f"proxy_set_header Connection {connection};")
        if not add and not edits:
            yield refuse(f, "the directives are already there; the finding comes from elsewhere")
            continue
        yield Fix(rule="URL003", fingerprints=(f.fingerprint,), safe=True,
                  title=f"add the websocket upgrade directives to location {location.path}",
                  edits=tuple(edits) + ((Edit(path=f.path, start=f.line + 1, end=f.line + 1,
                                              lines=tuple(f"{inner}{a}{nl}" for a in add)),) if add else ()))


def _quoted(value: str) -> str:
    if value and not re.search(r"[\s;{}#\"'\\]", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def name_case(header: str) -> str:
    """`x-forwarded-for` -> `X-Forwarded-For` (the graph keeps names lower-cased)."""
    return "-".join(part[:1].upper() + part[1:] for part in header.split("-"))

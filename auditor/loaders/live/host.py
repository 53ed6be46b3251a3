"""What runs on the host: `nginx -T` dumps and `ss -ltnp` listeners.

`nginx -T` prints every file nginx read, each after a `# configuration file PATH:` line. Each
file is parsed on its own (nginx/syntax) with its lines kept at their place in the dump, so a
finding points into the snapshot. Site files are included at http level, so their top-level
servers are http servers, as for the repo's files; an `include` inside a server or location
block is replaced by the dumped files it names.

`ss -ltnp` (or `-ltunp`, with or without the header) prints one socket per line:
`[Netid] State Recv-Q Send-Q Local:Port Peer:Port [Process]`. `netstat -ltnp` (net-tools and
busybox, where ss is missing) prints `Proto Recv-Q Send-Q Local Foreign [State] PID/Program`.
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Optional

from ...model import LiveListener, LiveNginxServer, LoadProblem, Loc
from ..nginx.config import extract_servers  # the repo's own server extraction, shared
from ..nginx.syntax import Stmt, parse_text

_SECTION = re.compile(r"^# configuration file (?P<file>.+?):[ \t]*$", re.M)
_SS_LINE = re.compile(r"^\s*(?:(?:tcp|udp|sctp|raw|u_\w+)\s+)?(?:LISTEN|UNCONN)\s+\d+\s+\d+\s+\S+\s+\S+")
_SS_HEADER = re.compile(r"Local\s+Address:Port", re.I)
_PROCESS = re.compile(r'users:\(\("(?P<name>[^"]{1,64})"')
_NETSTAT_HEADER = re.compile(r"^Proto\s+Recv-Q\s+Send-Q\s+Local\s+Address", re.M)
_NETSTAT_LINE = re.compile(r"^(?:tcp|udp)6?\s+\d+\s+\d+\s+\S+\s+\S+", re.M)
_MAX_INCLUDE_DEPTH = 8


# ---------------------------------------------------------------- nginx -T


def looks_like_nginx_dump(text: str) -> bool:
    return _SECTION.search(text) is not None


def parse_nginx_dump(path: str, text: str, max_depth: int = 200) -> tuple[list[LiveNginxServer], list[LoadProblem]]:
    sections = _sections(text)
    problems: list[LoadProblem] = []
    trees: dict[str, list[Stmt]] = {}
    for file, start, body in sections:
        # Each section is lexed alone (once), then its lines shifted to those of the snapshot.
        tree, problem = parse_text(path, body, max_depth)
        if problem is not None:
            loc = problem.loc.model_copy(update={"line": problem.loc.line + start})
            problems.append(problem.model_copy(update={"message": f"{problem.message} (in {file})", "loc": loc}))
            continue
        _shift(tree or [], start)
        trees[file] = tree or []
    prefix = _prefix([f for f, _, _ in sections])
    out: list[LiveNginxServer] = []
    for file, tree in trees.items():
        spliced = [_splice(s, trees, prefix, 0) for s in tree]
        servers, _ = extract_servers(spliced)
        out.extend(LiveNginxServer(file=file, server=s) for s in servers)
    return out, problems


def _shift(tree: list[Stmt], lines: int) -> None:
    stack = list(tree)
    while stack:
        stmt = stack.pop()
        stmt.line += lines
        if stmt.block:
            stack.extend(stmt.block)


def _sections(text: str) -> list[tuple[str, int, str]]:
    """(file, number of lines before its body, body) of each dumped file; lines are counted
    from one mark to the next, so the whole dump is walked once."""
    marks = list(_SECTION.finditer(text))
    out = []
    lines, counted = 0, 0
    for i, m in enumerate(marks):
        body_start = m.end() + 1
        lines += text.count("\n", counted, body_start)
        counted = body_start
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append((m["file"].strip(), lines, text[body_start:end]))
    return out


def _prefix(files: list[str]) -> str:
    """nginx's prefix, against which relative includes resolve: where nginx.conf is."""
    for f in files:
        if posixpath.basename(f) == "nginx.conf":
            return posixpath.dirname(f)
    return "/etc/nginx"


def _splice(s: Stmt, trees: dict[str, list[Stmt]], prefix: str, depth: int, inside: bool = False) -> Stmt:
    """`s` with includes inside server/location blocks replaced by the dumped files they name."""
    if s.block is None:
        return s
    inner = inside or s.name in ("server", "location")
    block: list[Stmt] = []
    for c in s.block:
        if inner and c.name == "include" and c.block is None and len(c.args) == 1 and depth < _MAX_INCLUDE_DEPTH:
            pattern = c.args[0] if c.args[0].startswith("/") else posixpath.join(prefix, c.args[0])
            for f in sorted(f for f in trees if fnmatch.fnmatchcase(f, pattern)):
                block.extend(_splice(x, trees, prefix, depth + 1, True) for x in trees[f])
            continue
        block.append(_splice(c, trees, prefix, depth, inner))
    return Stmt(s.name, s.args, s.path, s.line, s.column, block)


# ---------------------------------------------------------------- ss -ltnp


def looks_like_ss(text: str) -> bool:
    head = text[:4096]
    return bool(_SS_HEADER.search(head)) or any(_SS_LINE.match(l) for l in head.splitlines()[:20])


def parse_ss(path: str, text: str) -> tuple[list[LiveListener], list[LoadProblem]]:
    listeners: list[LiveListener] = []
    problems: list[LoadProblem] = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or _SS_HEADER.search(line):
            continue
        tokens = line.split()
        protocol = "tcp"
        if tokens[0] in ("tcp", "udp", "sctp"):
            protocol = tokens.pop(0)
        elif not tokens[0].isupper():
            problems.append(_ss_problem(path, n, "line not understood"))
            continue
        if len(tokens) < 5 or not (tokens[1].isascii() and tokens[1].isdigit()) or not (tokens[2].isascii() and tokens[2].isdigit()):
            problems.append(_ss_problem(path, n, "line not understood"))
            continue
        state, local = tokens[0], tokens[3]
        if state not in ("LISTEN", "UNCONN"):
            continue  # established connections and the like: not listeners
        if state == "UNCONN" and protocol == "tcp":
            protocol = "udp"  # `ss -lunp` without a Netid column
        address, port = _split_address(local)
        if port is None:
            if not local.endswith(":*"):
                problems.append(_ss_problem(path, n, f"local address {local[:60]!r} not understood"))
            continue
        process = _PROCESS.search(line)
        column = line.index(local) + 1 if local in line else 1
        listeners.append(LiveListener(address=address, port=port, protocol=protocol,
                                      process=process["name"] if process else "",
                                      loc=Loc(path=path, line=n, column=column)))
    return listeners, problems


def _split_address(local: str) -> tuple[str, Optional[int]]:
    host, sep, port = local.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()) or not 0 < int(port) <= 65535:
        return "", None
    host = host.strip("[]").split("%", 1)[0]
    if host.lower().startswith("::ffff:") and "." in host:
        host = host[7:]  # an IPv4-mapped address
    return host or "*", int(port)


def _ss_problem(path: str, line: int, message: str) -> LoadProblem:
    return LoadProblem(rule="AUD001", message=f"ss: {message}", loc=Loc(path=path, line=line))


# ---------------------------------------------------------------- netstat -ltnp


def looks_like_netstat(text: str) -> bool:
    head = text[:4096]
    return bool(_NETSTAT_HEADER.search(head)) or bool(_NETSTAT_LINE.search(head))


def parse_netstat(path: str, text: str) -> tuple[list[LiveListener], list[LoadProblem]]:
    listeners: list[LiveListener] = []
    problems: list[LoadProblem] = []
    for n, line in enumerate(text.split("\n"), 1):
        tokens = line.split()
        if not tokens or tokens[0] not in ("tcp", "tcp6", "udp", "udp6"):
            continue  # titles, headers, unix sockets
        protocol = tokens[0].rstrip("6")
        if len(tokens) < 5 or not all(t.isascii() and t.isdigit() for t in tokens[1:3]):
            problems.append(LoadProblem(rule="AUD001", message="netstat: line not understood",
                                        loc=Loc(path=path, line=n)))
            continue
        rest = tokens[5:]
        if protocol == "tcp":
            if not rest or rest[0] != "LISTEN":
                continue  # established connections: not listeners
            rest = rest[1:]
        local = tokens[3]
        address, port = _split_address(local)
        if port is None:
            continue
        process = ""
        if rest and "/" in rest[0]:
            process = rest[0].split("/", 1)[1].rstrip(":")[:64]
        listeners.append(LiveListener(address=address, port=port, protocol=protocol, process=process,
                                      loc=Loc(path=path, line=n, column=line.index(local) + 1)))
    return listeners, problems

"""nginx loader: which files are configurations, where each runs, and what their servers say.

Every file of `files` that no other file includes is an entry and gives one `NginxConfig`, with
its includes inlined (nginx/includes). Directive values follow nginx's inheritance: array
directives (`proxy_set_header`, `add_header`) come from the enclosing level only when a level
defines none of its own; simple ones (`proxy_http_version`, `ssl_protocols`) when it does not set them.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Optional, Sequence

from ...model import (Loc, LoadProblem, NginxConfig, NginxListen, NginxLocation, NginxServer,
                     NginxUpstream, Service)
from ...reader import Reader
from ...templates import engine_of, neutralize
from .envsubst import environment, render, runs_official_image, template_output
from .includes import Expansion, IncludeResolver, Runner, expand
from .syntax import Stmt, parse_text
from .values import parse_listen, parse_location, parse_target, parse_upstream_server

_NGINX_IMAGES = ("nginx", "openresty", "tengine", "angie", "swag")


def load_nginx(reader: Reader, files: Sequence[str],
               services: Sequence[Service] = ()) -> tuple[list[NginxConfig], list[LoadProblem]]:
    loader = _Loader(reader, services)
    configs: list[NginxConfig] = []
    for entry in loader.entries(list(dict.fromkeys(files))):
        try:
            config = loader.config(entry)
        except Exception as exc:  # the loader contract: never raise, the other entries still load
            loader.reached.add(entry)
            loader.problem(_crash(entry, exc))
            continue
        if config is not None:
            configs.append(config)
    return configs, loader.problems


def _crash(path: str, exc: Exception) -> LoadProblem:
    # the exception's text is not shown: it may quote a value of the file (a secret)
    return LoadProblem(rule="AUD001", message=f"nginx: cannot be loaded ({type(exc).__name__})",
                       loc=Loc(path=path))


class _Loader:
    def __init__(self, reader: Reader, services: Sequence[Service]):
        self.reader = reader
        self.services = services
        self.trees: dict[str, Optional[list[Stmt]]] = {}
        self.problems: list[LoadProblem] = []
        self._seen: set[LoadProblem] = set()
        self.reached: set[str] = set()
        # files whose text has no `include` anywhere: no include to resolve or expand
        self.include_free: set[str] = set()
        self._bind_list: Optional[list[tuple[Service, bool, object]]] = None

    def problem(self, p: LoadProblem) -> None:
        if p not in self._seen:
            self._seen.add(p)
            self.problems.append(p)

    def parsed(self, path: str) -> Optional[list[Stmt]]:
        """The statements of a file (cached); its read or parse problem is recorded once."""
        if path not in self.trees:
            tree = None
            try:
                text, problem = self.reader.read(path)
                engine = engine_of(path, text) if text is not None else None
                if text is not None and engine is not None:
                    # a template: its tags set aside, expressions as unknown values
                    neutral = neutralize(text, engine)
                    tree, problem = parse_text(path, neutral.text, self.reader.limits.max_depth)
                    if tree is not None and "include" not in neutral.text:
                        self.include_free.add(path)
                    if problem is not None and problem.rule == "AUD001":
                        tree, problem = None, LoadProblem(
                            rule="AUD002", severity="note", loc=Loc(path=path),
                            message=f"{'Jinja' if engine == 'jinja' else 'Go'} template that does "
                                    "not read as nginx with its tags set aside; not checked")
                elif text is not None:
                    tree, problem = parse_text(path, text, self.reader.limits.max_depth)
                    if tree is not None and "include" not in text:
                        self.include_free.add(path)
            except Exception as exc:
                problem = LoadProblem(rule="AUD001", message=f"nginx: cannot be parsed: {type(exc).__name__}",
                                      loc=Loc(path=path))
            if problem is not None:
                self.problem(problem)
            self.trees[path] = tree
        return self.trees[path]

    # -- entries --------------------------------------------------------------

    def entries(self, files: list[str]):
        """Files nobody includes, then (for include cycles nobody enters) the first unreached."""
        included: set[str] = set()
        for path in files:
            tree = self.parsed(path)
            if tree is None or path in self.include_free:
                continue
            try:
                resolver = IncludeResolver(self.reader, path, self.runner(path)[1])
                for s in _walk(tree):
                    if s.name == "include" and s.block is None and len(s.args) == 1:
                        included.update(f for f in resolver.resolve(path, s.args[0]).files if f != path)
            except Exception as exc:
                self.problem(_crash(path, exc))
        for path in files:
            if path not in included:
                yield path
        for path in sorted(files):
            if path not in self.reached and self.trees.get(path) is not None:
                yield path

    def runner(self, entry: str) -> tuple[Optional[Service], Optional[Runner]]:
        """The compose service whose bind mount holds `entry`, and how its container sees it."""
        found = self.mounted(entry)
        if found is None:
            return None, None
        svc, target = found
        prefix = posixpath.dirname(target) if posixpath.basename(target) == "nginx.conf" else "/etc/nginx"
        binds = tuple(m for m in svc.volumes if m.type == "bind")
        return svc, Runner(mounts=binds, prefix=prefix)

    def mounted(self, entry: str) -> Optional[tuple[Service, str]]:
        """The compose service whose bind mount holds `entry`, and the path it has in there."""
        best: Optional[tuple[tuple, Service, str]] = None
        for svc, nginx_image, m in self._binds():
            source = posixpath.normpath(m.source).strip("/") if m.source else ""
            source = "" if source == "." else source
            if not (source == entry or source == "" or entry.startswith(source + "/")):
                continue
            inside = entry[len(source):].lstrip("/") if source else entry
            target = posixpath.join(m.target, inside) if inside else m.target
            # A whole-repo mount (`.:/app`) on an app service does not make nginx run there.
            # (the mount's own target says so, not the path of the file inside it)
            if source == "" and not nginx_image and "nginx" not in m.target and "openresty" not in m.target:
                continue
            rank = (not nginx_image, -len(source), svc.project, svc.name)
            if best is None or rank < best[0]:
                best = (rank, svc, target)
        return None if best is None else (best[1], best[2])

    def rendered(self, entry: str) -> Optional[list[Stmt]]:
        """The statements of `entry` as the official nginx image renders it at start, when it is
        a template mounted where that image's entrypoint looks (nginx/envsubst); None otherwise,
        or when the rendered text does not read as nginx (the template itself is then checked)."""
        found = self.mounted(entry)
        if found is None or not runs_official_image(found[0]):
            return None
        env = environment(self.reader, found[0])
        if template_output(found[1], env) is None:
            return None
        text, _problem = self.reader.read(entry)
        if text is None:
            return None
        out = render(text, env)
        if out == text:
            return None
        tree, problem = parse_text(entry, out, self.reader.limits.max_depth)
        return tree if problem is None else None

    def _binds(self) -> list[tuple[Service, bool, object]]:
        """(service, runs an nginx image, mount) of every bind mount of the root into a
        container path: the only mounts `runner` looks at, listed once."""
        if self._bind_list is None:
            self._bind_list = []
            for svc in self.services:
                mounts = [m for m in svc.volumes
                          if m.type == "bind" and m.inside_root and m.target.startswith("/")]
                if mounts:
                    nginx_image = any(n in (svc.image or "").lower() for n in _NGINX_IMAGES)
                    self._bind_list.extend((svc, nginx_image, m) for m in mounts)
        return self._bind_list

    # -- one configuration -------------------------------------------------------

    def config(self, entry: str) -> Optional[NginxConfig]:
        tree = self.parsed(entry)
        if tree is None:
            return None
        service, runner = self.runner(entry)
        rendered = self.rendered(entry)
        if rendered is None and entry in self.include_free:
            # nothing to expand: the statements as read (extraction only reads them)
            expansion = Expansion(tree, [entry], [])
        else:
            resolver = IncludeResolver(self.reader, entry, runner)
            expansion = expand(entry, rendered or tree, self.parsed, resolver, self.reader.limits.max_include_depth)
        for p in expansion.problems:
            self.problem(p)
        self.reached.update(expansion.files)
        servers, upstreams = extract_servers(expansion.tree)
        return NginxConfig(
            id=entry, entry=entry, files=tuple(expansion.files), servers=tuple(servers),
            upstreams=tuple(upstreams),
            runs_in=service.key if service else None,
            runs_in_host_network=bool(service and service.network_mode == "host"),
        )


def _walk(tree: list[Stmt]):
    stack = [iter(tree)]
    while stack:
        s = next(stack[-1], None)
        if s is None:
            stack.pop()
            continue
        yield s
        if s.block:
            stack.append(iter(s.block))


# ---------------------------------------------------------------- extraction


# Directives a level inherits from the one around it (see _Scope).
_INHERITED = frozenset(("proxy_set_header", "add_header", "proxy_http_version", "ssl_protocols", "ssl_certificate"))


def _simple(block: list[Stmt]) -> dict[str, list[Stmt]]:
    """A block's `;`-terminated directives by name, each name's in document order: one pass
    over the block instead of one per directive looked up."""
    own: dict[str, list[Stmt]] = {}
    for s in block:
        if s.block is None:
            found = own.get(s.name)
            if found is None:
                own[s.name] = [s]
            else:
                found.append(s)
    return own


@dataclass(frozen=True)
class _Scope:
    """Effective inheritable values at one level of the configuration."""

    proxy_set_header: tuple[tuple[str, str], ...] = ()
    add_header: tuple[tuple[str, str], ...] = ()
    proxy_http_version: Optional[str] = None
    ssl_protocols: tuple[str, ...] = ()
    ssl_protocols_loc: Optional[Loc] = None
    ssl_certificate: Optional[str] = None

    def enter(self, own: dict[str, list[Stmt]]) -> "_Scope":
        """The scope inside a block whose `;`-terminated directives are `own` (see _simple)."""
        if _INHERITED.isdisjoint(own):
            return self
        set_header, add_header = own.get("proxy_set_header"), own.get("add_header")
        version, protocols = own.get("proxy_http_version"), own.get("ssl_protocols")
        certificate = own.get("ssl_certificate")
        return _Scope(
            proxy_set_header=(set_header and _headers(set_header)) or self.proxy_set_header,
            add_header=(add_header and _headers(add_header)) or self.add_header,
            proxy_http_version=" ".join(version[-1].args) if version else self.proxy_http_version,
            ssl_protocols=tuple(protocols[-1].args) if protocols else self.ssl_protocols,
            ssl_protocols_loc=protocols[-1].loc if protocols else self.ssl_protocols_loc,
            ssl_certificate=(certificate[-1].args[0] if certificate and certificate[-1].args
                             else self.ssl_certificate),
        )


_TOP = _Scope()  # nothing inherited yet


def _headers(directives: list[Stmt]) -> tuple[tuple[str, str], ...]:
    return tuple([(s.args[0].lower(), " ".join(s.args[1:])) for s in directives if s.args])


def extract_servers(tree: list[Stmt]) -> tuple[list[NginxServer], list[NginxUpstream]]:
    """Servers and upstreams of the http context.

    A conf.d file is included inside `http`, so its top level is treated as http level too;
    `stream`, `mail` and `events` blocks are not http and are skipped.
    """
    main = _TOP.enter(_simple(tree))
    levels = [(tree, main)] + [(s.block, main.enter(_simple(s.block))) for s in tree if s.name == "http" and s.block]
    upstreams = [_upstream(s) for block, _ in levels for s in block if s.name == "upstream" and s.block is not None]
    names = {u.name.lower(): u.name for u in upstreams}
    servers = [_server(s, scope, names) for block, scope in levels for s in block
               if s.name == "server" and s.block is not None]
    return servers, upstreams


def _upstream(s: Stmt) -> NginxUpstream:
    servers = tuple(parse_upstream_server(d.args, d.loc) for d in s.block or ()
                    if d.name == "server" and d.block is None and d.args)
    return NginxUpstream(name=s.args[0] if s.args else "", servers=servers, loc=s.loc)


def _server(s: Stmt, outer: _Scope, upstreams: dict[str, str]) -> NginxServer:
    block = s.block or []
    own = _simple(block)
    scope = outer.enter(own)
    listens = [parse_listen(d.args, d.loc) for d in own.get("listen", ()) if d.args]
    if not listens:  # nginx's default when run as root: *:80
        listens = [NginxListen(address="", port=80, raw="", loc=s.loc)]
    if _flag(own, "ssl"):  # the pre-1.15 `ssl on;` makes every listen TLS
        listens = [l.model_copy(update={"ssl": True}) if l.unix is None else l for l in listens]
    if _flag(own, "http2"):  # nginx >= 1.25.1 `http2 on;`
        listens = [l.model_copy(update={"http2": True}) for l in listens]
    names = own.get("server_name", ())
    return NginxServer(
        id=f"{s.path}:{s.line}",
        listens=tuple(listens),
        server_names=tuple(a for d in names for a in d.args),
        server_names_loc=names[0].loc if names else None,
        locations=tuple(_locations(block, scope, upstreams)),
        ssl_protocols=scope.ssl_protocols,
        ssl_protocols_loc=scope.ssl_protocols_loc,
        ssl_certificate=scope.ssl_certificate,
        returns=_last_args(own, "return"),
        loc=s.loc,
    )


def _flag(own: dict[str, list[Stmt]], name: str) -> bool:
    value = _last_args(own, name)
    return value is not None and value.lower() == "on"


def _last_args(own: dict[str, list[Stmt]], name: str) -> Optional[str]:
    found = own.get(name)
    return " ".join(found[-1].args) if found else None


def _locations(server_block: list[Stmt], server_scope: _Scope, upstreams: dict[str, str]) -> list[NginxLocation]:
    """Every location, nested ones flattened after their parent (document order), iteratively."""
    out: list[NginxLocation] = []
    stack = [(s, server_scope, None) for s in reversed(server_block) if s.name == "location" and s.block is not None]
    while stack:
        s, outer, parent = stack.pop()
        block = s.block or []
        own = _simple(block)
        scope = outer.enter(own)
        modifier, path = parse_location(s.args)
        out.append(NginxLocation(
            modifier=modifier, path=path, proxy_pass=_target(block, own, upstreams),
            proxy_http_version=scope.proxy_http_version, proxy_set_header=scope.proxy_set_header,
            add_header=scope.add_header, returns=_last_args(own, "return"),
            root=(_last_args(own, "root") or None), parent=parent, loc=s.loc,
        ))
        stack.extend((c, scope, path) for c in reversed(block) if c.name == "location" and c.block is not None)
    return out


def _target(block: list[Stmt], own: dict[str, list[Stmt]], upstreams: dict[str, str]):
    if "proxy_pass" not in own and "grpc_pass" not in own:
        return None
    for d in block:
        if d.block is None and d.args and d.name in ("proxy_pass", "grpc_pass"):
            default = "grpc" if d.name == "grpc_pass" else ""
            return parse_target(d.args[0], d.loc, upstreams, default_scheme=default)
    return None

"""How nginx picks a server for a host:port and a location for a path (its real matching order)."""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from ..model import NginxLocation, NginxServer
from .nginx_regex import MAX_TEXT, RegexUnknown, cannot_match, compiles, matches, required_literals  # noqa: F401 - RegexUnknown: callers catch it


def name_matches(pattern: str, host: str) -> bool:
    """Whether a server_name matches `host`; raises RegexUnknown for a regex that cannot be
    judged safely (see nginx_regex): then nobody knows which server answers."""
    host = host.lower().rstrip(".")
    p = pattern.lower()
    if p.startswith("~"):
        return matches(pattern[1:].strip(), host, ignore_case=True)  # nginx: caseless
    if p.startswith("*."):
        return host.endswith(p[1:])
    if p.startswith("."):
        return host == p[1:] or host.endswith(p)
    if p.endswith(".*"):
        return host.startswith(p[:-1])
    return p == host


def servers_named(servers: Iterable[NginxServer], host: str) -> list[NginxServer]:
    return [s for s in servers if any(name_matches(n, host) for n in s.server_names)]


def listens_on(server: NginxServer, port: int) -> bool:
    return bool(port) and any(l.port == port and l.unix is None for l in server.listens)


# Names that only ever serve as "any host": nginx's conventional invalid names.
CATCH_ALL_NAMES = {"", "_", '""', "''", "~.*", "~^.*$", "~^"}


def is_catch_all(server: NginxServer) -> bool:
    return not server.server_names or any(n in CATCH_ALL_NAMES for n in server.server_names)


def _name_rank(pattern: str, host: str) -> Optional[tuple[int, int]]:
    """nginx's server_name precedence: exact, longest leading wildcard, longest trailing
    wildcard, then the first matching regex (lower ranks win)."""
    if not name_matches(pattern, host):
        return None
    p = pattern.lower()
    if p.startswith("~"):
        return (3, 0)
    if p.startswith("*.") or p.startswith("."):
        return (1, -len(p))
    if p.endswith(".*"):
        return (2, -len(p))
    return (0, 0)


def select_server(servers: Iterable[NginxServer], host: str, port: int) -> Optional[NginxServer]:
    """The server nginx picks for `host` among those listening on `port`, or None when no
    server name matches (nginx would then answer with the port's default server)."""
    return _best_named(enumerate(s for s in servers if listens_on(s, port)), host)


def _best_named(candidates: Iterable[tuple[int, NginxServer]], host: str) -> Optional[NginxServer]:
    """Of (position, server) pairs, the server whose name nginx prefers for `host` (on a tie,
    the first by position); None when no name matches."""
    best: Optional[tuple[tuple[int, int, int], NginxServer]] = None
    for i, server in candidates:
        ranks = [r for r in (_name_rank(n, host) for n in server.server_names) if r is not None]
        if not ranks:
            continue
        rank = (*min(ranks), i)
        if best is None or rank < best[0]:
            best = (rank, server)
    return best[1] if best else None


def default_server(servers: Iterable[NginxServer], port: int) -> Optional[NginxServer]:
    """The server that answers on `port` when no name matches: `default_server`, else the first."""
    on_port = [s for s in servers if listens_on(s, port)]
    flagged = [s for s in on_port if any(l.port == port and l.default_server for l in s.listens)]
    return (flagged or on_port or [None])[0]


def _is_exact(pattern: str) -> bool:
    p = pattern.lower()
    return not (p.startswith(("~", "*.", ".")) or p.endswith(".*"))


def _matcher(pattern: str) -> Callable[[str], bool]:
    """`name_matches(pattern, host)` as a function of the host, its regex compiled once."""
    if pattern.lower().startswith("~"):
        # RE2 (nginx_regex): linear time; RegexUnknown when the pattern cannot be judged safely
        regex = pattern[1:].strip()

        def regex_matches(host: str) -> bool:
            h = host.lower().rstrip(".")
            # one regex server per site meets every URL host: most lack its literal part
            return False if cannot_match(regex, h) else matches(regex, h, ignore_case=True)
        return regex_matches
    return lambda host: name_matches(pattern, host)


class ServerIndex:
    """The servers of one nginx, indexed for the questions routing asks per URL.

    Exact names go through a dict; only wildcard and regex names (few, in real configs) are
    tried one by one. Answers are those of `servers_named`, `select_server` and
    `default_server` over the same list, in the same order.
    """

    def __init__(self, servers: Iterable[NginxServer]):
        self.servers = list(servers)
        self._exact: dict[str, list[int]] = {}
        self._patterns: list[tuple[Callable[[str], bool], int]] = []  # (matcher, server position)
        # Wildcards by what they compare (name_matches' rules): `*.x` and `.x` by the suffix
        # `.x` (and `.x` by `x` itself), `x.*` by the prefix `x.`; only regexes stay a list.
        self._suffix: dict[str, list[int]] = {}
        self._bare: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._memo: dict[str, list[int]] = {}
        self._on_port: dict[int, list[int]] = {}
        regex_texts: list[Optional[str]] = []  # per entry of _patterns: the regex, for _gram_index
        for i, server in enumerate(self.servers):
            # a server naming regexes tries its wildcards in turn with them, as before (an
            # unknown regex before a matching wildcard leaves the route unknown)
            regexes = any(n.lower().startswith("~") for n in server.server_names)
            for name in server.server_names:
                if _is_exact(name):
                    positions = self._exact.setdefault(name.lower(), [])
                    if not positions or positions[-1] != i:
                        positions.append(i)
                elif regexes:
                    self._patterns.append((_matcher(name), i))
                    regex_texts.append(name[1:].strip() if name.lower().startswith("~") else None)
                else:
                    p = name.lower()
                    if p.startswith("*."):
                        self._suffix.setdefault(p[1:], []).append(i)
                    elif p.startswith("."):
                        self._suffix.setdefault(p, []).append(i)
                        self._bare.setdefault(p[1:], []).append(i)
                    else:  # `x.*`
                        self._prefix.setdefault(p[:-1], []).append(i)
            for port in dict.fromkeys(l.port for l in server.listens if l.port and l.unix is None):
                self._on_port.setdefault(port, []).append(i)
        self._by_gram, self._always = _gram_index(regex_texts)

    def _regex_candidates(self, h: str) -> Iterable[tuple[Callable[[str], bool], int]]:
        """The regex entries that may match host `h`, in order: each regex with a required
        literal is filed under one three-letter piece of it, and a host lacking that piece is
        one `cannot_match` would refuse anyway (one regex server per site would otherwise meet
        every URL host)."""
        if not self._by_gram or not h.isascii() or len(h) > MAX_TEXT:
            return self._patterns
        chosen = set(self._always)
        for k in range(len(h) - 2):
            chosen.update(self._by_gram.get(h[k:k + 3], ()))
        return [self._patterns[k] for k in sorted(chosen)]

    def _named(self, host: str) -> list[int]:
        hit = self._memo.get(host)
        if hit is None:
            h = host.lower().rstrip(".")
            found = set(self._exact.get(h, ()))
            found.update(self._bare.get(h, ()))
            if self._suffix or self._prefix:
                dot = h.find(".")
                while dot >= 0:
                    found.update(self._suffix.get(h[dot:], ()))
                    found.update(self._prefix.get(h[:dot + 1], ()))
                    dot = h.find(".", dot + 1)
            if self._patterns:
                found.update(i for matches, i in self._regex_candidates(h) if i not in found and matches(host))
            hit = self._memo[host] = sorted(found)
        return hit

    def named(self, host: str) -> list[NginxServer]:
        """`servers_named(servers, host)`."""
        return [self.servers[i] for i in self._named(host)]

    def listens(self, port: int) -> bool:
        return bool(port) and port in self._on_port

    def select(self, host: str, port: int) -> Optional[NginxServer]:
        """`select_server(servers, host, port)`."""
        if not port:
            return None
        listening = set(self._on_port.get(port, ()))
        return _best_named(((i, self.servers[i]) for i in self._named(host) if i in listening), host)

    def default(self, port: int) -> Optional[NginxServer]:
        """`default_server(servers, port)`."""
        on_port = [self.servers[i] for i in self._on_port.get(port, ())] if port else []
        flagged = [s for s in on_port if any(l.port == port and l.default_server for l in s.listens)]
        return (flagged or on_port or [None])[0]


def _gram_index(regexes: list[Optional[str]]) -> tuple[dict[str, list[int]], list[int]]:
    """(three-letter piece -> positions of the regexes filed under it, positions always tried).
    Each regex RE2 runs and that has required literals is filed under its piece the fewest
    regexes share, so a common `.example.com` does not file them all together."""
    grams: list[set[str]] = []
    count: dict[str, int] = {}
    for regex in regexes:
        pieces: set[str] = set()
        if regex is not None and compiles(regex):
            pieces = {r[k:k + 3] for r in required_literals(regex) for k in range(len(r) - 2)}
        grams.append(pieces)
        for g in pieces:
            count[g] = count.get(g, 0) + 1
    by_gram: dict[str, list[int]] = {}
    always: list[int] = []
    for k, pieces in enumerate(grams):
        if pieces:
            by_gram.setdefault(min(pieces, key=lambda g: (count[g], g)), []).append(k)
        else:
            always.append(k)
    return by_gram, always


def tls_on(server: NginxServer, port: int) -> bool:
    return any(l.port == port and l.ssl for l in server.listens)


class _LocationIndex:
    """One server's top-level locations indexed the way nginx searches them.

    Prefix matching walks the request path's own prefixes through a dict, so a server with a
    thousand locations costs a path-length of lookups, not a thousand comparisons.
    """

    def __init__(self, locations: Iterable[NginxLocation]):
        self.exact: dict[str, NginxLocation] = {}
        self.prefix: dict[str, NginxLocation] = {}
        self.regex: list[NginxLocation] = []
        for loc in locations:
            if loc.parent is not None or loc.modifier == "@":
                continue
            if loc.modifier == "=":
                self.exact.setdefault(loc.path, loc)
            elif loc.modifier in ("", "^~"):
                self.prefix.setdefault(loc.path, loc)
            elif loc.modifier in ("~", "~*"):
                self.regex.append(loc)

    def match(self, path: str) -> Optional[NginxLocation]:
        """nginx's order: exact `=`, then the longest prefix (stop if `^~`), then regexes in order."""
        hit = self.exact.get(path)
        if hit is not None:
            return hit
        best: Optional[NginxLocation] = None
        for end in range(len(path), -1, -1):
            best = self.prefix.get(path[:end])
            if best is not None:
                break
        # `/api` with only `location /api/ { proxy_pass ...; }`: nginx answers a 301 to `/api/`.
        redirect = self.prefix.get(path + "/")
        if redirect is not None and redirect.proxy_pass is not None:
            return redirect
        if best is not None and best.modifier == "^~":
            return best
        for loc in self.regex:  # RegexUnknown propagates: which location answers is unknown
            if matches(loc.path, path, ignore_case=loc.modifier == "~*"):
                return loc
        return best


_INDEXES: dict[int, tuple[object, _LocationIndex]] = {}


def _index(locations) -> _LocationIndex:
    if not isinstance(locations, tuple):
        return _LocationIndex(locations)
    hit = _INDEXES.get(id(locations))
    if hit is None or hit[0] is not locations:
        if len(_INDEXES) > 10_000:
            _INDEXES.clear()
        hit = (locations, _LocationIndex(locations))  # the tuple is kept so its id stays unique
        _INDEXES[id(locations)] = hit
    return hit[1]


def match_location(locations: Iterable[NginxLocation], path: str) -> Optional[NginxLocation]:
    """nginx's order: exact `=`, then the longest prefix (stop if `^~`), then regexes in order."""
    return _index(locations).match(path)


def route(locations: Iterable[NginxLocation], path: str) -> Optional[NginxLocation]:
    """The location that handles `path`, looking into locations nested in the matched one."""
    all_locs = locations if isinstance(locations, tuple) else tuple(locations)
    found = match_location(all_locs, path)
    depth = 0
    while found is not None and depth < 16:
        children = [l.model_copy(update={"parent": None}) for l in all_locs
                    if l.parent == found.path and l is not found]
        inner = match_location(children, path) if children else None
        if inner is None:
            break
        found = next(l for l in all_locs if l.parent == found.path and l.path == inner.path
                     and l.modifier == inner.modifier)
        depth += 1
    return found

"""The exposure map: the graph seen as the way traffic flows in, with the findings on it.

Left to right: sources (the internet, other CIDRs and groups) -> security-group rules -> host
listeners -> nginx servers with their locations -> services by compose project -> datastores.
Env and docs URLs are attached to what they reach. Every element names the file and line it
comes from, and carries the fingerprints of the findings at that place: the same ids the JSON
and SARIF reports give (`partialFingerprints["auditor/v1"]`), so a result leads to its element.

A view over the graph for the pictures (svg, html, dot, mermaid) and scripts (json); it joins
nothing the graph does not already know, except which element a finding's line belongs to.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional, Sequence

from ..graph import addresses as addr
from ..graph.model import Graph, Listener
from ..graph.routing import listens_on
from ..graph.secrets import scrubber
from ..knowledge import ports as known
from ..model import (Finding, Loc, NginxConfig, NginxServer, SecurityGroupRule, Service, service_key,
                     span_text, split_service_key)
from ..redact import redact_line

SOURCE, RULE, LISTENER, NGINX, SERVICE, DATASTORE = range(6)
RANK_TITLES = ("sources", "security groups", "host listeners", "nginx", "services", "datastores")
SEVERITIES = ("error", "warning", "note")
_RANK = {"note": 1, "warning": 2, "error": 3}

# Finding anchors by specificity: a finding on a line owned by a location row wins over the
# server that holds the row, which wins over the group around it.
_LEAF, _NODE, _GROUP = 0, 1, 2


@dataclass
class Element:
    id: str
    kind: str
    label: str
    sub: str = ""
    loc: Optional[Loc] = None
    anchors: list[Loc] = field(default_factory=list)  # lines that belong to it
    details: list[tuple[str, str]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # finding ids (fingerprints)
    tags: list[str] = field(default_factory=list)  # exposed, internal, inactive, broken, ...

    @property
    def where(self) -> str:
        return f"{self.loc.path}:{self.loc.line}" if self.loc else ""


@dataclass
class Node(Element):
    rank: int = 0
    group: Optional[str] = None
    rows: list[Element] = field(default_factory=list)  # nginx locations of a server
    chips: list[Element] = field(default_factory=list)  # URLs that reach it


@dataclass
class Group(Element):
    rank: int = 0


@dataclass
class Edge:
    id: str
    source: str  # node id
    target: str  # node id
    source_row: Optional[str] = None  # the row (location) it leaves from
    label: str = ""
    kind: str = "flow"  # flow (traffic in), proxy (nginx to backend), uses (service to datastore)
    findings: list[str] = field(default_factory=list)  # findings on the path it belongs to
    tags: list[str] = field(default_factory=list)


@dataclass
class MapFinding:
    id: str
    rule: str
    name: str
    severity: str
    message: str
    path: str
    line: int
    column: int
    related: list[tuple[str, int, str]]
    fix: str
    elements: list[str] = field(default_factory=list)


@dataclass
class ExposureMap:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    findings: dict[str, MapFinding] = field(default_factory=dict)

    def elements(self) -> Iterator[Element]:
        yield from self.groups
        for n in self.nodes:
            yield n
            yield from n.rows
            yield from n.chips

    def severity(self, ids: Iterable[str]) -> Optional[str]:
        best = None
        for i in ids:
            f = self.findings.get(i)
            if f and (best is None or _RANK[f.severity] > _RANK[best]):
                best = f.severity
        return best

    @property
    def unplaced(self) -> list[MapFinding]:
        return [f for f in self.findings.values() if not f.elements]


# ---------------------------------------------------------------- text helpers


def clean(text: object, limit: int = 0) -> str:
    """Printable text: control and format characters (newlines, bidi overrides) shown as
    escapes, so no name can break a line of any format or disguise itself."""
    s = str(text)
    # isprintable() is False for every category C character (and for separators other than
    # the space, which the slow path leaves alone): a fast way to skip the common case.
    if not s.isprintable() and any(unicodedata.category(c)[0] == "C" for c in s):
        s = "".join(c if unicodedata.category(c)[0] != "C" else
                    ("\\n" if c == "\n" else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
                    for c in s)
    if limit and len(s) > limit:
        s = s[:limit - 1] + "\u2026"
    return s


_SLUG = re.compile(r"[^A-Za-z0-9._/-]+")


def _bind(address: str) -> str:
    if address == "":
        return "*"
    return f"[{address}]" if ":" in address else address


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(self, graph: Graph, findings: Sequence[Finding], fixes: dict[str, str], known=None):
        self.g = graph
        self.m = ExposureMap()
        self.ids: set[str] = set()
        self.edge_ids: dict[str, Edge] = {}
        self.nodes: dict[str, Node] = {}
        self.rows: dict[tuple[str, str], Element] = {}  # (server id, location path) -> row
        self.server_nodes: dict[str, Node] = {}
        self.server_of: dict[str, NginxServer] = {}  # node id -> its server
        self.service_el: dict[str, Element] = {}  # service key -> its node, or its nginx group
        self.instance_servers: dict[str, list[Node]] = {}  # "" host, else runner key
        self.rule_nodes: list[tuple[SecurityGroupRule, Node]] = []
        self.listener_nodes: list[Node] = []
        self.anchor: dict[tuple[str, int], list[tuple[int, Element]]] = {}
        self.spans: dict[str, list[tuple[int, int, int, Element]]] = {}
        self.known = known or scrubber(graph)
        self.findings = findings
        self.fixes = fixes

    # -- ids, anchors -----------------------------------------------------

    def new_id(self, kind: str, where: object) -> str:
        base = f"{kind}-{_SLUG.sub('_', str(where))[:100]}".rstrip("-")
        out, n = base, 1
        while out in self.ids:
            n += 1
            out = f"{base}~{n}"
        self.ids.add(out)
        return out

    def own(self, el: Element, level: int, *locs: Optional[Loc]) -> None:
        for loc in locs:
            if loc is None:
                continue
            el.anchors.append(loc)
            self.anchor.setdefault((loc.path, loc.line), []).append((level, el))

    def span(self, el: Element, path: str, start: int, end: int, level: int = _NODE) -> None:
        """Lines start..end of `path` belong to `el` when no element owns the exact line."""
        self.spans.setdefault(path, []).append((start, end, level, el))

    def node(self, kind: str, label: str, rank: int, loc: Optional[Loc], *, sub: str = "",
             group: Optional[str] = None, key: object = None) -> Node:
        n = Node(id=self.new_id(kind, key if key is not None else (f"{loc.path}:{loc.line}" if loc else label)),
                 kind=kind, label=clean(label), sub=clean(sub), loc=loc, rank=rank, group=group)
        self.m.nodes.append(n)
        return n

    def group(self, kind: str, label: str, rank: int, loc: Optional[Loc], key: object, sub: str = "") -> Group:
        gid = self.new_id(kind, key)
        g = Group(id=gid, kind=kind, label=clean(label), sub=clean(sub), loc=loc, rank=rank)
        self.m.groups.append(g)
        return g

    def edge(self, source: Node, target: Node, *, label: str = "", kind: str = "flow",
             row: Optional[Element] = None, tags: Iterable[str] = ()) -> Edge:
        key = f"{source.id}>{row.id if row else ''}>{target.id}"
        e = self.edge_ids.get(key)
        if e is not None:
            if label and label not in e.label.split(", "):
                e.label = clean(f"{e.label}, {label}" if e.label else label, 60)
            return e
        e = Edge(id=key, source=source.id, target=target.id, source_row=row.id if row else None,
                 label=clean(label, 60), kind=kind, tags=list(tags))
        self.m.edges.append(e)
        self.edge_ids[key] = e
        return e

    def text(self, value: str) -> str:
        """A value shown as a detail: secrets of the graph and URL passwords masked."""
        return clean(redact_line(self.known(value)))

    # -- sources and security groups --------------------------------------

    def firewall(self) -> None:
        rules = [r for r in self.g.sg_rules if r.direction == "ingress"]
        sources: dict[str, Node] = {}
        groups: dict[str, Group] = {}
        for r in rules:
            src = sources.get(r.source)
            if src is None:
                label = "internet" if r.world else r.source
                sub = r.source if r.world else {"group": "security group", "prefix-list": "prefix list"}.get(
                    r.source_kind, "CIDR")
                src = self.node("source", label, SOURCE, r.loc, sub=sub, key=r.source)
                src.details.append(("source", clean(r.source)))
                src.tags.append("world" if r.world else "restricted")
                sources[r.source] = src
            gkey = r.group_id or r.group_name or "security group"
            g = groups.get(gkey)
            if g is None:
                g = self.group("sg", f"security group {r.group_name or r.group_id}", RULE, r.loc, gkey,
                               sub=r.group_id if r.group_name and r.group_id else "")
                groups[gkey] = g
            label, name = _rule_label(r)
            n = self.node("rule", label, RULE, r.loc, sub=f"from {r.source}", group=g.id,
                          key=f"{r.loc.path}:{r.loc.line}:{r.source}")
            n.details += [("security group", clean(r.group_name or r.group_id)), ("group id", clean(r.group_id)),
                          ("protocol", clean(r.protocol)), ("source", clean(r.source))]
            if name:
                n.details.append(("service", name))
            if r.description:
                n.details.append(("description", self.text(r.description)))
            n.tags.append("world" if r.world else "restricted")
            self.own(n, _LEAF, r.loc)
            self.rule_nodes.append((r, n))
            self.edge(src, n, kind="flow")
        self.sources = sources

    # -- listeners ---------------------------------------------------------

    def host_label(self, host_id: str) -> str:
        """"host", or which host when the deployment model knows of several."""
        if len(self.g.hosts) <= 1:
            return "host" if host_id != "?" else "host (unknown)"
        h = self.g.host(host_id)
        if h is None:
            return "host (unknown)"
        if h.name:
            return f"host {h.name}"
        names = [p.name for p in self.g.projects if p.id in h.families]
        return f"host of {', '.join(names[:2])}{' ...' if len(names) > 2 else ''}" if names else f"host {h.id}"

    def host_of(self, item: Optional[str]) -> str:
        h = self.g.host_of(item) if item else None
        return h.id if h else "?"

    def listeners(self) -> None:
        # A host nginx listener's configuration: the one whose server holds the listen.
        self.listen_config: dict[tuple[str, int, int], NginxConfig] = {}
        for c in self.g.nginx:
            for s in c.servers:
                for l in s.listens:
                    self.listen_config.setdefault((l.loc.path, l.loc.line, l.loc.column), c)
        hosts: dict[str, Group] = {}
        for l in self.g.listeners:
            if l.kind == "compose":
                host = self.host_of(split_service_key(l.service or "")[0])
            else:
                c = self.listen_config.get((l.loc.path, l.loc.line, l.loc.column))
                host = self.host_of(c.id) if c else "?"
            if host not in hosts:
                hosts[host] = self.group("host", self.host_label(host), LISTENER, None, f"host:{host}")
            owner = self.g.service_name(l.service) if l.service else "host nginx"
            label = f"{_bind(l.address)}:{span_text(l.port, l.port_end)}/{l.protocol}"
            sub = f"published by {owner}" if l.kind == "compose" else "nginx listen"
            n = self.node("listener", label, LISTENER, l.loc, sub=sub, group=hosts[host].id)
            n.details += [("bind", clean(addr.describe_bind(l.address))),
                          ("port", span_text(l.port, l.port_end)), ("protocol", l.protocol)]
            if l.service:
                n.details.append(("service", clean(owner)))
            if l.target is not None:
                n.details.append(("container port", str(l.target)))
            if not l.active:
                n.tags.append("inactive")
                n.sub = clean(f"{sub} (profile only)")
            self.own(n, _LEAF, l.loc)
            self.listener_nodes.append(n)

    # -- nginx -----------------------------------------------------------------

    def instance_of(self, c: NginxConfig) -> str:
        """Which running nginx a configuration belongs to: `host:<host id>` for a host nginx,
        the service key for one mounted into a container, `unknown:` when nobody knows."""
        placement = self.g.placement(c.id)
        if placement.where == "container" and (placement.service or c.runs_in):
            return placement.service or c.runs_in or ""
        if placement.where == "host":
            return f"host:{self.host_of(c.id)}"
        return "unknown:"

    def nginx(self) -> None:
        services = {s.key: s for s in self.g.services}
        instances: dict[str, list[NginxConfig]] = {}
        for c in self.g.nginx:
            instances.setdefault(self.instance_of(c), []).append(c)
        seen: set[str] = set()
        for key in sorted(instances):
            configs = instances[key]
            runner = services.get(key)
            files = ", ".join(c.entry for c in configs[:2]) + (" ..." if len(configs) > 2 else "")
            if key.startswith("host:"):
                where = self.host_label(key[5:])
                title = "host nginx" if where == "host" else f"nginx on {where}"
                g = self.group("nginx", title, NGINX, Loc(path=configs[0].entry), key, sub=files)
            elif key == "unknown:":
                g = self.group("nginx", "nginx (where it runs is unknown)", NGINX, Loc(path=configs[0].entry),
                               key, sub=files)
            else:
                name = runner.name if runner else split_service_key(key)[1]
                g = self.group("nginx", f"nginx in service {name}", NGINX, runner.loc if runner else None,
                               key, sub=runner.image or "" if runner else "")
                if runner:
                    self.own(g, _GROUP, runner.loc)
                    self.service_el[key] = g
            self.instance_servers[key] = []
            for c in configs:
                upstreams = {u.name: u for u in c.upstreams}
                for s in c.servers:
                    if s.id in seen:
                        continue
                    seen.add(s.id)
                    self.instance_servers[key].append(self.server(s, c, g, upstreams))

    def server(self, s: NginxServer, config: NginxConfig, g: Group, upstreams) -> Node:
        names = [n for n in s.server_names if n not in ("", "_", '""')]
        label = ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "") if names else "default server"
        listens = ", ".join(f"{l.port}{' ssl' if l.ssl else ''}" if l.unix is None else "unix" for l in s.listens)
        n = self.node("server", label, NGINX, s.loc, sub=f"listen {listens}" if listens else "", group=g.id)
        n.details += [("server_name", clean(" ".join(s.server_names) or "(none)")),
                      ("listen", clean(listens or "(none)")), ("config", clean(config.entry))]
        if s.ssl_protocols:
            n.details.append(("ssl_protocols", clean(" ".join(s.ssl_protocols))))
        self.own(n, _NODE, s.loc, s.server_names_loc, s.ssl_protocols_loc, *(l.loc for l in s.listens))
        last = s.loc.line
        for loc in s.locations:
            t = loc.proxy_pass
            row = Element(id=self.new_id("location", f"{loc.loc.path}:{loc.loc.line}:{loc.loc.column}"),
                          kind="location", label=clean(f"{loc.modifier} {loc.path}".strip(), 48), loc=loc.loc)
            if t is not None:
                row.sub = clean(self.text(t.raw), 48)
                row.details.append(("proxy_pass", self.text(t.raw)))
                if t.upstream and t.upstream in upstreams:
                    u = upstreams[t.upstream]
                    self.own(row, _LEAF, u.loc, *(us.loc for us in u.servers))
            elif loc.returns:
                row.sub = clean(f"return {self.text(loc.returns)}", 48)
            elif loc.root:
                row.sub = clean(f"root {loc.root}", 48)
            row.details.insert(0, ("location", clean(f"{loc.modifier} {loc.path}".strip())))
            self.own(row, _LEAF, loc.loc, t.loc if t else None)
            n.rows.append(row)
            self.rows.setdefault((s.id, loc.path), row)
            last = max(last, loc.loc.line, t.loc.line if t else 0)
        self.span(n, s.loc.path, s.loc.line, last + 2)
        self.server_nodes[s.id] = n
        self.server_of[n.id] = s
        return n

    def listens(self, n: Node, port: int) -> bool:
        s = self.server_of.get(n.id)
        return s is not None and listens_on(s, port)

    # -- services --------------------------------------------------------------

    def services(self) -> None:
        for p in self.g.projects:
            groups: dict[int, Group] = {}
            readers: dict[str, list[Node]] = {}  # env_file path -> services that read it
            ordered = sorted(p.services, key=lambda s: (s.loc.path, s.loc.line))
            for i, s in enumerate(ordered):
                key = s.key
                nxt = ordered[i + 1].loc.line - 1 if i + 1 < len(ordered) and ordered[i + 1].loc.path == s.loc.path \
                    else s.loc.line + 10_000
                if key in self.service_el:  # an nginx runner: drawn as its nginx group
                    self.span(self.service_el[key], s.loc.path, s.loc.line, nxt)
                    continue
                kind = _datastore(s)
                rank = DATASTORE if kind else SERVICE
                if rank not in groups:
                    title = f"compose project {p.name}" + (" (datastores)" if rank == DATASTORE else "")
                    groups[rank] = self.group("project", title, rank, p.loc, f"{p.id}:{rank}",
                                              sub=", ".join(p.files[:2]))
                n = self.node("datastore" if kind else "service", s.name, rank, s.loc,
                              sub=kind or s.image or (f"build {s.build}" if s.build else ""), group=groups[rank].id)
                n.details += [("project", clean(p.name)), ("image", self.text(s.image or "(built)"))]
                if s.container_name:
                    n.details.append(("container_name", clean(s.container_name)))
                if kind:
                    n.details.append(("datastore", kind))
                if s.profiles:
                    n.tags.append("inactive")
                    n.details.append(("profiles", clean(", ".join(s.profiles))))
                self.own(n, _NODE, s.loc, *(e.loc for e in s.environment), *(d.loc for d in s.depends_on),
                         s.healthcheck.loc if s.healthcheck else None, *(v.loc for v in s.volumes),
                         *(e.loc for e in s.env_files))
                self.span(n, s.loc.path, s.loc.line, nxt)
                for ref in s.env_files:
                    readers.setdefault(ref.path, []).append(n)
                self.nodes[key] = n
                self.service_el[key] = n
            # Env files: a line of one read by a single service belongs to it; of one shared by
            # several services, or feeding the project's interpolation, to the project.
            project = groups.get(SERVICE) or groups.get(DATASTORE)
            for path, nodes in readers.items():
                if len(nodes) == 1:
                    self.span(nodes[0], path, 1, 10**9, _NODE)
                elif project is not None:
                    self.span(project, path, 1, 10**9, _GROUP)
            if project is not None:
                for env in p.env_sources:
                    if env not in readers:
                        self.span(project, env, 1, 10**9, _GROUP)

    def external(self, host: str, port: Optional[int], kind: str, reason: str = "") -> Node:
        key = f"{kind}:{host}:{port}"
        if key not in self.nodes:
            label = f"{host}:{port}" if port else host
            sub = "nothing listens here" if kind == "unresolved" else "outside this stack"
            n = self.node(kind, label, SERVICE, None, sub=sub, key=f"{host}:{port}")
            n.tags.append("broken" if kind == "unresolved" else "external")
            if reason:
                n.details.append(("why", self.text(reason)))
            self.nodes[key] = n
        return self.nodes[key]

    # -- edges -----------------------------------------------------------------

    def flows(self) -> None:
        rules_at: dict[tuple[str, int, int], list[tuple[SecurityGroupRule, Node]]] = {}
        for r, n in self.rule_nodes:
            rules_at.setdefault((r.loc.path, r.loc.line, r.loc.column), []).append((r, n))
        unknown_src = None
        for e in self.g.exposures:
            ln = self.listener_nodes[e.listener]
            ln.details.append(("firewall", e.firewall))
            if e.public_bind and e.firewall in ("open", "restricted"):
                for loc in e.rules:
                    for r, rn in rules_at.get((loc.path, loc.line, loc.column), ()):
                        if r.world == (e.firewall == "open"):
                            self.edge(rn, ln)
            elif e.firewall == "unknown" and e.public_bind:
                if unknown_src is None:
                    unknown_src = self.node("source", "internet", SOURCE, None,
                                            sub="no firewall rules known", key="internet")
                    unknown_src.tags.append("world")
                    unknown_src.details.append(("firewall", "no security-group rules were found: "
                                                "every public bind is taken as reachable"))
                self.edge(unknown_src, ln, tags=["unknown"])
            if not e.public_bind:
                ln.tags.append("local")
        for l, ln in zip(self.g.listeners, self.listener_nodes):
            for target in self._behind(l):
                self.edge(ln, target)

    def _behind(self, l: Listener) -> list[Node]:
        """What a connection to the listener reaches: nginx servers on the port, or the service."""
        if l.kind == "nginx":
            c = self.listen_config.get((l.loc.path, l.loc.line, l.loc.column))
            key = self.instance_of(c) if c else ""
            return [n for n in self.instance_servers.get(key, []) if self.listens(n, l.port)]
        if l.service in self.instance_servers:
            port = l.target_for(l.port)
            return [n for n in self.instance_servers[l.service] if port is not None and self.listens(n, port)]
        target = self.nodes.get(l.service or "")
        return [target] if target else []

    def proxies(self) -> None:
        for link in self.g.proxy_links:
            server = self.server_nodes.get(link.server)
            row = self.rows.get((link.server, link.location or ""))
            if server is None or row is None:
                continue
            label = f"upstream {link.upstream}" if link.upstream else ""
            if link.kind == "service" and link.service in self.nodes:
                self.edge(server, self.nodes[link.service], row=row, kind="proxy", label=label)
            elif link.kind == "service" and link.service in self.instance_servers:
                for target in self.instance_servers[link.service]:
                    if link.container_port and self.listens(target, link.container_port):
                        self.edge(server, target, row=row, kind="proxy", label=label)
            elif link.kind == "external":
                self.edge(server, self.external(link.host, link.port, "external"), row=row, kind="proxy",
                          label=label)
            elif link.kind == "unresolved":
                target = self.nodes.get(link.service or "") or self.external(link.host, link.port, "unresolved",
                                                                            link.reason)
                e = self.edge(server, target, row=row, kind="proxy", label=label, tags=["broken"])
                if link.reason:
                    row.details.append(("unresolved", self.text(link.reason)))
                e.tags = sorted(set(e.tags) | {"broken"})
            elif link.kind in ("variable", "self", "nginx"):
                row.details.append(("reaches", {"variable": "a target computed at run time",
                                                "self": "this nginx itself",
                                                "nginx": "another nginx listener"}[link.kind]))

    def uses(self) -> None:
        """Service -> datastore: depends_on and connection URLs in its environment."""
        for key, n in list(self.nodes.items()):
            s = self.g.service(key)
            if s is None or n.kind != "service":
                continue
            for d in s.depends_on:
                target = self.nodes.get(service_key(s.project, d.service))
                if target is not None and target.rank > n.rank:
                    self.edge(n, target, kind="uses", label="depends_on")
        for u in self.g.urls:
            if u.source == "compose" and u.service in self.nodes and u.target_service in self.nodes:
                a, b = self.nodes[u.service], self.nodes[u.target_service]
                if b.rank > a.rank:
                    self.edge(a, b, kind="uses", label=u.key or "URL")

    def urls(self) -> None:
        chips: dict[tuple[str, str], Element] = {}
        for u in self.g.urls:
            if u.template:
                continue
            target = None
            if u.target_service:
                target = self.nodes.get(u.target_service)
                if target is None and u.target_service in self.instance_servers:
                    servers = self.instance_servers[u.target_service]
                    target = servers[0] if servers else None
            elif u.route_server:
                target = self.server_nodes.get(u.route_server)
            if target is None:
                continue
            chip = chips.get((target.id, u.file))
            if chip is None:
                chip = Element(id=self.new_id("url", f"{u.loc.path}:{u.loc.line}:{u.loc.column}"), kind="url",
                               label="", loc=u.loc)
                chips[(target.id, u.file)] = chip
                target.chips.append(chip)
            line = f"{u.loc.path}:{u.loc.line}"
            shown = self.text(u.url)
            if (line, shown) not in {(w, v.split(" ", 1)[-1]) for w, v in chip.details}:
                chip.details.append((line, clean(f"{u.key + ' ' if u.key else ''}{shown}")))
            self.own(chip, _LEAF, u.loc)
            if u.via_public_address and "via-public" not in chip.tags:
                chip.tags.append("via-public")
        for chip in chips.values():
            keys = sorted({v.split(" ", 1)[0] for _, v in chip.details if " " in v})
            lines = sorted({loc.line for loc in chip.anchors})
            chip.label = clean(", ".join(keys[:2]) + (f" +{len(keys) - 2}" if len(keys) > 2 else "")
                               if keys else f"{len(chip.details)} URL{'s' if len(chip.details) > 1 else ''}", 40)
            chip.sub = clean(f"{chip.loc.path}:{', '.join(map(str, lines[:4]))}{' ...' if len(lines) > 4 else ''}", 40)

    # -- findings and paths ------------------------------------------------

    def attach(self) -> None:
        for f in self.findings:
            fid = f.fingerprint or f"{f.rule}-{f.path}-{f.line}-{f.column}"
            mf = MapFinding(id=fid, rule=f.rule, name=f.name, severity=f.severity,
                            message=clean(redact_line(f.message)), path=f.path, line=f.line, column=f.column,
                            related=[(r.path, r.line, clean(redact_line(r.message))) for r in f.related],
                            fix=self.fixes.get(f.rule, ""))
            self.m.findings[fid] = mf
            places = self._where(f.path, f.line, spans=True)
            for r in f.related:
                if places:
                    break
                places = self._where(r.path, r.line, spans=False)
            for el in places:
                el.findings.append(fid)
                mf.elements.append(el.id)

    def _where(self, path: str, line: int, spans: bool) -> list[Element]:
        hits = self.anchor.get((path, line))
        if hits:
            best = min(level for level, _ in hits)
            out: list[Element] = []
            for level, el in hits:
                if level == best and el not in out:
                    out.append(el)
            return out
        if spans:
            inside = [(start, -level, el) for start, end, level, el in self.spans.get(path, ())
                      if start <= line <= end]
            if inside:
                return [max(inside, key=lambda t: (t[0], t[1]))[2]]
        return []

    def paths(self) -> None:
        """Mark what the internet reaches, and give each edge on such a path the findings of
        the elements it joins, so that the path takes their worst colour."""
        by_id = {n.id: n for n in self.m.nodes}
        out: dict[str, list[Edge]] = {}
        for e in self.m.edges:
            out.setdefault(e.source, []).append(e)
        for src in (n for n in self.m.nodes if n.kind == "source" and "world" in n.tags):
            src.tags.append("exposed")
            for e1 in out.get(src.id, []):
                mid = by_id[e1.target]
                if mid.kind == "rule":
                    mid.tags.append("exposed")
                    _add(e1, set(mid.findings))
                    for e2 in out.get(mid.id, []):
                        chain = set(mid.findings) | self._downstream(by_id[e2.target], out, by_id)
                        _add(e2, chain)
                        _add(e1, chain)
                else:  # the internet straight to a listener: no firewall rules known
                    _add(e1, self._downstream(mid, out, by_id))

    def _downstream(self, ln: Node, out: dict[str, list[Edge]], by_id: dict[str, Node]) -> set[str]:
        """Marks the listener and what it leads to as exposed. Returns the findings of the
        listener and of a service published directly, which colour the path in front of it;
        a path through nginx takes the colours of the server and location it goes through."""
        ln.tags.append("exposed")
        front = set(ln.findings)
        for e in out.get(ln.id, []):
            t = by_id[e.target]
            t.tags.append("exposed")
            if t.kind == "server":
                _add(e, set(ln.findings) | set(t.findings))
                for pe in out.get(t.id, []):
                    backend = by_id[pe.target]
                    backend.tags.append("exposed")
                    row = {f for r in t.rows if r.id == pe.source_row for f in r.findings}
                    _add(pe, set(t.findings) | row | self._exposure_findings(backend))
            else:
                front |= self._exposure_findings(t)
                _add(e, set(ln.findings) | self._exposure_findings(t))
        return front

    def _exposure_findings(self, n: Node) -> set[str]:
        return {f for f in n.findings if self.m.findings[f].rule.startswith("EXP")}

    def finish(self) -> ExposureMap:
        for el in self.m.elements():
            el.tags = sorted(set(el.tags))
            el.findings = sorted(set(el.findings), key=lambda i: (-_RANK[self.m.findings[i].severity], i))
            if el.loc is not None and not el.details[:1] == [("source", el.where)]:
                el.details.insert(0, ("source", clean(el.where)))
        for e in self.m.edges:
            e.findings = sorted(set(e.findings), key=lambda i: (-_RANK[self.m.findings[i].severity], i))
        return self.m


def _add(e: Edge, findings: set[str]) -> None:
    e.findings = sorted(set(e.findings) | findings)
    if "exposed" not in e.tags:
        e.tags = sorted([*e.tags, "exposed"])


def _rule_label(r: SecurityGroupRule) -> tuple[str, Optional[str]]:
    if r.protocol == "all" or (r.all_ports and r.protocol in ("tcp", "udp")):
        return (f"all {'traffic' if r.protocol == 'all' else r.protocol}", None)
    span = r.port_span
    if r.unresolved or span is None:
        return (f"{r.protocol} {r.from_port if r.from_port is not None else '?'}", None)
    low, high = span
    names = [p.name for p in known.known_ports(low, high, r.protocol) if not p.generic] if high - low < 64 else []
    name = names[0] if names else None
    return (f"{span_text(low, high)}/{r.protocol}" + (f" {name}" if name else ""), name)


def _datastore(s: Service) -> Optional[str]:
    kind = known.datastore_of_image(s.image)
    if kind:
        return kind
    for m in s.ports:
        if m.target_end in (None, m.target):
            kind = known.datastore_port(m.target, m.protocol)
            if kind:
                return kind
    return None


def fix_hints() -> dict[str, str]:
    """The first paragraph of each rule's "How to fix" section."""
    from ..registry import all_rules

    out = {}
    for rid, r in all_rules().items():
        fix = r.sections().get("How to fix", "")
        para = fix.split("\n\n")[0].strip()
        out[rid] = " ".join(para.split())
    return out


def build_map(graph: Graph, findings: Sequence[Finding] = (), known=None) -> ExposureMap:
    """`known`: the graph's secret scrubber, when the caller has one already (it costs)."""
    b = _Builder(graph, findings, fix_hints(), known)
    b.firewall()
    b.listeners()
    b.nginx()
    b.services()
    b.flows()
    b.proxies()
    b.uses()
    b.urls()
    b.attach()
    b.paths()
    return b.finish()


def document(m: ExposureMap) -> dict:
    """The map as JSON: nodes (with rows and chips), edges, groups, findings."""
    def el(e: Element) -> dict:
        return {"id": e.id, "kind": e.kind, "label": e.label, "sub": e.sub,
                "source": {"path": e.loc.path, "line": e.loc.line} if e.loc else None,
                "details": [list(d) for d in e.details], "findings": list(e.findings),
                "severity": m.severity(e.findings), "tags": list(e.tags)}

    return {
        "ranks": list(RANK_TITLES),
        "groups": [{**el(g), "rank": g.rank} for g in m.groups],
        "nodes": [{**el(n), "rank": n.rank, "group": n.group, "rows": [el(r) for r in n.rows],
                   "chips": [el(c) for c in n.chips]} for n in m.nodes],
        "edges": [{"id": e.id, "source": e.source, "target": e.target, "source_row": e.source_row,
                   "label": e.label, "kind": e.kind, "findings": list(e.findings),
                   "severity": m.severity(e.findings), "tags": list(e.tags)} for e in m.edges],
        "findings": [{"id": f.id, "rule": f.rule, "name": f.name, "severity": f.severity,
                      "message": f.message, "path": f.path, "line": f.line, "column": f.column,
                      "related": [{"path": p, "line": ln, "message": msg} for p, ln, msg in f.related],
                      "fix": f.fix, "elements": list(f.elements)} for f in m.findings.values()],
    }

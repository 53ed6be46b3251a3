"""Facts stated in docs tables: service ports, nginx routes, variable values.

A table is read when its headers name what its columns hold (`knowledge/docs_vocabulary`, plus
the user's `[docs] synonyms`). A cell is read only when it is understood whole: `8090`,
`0.0.0.0:8090`, `[::1]:8090`, `38332 (RPC)` (annotations dropped), several entries split by line
breaks (`<br>`), commas or semicolons, `-` for none. Anything else leaves that fact unstated: it is
never guessed. Whether a fact is about something the config knows is for the rule to decide.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional

from ...knowledge.docs_vocabulary import ELIDED_VALUES, NONE_MARKERS, column_role, fold, synonyms
from ...model import (DocFact, DocFile, DocPort, DocTable, Inputs, RouteFact, ServicePortsFact,
                     VariableFact)

_PORT_ENTRY = re.compile(
    r"(?:(?P<addr>\[[0-9A-Fa-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}|\*|localhost)\s*:\s*)?"
    r"(?P<port>\d{1,5})(?:\s*-\s*(?P<end>\d{1,5}))?(?:\s*/\s*(?P<proto>tcp|udp|sctp))?"
)
_ANNOTATION = re.compile(r"\s*\([^()]*\)\s*")
_SPLIT = re.compile(r"[\n,;]+")
_HOSTNAME = re.compile(r"(?<![\w.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w-])", re.I)
_DEST_PORT = re.compile(r"^(?P<name>.*?)\s*\(\s*(?:port\s*)?(?P<port>\d{1,5})\s*\)$", re.I)
_DEST_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?P<host>[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})/?$")
_ROUTE = re.compile(r"^/\S*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def with_doc_facts(inputs: Inputs, extra_synonyms: Optional[Mapping[str, Iterable[str]]] = None) -> Inputs:
    """`inputs` with the facts of its docs tables."""
    return inputs.model_copy(update={"doc_facts": tuple(extract_facts(inputs.docs, extra_synonyms))})


def extract_facts(docs: Iterable[DocFile],
                  extra_synonyms: Optional[Mapping[str, Iterable[str]]] = None) -> list[DocFact]:
    vocabulary = synonyms({k: tuple(v) for k, v in (extra_synonyms or {}).items()})
    facts: list[DocFact] = []
    known: dict[tuple[str, ...], dict[str, int]] = {}  # tables of a doc repeat their headers
    for doc in docs:
        for table in doc.tables:
            columns = known.get(table.headers)
            if columns is None:
                columns = known[table.headers] = _columns(table.headers, vocabulary)
            facts.extend(_facts(table, columns))
    return facts


def table_facts(table: DocTable, vocabulary: Mapping[str, str]) -> list[DocFact]:
    return _facts(table, _columns(table.headers, vocabulary))


def _columns(headers: tuple[str, ...], vocabulary: Mapping[str, str]) -> dict[str, int]:
    """The column of each role the headers name (the first one naming it)."""
    columns: dict[str, int] = {}
    for i, header in enumerate(headers):
        role = column_role(header, vocabulary)
        if role is not None and role not in columns:
            columns[role] = i
    return columns


def _facts(table: DocTable, columns: dict[str, int]) -> list[DocFact]:
    if "route" in columns:
        return _routes(table, columns)
    if "variable" in columns and "value" in columns:
        return _variables(table, columns)
    if ({"service", "container"} & columns.keys()
            and {"host_port", "container_port", "port"} & columns.keys()):
        return _services(table, columns)
    return []


# ---------------------------------------------------------------- cells


def parse_ports(cell: str) -> Optional[tuple[DocPort, ...]]:
    """The ports a cell names; () for "none"; None when the cell is empty or not understood."""
    text = cell.strip()
    if not text:
        return None
    if fold(text) in NONE_MARKERS:
        return ()
    out = []
    for raw in _SPLIT.split(text):
        entry = _ANNOTATION.sub(" ", raw).strip()
        if not entry:
            continue
        m = _PORT_ENTRY.fullmatch(entry)
        if m is None:
            return None
        port, end = int(m["port"]), int(m["end"]) if m["end"] else None
        if not 0 < port <= 65535 or (end is not None and not port <= end <= 65535):
            return None
        addr = (m["addr"] or "").strip("[]")
        out.append(DocPort(address="127.0.0.1" if addr == "localhost" else addr, port=port,
                           port_end=end if end != port else None, protocol=m["proto"],
                           text=raw.strip()))
    return tuple(out) or None


def parse_destination(cell: str) -> tuple[str, Optional[int]]:
    """(name, port) of a destination cell: `Grafana (3005)`, `grafana`, `127.0.0.1:3005`."""
    text = " ".join(cell.split())
    m = _DEST_PORT.match(text)
    if m:
        return m["name"].strip(), int(m["port"])
    m = _DEST_URL.match(text)
    if m:
        return m["host"].strip("[]"), int(m["port"])
    return text, None


def heading_domain(table: DocTable) -> str:
    """A host name the innermost heading that names one gives the table (`Proxy (dev4.example.com)`)."""
    for heading in reversed(table.section or (table.heading,)):
        found = _HOSTNAME.findall(heading)
        if len(found) == 1:
            return found[0].lower()
        if found:
            return ""  # several: not for us to pick
    return ""


def _single_port(cell: str) -> Optional[int]:
    ports = parse_ports(cell)
    if ports and len(ports) == 1 and not ports[0].address and ports[0].port_end is None:
        return ports[0].port
    return None


def _cell(row_cells: tuple[str, ...], columns: dict[str, int], role: str) -> str:
    i = columns.get(role)
    return row_cells[i].strip() if i is not None and i < len(row_cells) else ""


# ---------------------------------------------------------------- tables


def _services(table: DocTable, columns: dict[str, int]) -> list[DocFact]:
    out: list[DocFact] = []
    for row in table.rows:
        service = _cell(row.cells, columns, "service")
        container = _cell(row.cells, columns, "container")
        if "\n" in service or "\n" in container or not (service or container):
            continue  # a row about several things, or about nothing
        ports = {role: parse_ports(_cell(row.cells, columns, role)) if role in columns else None
                 for role in ("host_port", "container_port", "port")}
        if all(v is None for v in ports.values()):
            continue
        out.append(ServicePortsFact(service=service, container=container, host_ports=ports["host_port"],
                                    container_ports=ports["container_port"], ports=ports["port"],
                                    loc=row.loc))
    return out


def _routes(table: DocTable, columns: dict[str, int]) -> list[DocFact]:
    out: list[DocFact] = []
    default_domain = heading_domain(table)
    destinations = [parse_destination(_cell(r.cells, columns, "destination")) for r in table.rows]
    # A bare "Port" is the destination's, unless destinations name their own port: then it is
    # the port of the server (`dev4 | 443 | /grafana/ | Grafana (3005)`). Decided per table.
    bare_role = "listen_port" if any(p is not None for _, p in destinations) else "destination_port"
    for row, (name, port) in zip(table.rows, destinations):
        path = _cell(row.cells, columns, "route")
        if not _ROUTE.match(path):
            continue
        domain = _cell(row.cells, columns, "domain").lower()
        if "domain" in columns:
            if domain and not _HOSTNAME.fullmatch(domain) and domain != "_":
                continue  # not one host name: not understood
        else:
            domain = default_domain
        given = {role: _single_port(_cell(row.cells, columns, role)) if role in columns else None
                 for role in ("listen_port", "destination_port", "port")}
        listen = given["listen_port"]
        if port is None:
            port = given["destination_port"]
        if given["port"] is not None:
            if bare_role == "listen_port" and listen is None:
                listen = given["port"]
            elif bare_role == "destination_port" and port is None:
                port = given["port"]
        out.append(RouteFact(path=path, domain=domain, listen_port=listen, destination=name,
                             destination_port=port, loc=row.loc))
    return out


def _variables(table: DocTable, columns: dict[str, int]) -> list[DocFact]:
    out: list[DocFact] = []
    for row in table.rows:
        key = _cell(row.cells, columns, "variable")
        value = _cell(row.cells, columns, "value")
        if not _KEY.match(key) or not value or "\n" in value or ELIDED_VALUES.match(value):
            continue
        service = _cell(row.cells, columns, "service")
        out.append(VariableFact(key=key, value=value, service="" if "\n" in service else service,
                                loc=row.loc))
    return out

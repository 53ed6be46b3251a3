"""Every secret value the graph holds, so that each output can mask it wherever it shows up
(an interpolated `command`, a docs table cell, a message) and not only beside its key."""
from __future__ import annotations

from typing import Iterator, Optional

from ..knowledge.secrets import is_default_credential
from ..redact import Scrubber, secret_values
from .model import Graph


def _pairs(graph: Graph) -> Iterator[tuple[Optional[str], str]]:
    for env in graph.env_files:
        for v in env.vars:
            yield v.key, v.value
            yield v.key, v.raw
    for s in graph.services:
        for e in s.environment:
            if e.value:
                yield e.key, e.value
        for arg in s.command:
            yield None, arg
    for doc in graph.docs:
        for m in doc.mentions:
            yield m.key, m.text.partition("=")[2] if m.key else m.text
        for table in doc.tables:
            for row in table.rows:
                # A two-column "key | value" shape is the common way docs state a variable.
                for key, value in zip(row.cells, row.cells[1:]):
                    yield key, value


def scrubber(graph: Graph, min_length: int = 4, *, defaults: bool = True) -> Scrubber:
    """`defaults=False` leaves well-known default credentials (`postgres`, `admin123`) alone:
    they are public knowledge and, as ordinary words, would blank names out of messages."""
    values = secret_values(_pairs(graph))
    if not defaults:
        values = {v for v in values if not is_default_credential(v)}
    return Scrubber(values, min_length=min_length)

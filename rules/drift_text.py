"""Texts the drift rules (DRF001, DRF002) write the same way: lists, address:port."""
from __future__ import annotations

from typing import Iterable


def listing(items: Iterable[str]) -> str:
    """`a, b, c` without repeats, or `none`."""
    unique = list(dict.fromkeys(items))
    return ", ".join(unique) if unique else "none"


def at_address(address: str, port: str) -> str:
    """`address:port`, or the port alone when no address is given."""
    return f"{address}:{port}" if address else port

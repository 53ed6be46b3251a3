"""Port ranges as intervals: which items (listeners, firewall rules) cover a port range, found by
index instead of by comparing every pair."""
from __future__ import annotations

from typing import Callable, Generic, Iterable, Optional, TypeVar

T = TypeVar("T")

# Ranges up to this many ports are indexed port by port; wider ones (a rule for 1024-65535)
# are few and checked one by one. A query wider than _SCAN reads everything.
_SPAN = 64
_SCAN = 4096
# Ports of one range compared one by one, at most (a range of 1-65535 is not 65,535 checks).
MAX_EXPAND = 1024


def each_port(low: int, high: int) -> range:
    """The ports of low..high one by one, the first MAX_EXPAND + 1 of a wider range."""
    return range(low, min(high, low + MAX_EXPAND) + 1)


class PortIndex(Generic[T]):
    """Items with an inclusive port range each (None: every port), in their original order."""

    def __init__(self, items: Iterable[T], span: Callable[[T], Optional[tuple[int, int]]]):
        self.items = list(items)
        self._ranges: list[Optional[tuple[int, int]]] = []
        self._by_port: dict[int, list[int]] = {}
        self._wide: list[int] = []
        for i, item in enumerate(self.items):
            rng = span(item)
            if rng is not None:
                rng = (min(rng), max(rng))
            self._ranges.append(rng)
            if rng is None or rng[1] - rng[0] > _SPAN:
                self._wide.append(i)
            else:
                for port in range(rng[0], rng[1] + 1):
                    self._by_port.setdefault(port, []).append(i)

    def overlapping(self, low: int, high: int) -> list[T]:
        """The items whose range overlaps low..high (and those that cover every port), in order."""
        low, high = min(low, high), max(low, high)
        if high - low > _SCAN:
            positions: Iterable[int] = range(len(self.items))
        else:
            found = set(self._wide)
            get = self._by_port.get
            for port in range(low, high + 1):
                found.update(get(port, ()))
            positions = sorted(found)
        out = []
        for i in positions:
            rng = self._ranges[i]
            if rng is None or (rng[0] <= high and low <= rng[1]):
                out.append(self.items[i])
        return out

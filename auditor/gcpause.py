"""The cyclic garbage collector paused while a run builds its objects.

A run allocates hundreds of thousands of small acyclic objects (model objects, the graph) next
to large live trees (a big YAML document); reference counting frees them, while the cyclic
collector would rescan them over and over (a fifth of a check, more than half the load of a big
file). It is paused for the duration, then restored as it was (nested pauses are fine).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

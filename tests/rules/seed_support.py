"""Shared by the seed tests: a seed fixture's findings for some rules (cached: one run per
seed and selection), and the line of a text in a fixture file, so no test hard-codes lines."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from auditor import engine
from auditor.config import find_config, load_config

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@lru_cache(maxsize=None)
def seed_findings(seed: str, rules: tuple[str, ...]) -> tuple:
    root = FIXTURES / seed
    return tuple(engine.check([root], load_config(find_config(root)), select=list(rules)).findings)


def line_of(seed: str, path: str, needle: str, after: str = "") -> int:
    """1-based line of the first line holding `needle` (after the first line holding `after`)."""
    lines = (FIXTURES / seed / path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if after in l) if after else 0
    return next(i for i, l in enumerate(lines) if i >= start and needle in l) + 1

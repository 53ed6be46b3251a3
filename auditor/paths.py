"""Path patterns of the configuration (`include`, `exclude`, `per_file_ignores` keys) with
.gitignore semantics, through pathspec (the library pip, black and others use for that):
`secrets/` is a folder and all below it, `*.bak` a name at any depth, `docs/*.md` anchored at
the scanned root because it holds a `/`, `**/secrets/*` also the top-level `secrets/`, `!keep`
an exception. Paths are root-relative, `/`-separated."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import pathspec


def _pattern(p: str) -> str:
    # `./x` is how people write "x at the root"; gitignore spells that `/x`.
    return "/" + p[2:] if p.startswith("./") else p


@lru_cache(maxsize=512)
def _spec(patterns: tuple[str, ...]) -> "pathspec.PathSpec":
    import pathspec  # only when there are patterns: most runs have none, and it imports a lot

    return pathspec.GitIgnoreSpec.from_lines([_pattern(p) for p in patterns])


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Does a root-relative file path match the patterns, as git would ignore it?"""
    patterns = tuple(patterns)
    return bool(patterns) and bool(_spec(patterns).match_file(path))

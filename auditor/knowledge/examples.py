"""Which files are plainly examples or documentation, by their path alone.

A secret or a default credential in such a file illustrates a setting; it is reported at
`note` level (see the SEC rules). Decisions:

- a folder named `example(s)`, `sample(s)`, `demo(s)` (also as a word: `demo-setups`,
  `config-examples`) holds examples; `docs/`, `doc/`, `documentation/` and markdown pages are
  documentation;
- a file name with the word `example` or `sample` (`docker-compose.example.yml`,
  `config.sample.env`, `example.env`) is an example; `.dist` and `.template` are not, as
  official images render `*.template` files into the config that runs;
- tests, CI and `dev` folders are not examples: their values run somewhere.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Optional

EXAMPLE_WORDS = frozenset({"example", "examples", "sample", "samples", "demo", "demos"})
DOCS_FOLDERS = frozenset({"docs", "doc", "documentation"})
DOCS_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")

_WORD = re.compile(r"[A-Za-z]+")


def _words(part: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(part)}


def example_kind(path: str) -> Optional[str]:
    """"an example file", "documentation", or None for a file that configures something."""
    p = PurePosixPath(path)
    folders = [part.lower() for part in p.parts[:-1]]
    if p.name.lower().endswith(DOCS_SUFFIXES) or DOCS_FOLDERS & set(folders):
        return "documentation"
    if any(EXAMPLE_WORDS & _words(part) for part in p.parts):
        return "an example file"
    return None

"""Which files are plainly examples, documentation or throwaway stacks, by their path alone.

A secret or a default credential in such a file illustrates a setting, or only ever meets a
disposable database; it is reported at `note` level (see the SEC rules). Decisions:

- a folder named `example(s)`, `sample(s)`, `demo(s)` (also as a word: `demo-setups`,
  `config-examples`) holds examples; `docs/`, `doc/`, `documentation/` and markdown pages are
  documentation;
- a file name with the word `example` or `sample` (`docker-compose.example.yml`,
  `config.sample.env`, `example.env`) is an example; `.dist` and `.template` are not, as
  official images render `*.template` files into the config that runs;
- CI and test files (a folder or file name with the word `ci`, `test(s)`, `testing`, `e2e`:
  `docker/ci.env`, `docker-compose.ci.postgres.yml`, `tests/fixtures/.env`) and development
  stacks (`dev`, `development`, `devcontainer`: `docker-compose.dev.yml`) hold throwaway
  credentials by design: they run, but against databases created for the run and thrown away;
- production names (`.env`, `compose.yaml`, `docker-compose.prod.yml`) are none of these.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Optional

EXAMPLE_WORDS = frozenset({"example", "examples", "sample", "samples", "demo", "demos"})
DOCS_FOLDERS = frozenset({"docs", "doc", "documentation"})
DOCS_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")
TEST_WORDS = frozenset({"ci", "test", "tests", "testing", "e2e"})
DEV_WORDS = frozenset({"dev", "development", "devcontainer"})

_WORD = re.compile(r"[A-Za-z]+")


def _words(part: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(part)}


def example_kind(path: str) -> Optional[str]:
    """"documentation", "an example file", "a CI/test file", "a development file", or None
    for a file that configures something that is meant to last."""
    p = PurePosixPath(path)
    folders = [part.lower() for part in p.parts[:-1]]
    if p.name.lower().endswith(DOCS_SUFFIXES) or DOCS_FOLDERS & set(folders):
        return "documentation"
    words = [_words(part) for part in p.parts]
    if any(EXAMPLE_WORDS & w for w in words):
        return "an example file"
    if any(TEST_WORDS & w for w in words):
        return "a CI/test file"
    if any(DEV_WORDS & w for w in words):
        return "a development file"
    return None

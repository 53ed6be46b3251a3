"""Loaders: one package per format, each turning files into model objects plus LoadProblems.

`load_inputs` (inputs.py) runs them all over the discovered files. The formats: `env.py`,
`compose/`, `nginx/`, `secgroups/`, `docs/`, `live/` (snapshots under `--live DIR`); `source/`
holds the format-neutral readers they share (YAML and JSON with positions, interpolation,
suppression comments).

Contract shared by every loader:
- read only through `auditor.reader.Reader` (never `open()`), so nothing outside the root is read;
- never raise on bad input: return what could be loaded and `LoadProblem`s (AUD001 parse error,
  AUD002 not read) with the best location available;
- every element a rule may point at carries a `Loc` (root-relative path, 1-based line/column).
"""
from .inputs import load_inputs

__all__ = ["load_inputs"]

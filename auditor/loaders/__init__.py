"""Loaders: one module per format, each turning files into model objects plus LoadProblems.

Contract shared by every loader:
- read only through `auditor.reader.Reader` (never `open()`), so nothing outside the root is read;
- never raise on bad input: return what could be loaded and `LoadProblem`s (AUD001 parse error,
  AUD002 not read) with the best location available;
- every element a rule may point at carries a `Loc` (root-relative path, 1-based line/column).
"""

"""Baselines: adopt auditor on an existing stack and fail only on new findings.

A baseline lists fingerprints: a hash of the rule id, the file and what the problem is about
(never its line, so that a finding keeps its fingerprint when lines shift above it; never a
secret's value). Entries are sorted and written one per line, with the rule and the file beside
the fingerprint, so that a change to the baseline reads well in a review diff.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .model import Finding

VERSION = 1


def render(findings: Iterable[Finding]) -> str:
    entries = sorted({(f.path, f.rule, f.fingerprint) for f in findings})
    from .escape import json_safe

    lines = [json_safe(json.dumps({"path": path, "rule": rule, "fingerprint": fp}, ensure_ascii=False))
             for path, rule, fp in entries]
    head = '{\n  "tool": "auditor",\n  "version": %d,\n  "findings": [' % VERSION
    if not lines:
        return head + "]\n}\n"
    return head + "\n    " + ",\n    ".join(lines) + "\n  ]\n}\n"


class BaselineError(Exception):
    """A baseline file that is missing or is not an auditor baseline."""


MAX_BYTES = 64 * 1024 * 1024


def load(path: Path, *, confined: bool = False) -> set[str]:
    """The fingerprints of a baseline file. `confined`: it was named by a configuration file
    (which may come with the scanned tree), so a link out of its folder is not followed."""
    from .reader import read_confined, read_user_file

    path = Path(path)
    if not path.exists():
        raise BaselineError(f"{path}: baseline file not found (write one with `auditor baseline -o {path}`)")
    try:
        if confined:
            raw, problem = read_confined(path.parent, path.name, MAX_BYTES)
            if raw is None:
                raise BaselineError(f"{path}: not read ({problem})")
        else:
            raw = read_user_file(path, MAX_BYTES)
    except OSError as exc:
        raise BaselineError(f"{path}: not read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("tool") != "auditor" or not isinstance(data["findings"], list):
            raise ValueError("not an auditor baseline")
        return {str(e["fingerprint"]) for e in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise BaselineError(f"{path}: not an auditor baseline ({type(exc).__name__})") from None


def apply(findings: Iterable[Finding], known: set[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint not in known]

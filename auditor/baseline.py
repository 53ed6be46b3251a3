"""Baselines: adopt auditor on an existing stack and fail only on new findings.

Keyed by fingerprints (no line numbers, no secret values), sorted, one entry per line of JSON
so that a change to the baseline reads well in a diff.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .model import Finding

VERSION = 1


def render(findings: Iterable[Finding]) -> str:
    entries = sorted({(f.fingerprint, f.rule, f.path) for f in findings})
    lines = [json.dumps({"fingerprint": fp, "rule": rule, "path": path}, sort_keys=True)
             for fp, rule, path in entries]
    body = ",\n    ".join(lines)
    return ('{\n  "tool": "auditor",\n  "version": %d,\n  "findings": [\n    %s\n  ]\n}\n'
            % (VERSION, body)) if lines else '{\n  "tool": "auditor",\n  "version": %d,\n  "findings": []\n}\n' % VERSION


class BaselineError(Exception):
    pass


def load(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {e["fingerprint"] for e in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{path}: not an auditor baseline ({type(exc).__name__})") from None


def apply(findings: Iterable[Finding], known: set[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint not in known]

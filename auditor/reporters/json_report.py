"""The JSON document of ../shared/CONTRACT.md."""
from __future__ import annotations

import json

from .. import __version__
from ..escape import json_safe
from ..report import RenderOptions, Report


def document(report: Report) -> dict:
    summary = {"error": 0, "warning": 0, "note": 0}
    findings = []
    clean = report.masker  # the one masking, applied last to every text from the tree
    for f in report.findings:
        summary[f.severity] += 1
        findings.append({
            "rule": f.rule, "name": f.name, "severity": f.severity, "message": clean(f.message),
            "path": f.path, "line": f.line, "column": f.column,
            "related": [{**r.model_dump(), "message": clean(r.message)} for r in f.related],
            "fingerprint": f.fingerprint,
        })
    return {
        "tool": {"name": "auditor", "version": __version__},
        "root": report.root,
        "files": [{"path": f.path, "kind": f.kind} for f in report.files],
        "findings": findings,
        "summary": summary,
    }


def render(report: Report, options: RenderOptions = RenderOptions()) -> str:
    return json_safe(json.dumps(document(report), indent=2, ensure_ascii=False)) + "\n"

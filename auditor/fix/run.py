"""`auditor fix` as a library call: propose, verify, then diff or write."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .. import engine
from ..config import Config
from ..model import Finding
from ..report import Report
from .edits import Fix, Refusal, overlaps, unified_diff
from .edits import apply as apply_edits
from .fixers import FIXERS
from .fixers.base import Context
from .verify import verified


# Fixes of more edits than this are left out of SARIF: every result a fix closes carries all of
# its replacements, and one file of 262,144 duplicate keys made one fix of 262,143 deletions for
# 201 results (gigabytes of SARIF: the process was killed for memory).
MAX_SARIF_EDITS = 1000


@dataclass
class FixRun:
    report: Report
    fixes: list[Fix] = field(default_factory=list)  # verified, chosen, non-overlapping
    withheld_unsafe: list[Fix] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # every input file's text, by path

    def fixed(self) -> set[str]:
        return {fp for f in self.fixes for fp in f.fingerprints}

    def remaining(self) -> list[Finding]:
        done = self.fixed()
        return [f for f in self.report.findings if f.fingerprint not in done]

    def changed(self) -> dict[str, tuple[str, str]]:
        """path -> (before, after) for every file the fixes edit."""
        out = {}
        for path in sorted({e.path for f in self.fixes for e in f.edits}):
            before = self.texts[path]
            out[path] = (before, apply_edits(before, [e for f in self.fixes for e in f.edits if e.path == path]))
        return out

    def sarif_fixes(self) -> dict[str, list[dict]]:
        """fingerprint -> SARIF `fixes` (whole-line replacements, inserted text masked)."""
        from ..graph.secrets import scrubber

        clean = scrubber(self.report.graph)
        out: dict[str, list[dict]] = {}
        for fix in self.fixes:
            if len(fix.edits) > MAX_SARIF_EDITS:
                continue  # `auditor fix` still makes it; SARIF would copy it into each result
            changes = []
            for path in dict.fromkeys(e.path for e in fix.edits):
                lines = self.texts[path].splitlines(keepends=True)
                replacements = []
                for e in sorted((e for e in fix.edits if e.path == path), key=lambda e: e.start):
                    if e.end <= len(lines) or e.start == e.end:
                        region = {"startLine": e.start, "startColumn": 1, "endLine": e.end, "endColumn": 1}
                    else:  # the last line of a file without a final newline
                        last = lines[e.end - 2].rstrip("\r\n")
                        region = {"startLine": e.start, "startColumn": 1, "endLine": e.end - 1,
                                  "endColumn": len(last) + 1}
                    replacements.append({"deletedRegion": region,
                                         "insertedContent": {"text": clean("".join(e.lines))}})
                changes.append({"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                                "replacements": replacements})
            entry = {"description": {"text": clean(f"{fix.title} ({'safe' if fix.safe else 'unsafe'})")},
                     "artifactChanges": changes}
            for fp in fix.fingerprints:
                out.setdefault(fp, []).append(entry)
        return out

    def diff(self) -> str:
        from ..graph.secrets import scrubber

        clean = scrubber(self.report.graph)
        return "".join(unified_diff(p, a, b, mask=clean) for p, (a, b) in self.changed().items())


def run_fix(paths: Sequence[str], config: Config, *, unsafe: bool = False, select: Sequence[str] = (),
            ignore: Sequence[str] = (), env_files: Optional[Sequence[str]] = None) -> FixRun:
    report = engine.check(paths, config, select=select, ignore=ignore, env_files=env_files)
    return fixes_for(report, config, unsafe=unsafe, select=select, ignore=ignore, env_files=env_files)


def fixes_for(report: Report, config: Config, *, unsafe: bool = False, select: Sequence[str] = (),
              ignore: Sequence[str] = (), env_files: Optional[Sequence[str]] = None) -> FixRun:
    """The verified fixes for the findings of a report already made (SARIF carries them)."""
    run = FixRun(report=report)
    reader = report.reader
    for f in report.files:
        text, problem = reader.read(f.path)
        if text is not None and problem is None:
            run.texts[f.path] = text
    ctx = Context(graph=report.graph, read=run.texts.get)
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    proposed: list[Fix] = []
    for rule_id, findings in sorted(by_rule.items()):
        fixer = FIXERS.get(rule_id)
        if fixer is None:
            continue
        for item in fixer(findings, ctx):
            if isinstance(item, Refusal):
                run.refusals.append(item)
            elif any(e.path not in run.texts for e in item.edits):
                run.refusals += [Refusal(item.rule, fp, item.edits[0].path, item.edits[0].start,
                                         "the file to edit is not an input of this run") for fp in item.fingerprints]
            elif item.safe or unsafe:
                proposed.append(item)
            else:
                run.withheld_unsafe.append(item)
    chosen: list[Fix] = []
    for fix in proposed:  # the first fix wins a contested line; the next run proposes the rest
        if not any(overlaps(a, b) for c in chosen for a in c.edits for b in fix.edits):
            chosen.append(fix)
    good, bad = verified(run.texts, chosen, _checker(config, select, ignore, env_files, report.files))
    run.fixes = good
    for fix, why in bad:
        run.refusals += [Refusal(fix.rule, fp, fix.edits[0].path, fix.edits[0].start, f"not offered: {why}")
                         for fp in fix.fingerprints]
    return run


def _checker(config: Config, select, ignore, env_files, files):
    from ..suppress import drop_uncommitted_secrets

    def check(root: Path) -> dict[str, str]:
        report = engine.check([root], config, select=select, ignore=ignore, env_files=env_files,
                              use_config_baseline=False)
        # the copy has no git: judge its findings by what git says of the real files
        found = drop_uncommitted_secrets(report.findings, files)
        return {f.fingerprint: f"{f.rule} {f.path}:{f.line}" for f in found}
    return check


def write(run: FixRun) -> list[str]:
    """Rewrite the edited files in place; only regular files inside the scanned root, never
    through a link, each replaced atomically with its mode kept."""
    reader = run.report.reader
    written = []
    for path, (_, after) in run.changed().items():
        target = reader.root / path
        if reader.relpath(target) != path:
            raise OSError(f"{path}: not a file inside the scanned root; not written")
        st = os.lstat(target)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path}: not a regular file; not written")
        tmp = target.with_name(f".{target.name}.auditor-fix")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), stat.S_IMODE(st.st_mode))
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(after)
            os.replace(tmp, target)
        except BaseException:
            if os.path.lexists(tmp):
                os.unlink(tmp)
            raise
        written.append(path)
    return written

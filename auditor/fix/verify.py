"""A fix is offered only when an edited copy of the inputs, checked again, no longer has the
finding and has nothing new: the copy goes to a private temporary folder, never the tree."""
from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Optional, Sequence

from .edits import Fix, apply

Check = Callable[[Path], dict[str, str]]  # a copy's root -> fingerprint -> "RULE path:line"


def _safe_rel(rel: str) -> bool:
    p = PurePosixPath(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts


def write_copy(dest: Path, texts: dict[str, str], fixes: Iterable[Fix] = ()) -> None:
    edits = defaultdict(list)
    for fix in fixes:
        for e in fix.edits:
            edits[e.path].append(e)
    for rel, text in texts.items():
        if not _safe_rel(rel):
            continue
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(apply(text, edits[rel]) if rel in edits else text, encoding="utf-8", newline="")


def _run(texts: dict[str, str], fixes: Sequence[Fix], check: Check) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="auditor-fix-") as tmp:
        root = Path(tmp) / "tree"
        root.mkdir()
        write_copy(root, texts, fixes)
        return check(root)


def verified(texts: dict[str, str], fixes: list[Fix], check: Check) -> tuple[list[Fix], list[tuple[Fix, str]]]:
    """The fixes that pass, and the others with why. All at once first (the common case costs
    two checks), then one by one when the batch fails."""
    if not fixes:
        return [], []
    before = _run(texts, [], check)

    def judge(batch: Sequence[Fix]) -> Optional[str]:
        targets = {fp for f in batch for fp in f.fingerprints}
        if not targets <= before.keys():
            return "the finding does not reproduce on a copy of the inputs"
        after = _run(texts, batch, check)
        if targets & after.keys():
            return "the finding is still there after the edit"
        new = sorted(after[fp] for fp in after.keys() - before.keys())
        if new:
            return f"the edit would cause {', '.join(new[:3])}{' ...' if len(new) > 3 else ''}"
        return None

    if judge(fixes) is None:
        return list(fixes), []
    good, bad = [], []
    for fix in fixes:
        why = judge([fix])
        (bad.append((fix, why)) if why else good.append(fix))
    if good and judge(good) is not None:  # individually fine, together not: keep the first only
        bad += [(f, "conflicts with another fix; run `auditor fix` again after applying") for f in good[1:]]
        good = good[:1]
    return good, bad

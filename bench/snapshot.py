"""Every output auditor gives on a set of trees, written to a folder, to compare before/after.

A speed-up must not change a byte of output. Run it on the code before and after a change and
diff the two folders:

    python bench/snapshot.py /tmp/before            # rule cases, seed fixtures, generated stacks
    python bench/snapshot.py /tmp/before --corpus /work/corpus --corpus /work/holdout
    ... change ...
    python bench/snapshot.py /tmp/after [same options] && diff -r /tmp/before /tmp/after

Per tree: the JSON, text and SARIF reports of `check` with every rule, and the JSON graph dump.
Rule cases run as their test runs them (their `.auditor.toml`, their `live/` folder).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def snapshot(root: Path, out: Path, name: str) -> None:
    from auditor import engine
    from auditor.config import find_config, load_config
    from auditor.reporters import get_reporter
    from auditor.reporters.graph import render as render_graph
    from auditor.reporters.text import render as render_text

    live = root / "live"
    try:
        config = load_config(find_config(root))
        report = engine.check([root], config, live=live if live.is_dir() else None)
    except Exception as exc:  # noqa: BLE001 - the failure itself is an output to compare
        (out / f"{name}.error").write_text(f"{type(exc).__name__}: {exc}\n")
        return
    (out / f"{name}.json").write_text(get_reporter("json")(report))
    (out / f"{name}.txt").write_text(render_text(report, colour=False))
    (out / f"{name}.sarif").write_text(get_reporter("sarif")(report))
    (out / f"{name}.graph.json").write_text(render_graph(report.graph, "json"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="a folder of checked-out repositories (each subfolder one tree)")
    parser.add_argument("--sizes", default="10,100,300")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    trees: list[tuple[str, Path]] = []
    for case in sorted((REPO / "fixtures" / "rules").glob("*/*")):
        if case.is_dir():
            trees.append((f"case-{case.parent.name}-{case.name}", case))
    for seed in ("harena", "lecoffre_node", "clean_stack"):
        trees.append((f"seed-{seed}", REPO / "fixtures" / seed))
    for folder in args.corpus:
        trees += [(f"corpus-{p.name}", p) for p in sorted(folder.iterdir()) if p.is_dir()]
    # a fixed place: reports may name the scanned root
    stacks = Path(tempfile.gettempdir()) / "auditor-snapshot-stacks"
    shutil.rmtree(stacks, ignore_errors=True)
    for n in map(int, args.sizes.split(",")):
        generate(stacks / f"stack{n}", n)
        trees.append((f"stack-{n}", stacks / f"stack{n}"))
    for name, root in trees:
        snapshot(root, args.out, name)
    shutil.rmtree(stacks, ignore_errors=True)
    print(f"{len(trees)} trees written to {args.out}")


if __name__ == "__main__":
    main()

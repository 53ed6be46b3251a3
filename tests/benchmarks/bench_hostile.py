"""Benchmark: `auditor check` on the tree of every hostile input (tests/test_hostile.py builds it).

Targets: under 10 s wall time and under 500 MB peak memory, exit 1, no traceback, the good files
still checked. Run: `python tests/benchmarks/bench_hostile.py [RUNS]`. Not a test: the numbers
belong here; tests/test_hostile.py only guards against hangs and blow-ups with generous bounds.
Prints, per output format, the wall time and the peak RSS of the CLI process (getrusage of the
children, measured in a fresh helper process per run so that runs do not mask each other).
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

from test_hostile import GOOD_FINDINGS, build_tree  # noqa: E402

# One CLI run inside a fresh interpreter, which reports its child's peak RSS (ru_maxrss of
# RUSAGE_CHILDREN is a maximum over all children ever waited for: hence one helper per run).
_ONE_RUN = r"""
import resource, subprocess, sys, time, json
start = time.perf_counter()
proc = subprocess.run([sys.executable, "-m", "auditor", "check", sys.argv[1], "--format", sys.argv[2]],
                      capture_output=True, text=True)
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
json.dump({"wall": wall, "peak_mb": peak_kb / 1024, "rc": proc.returncode,
           "traceback": "Traceback" in proc.stdout + proc.stderr, "stdout": proc.stdout}, sys.stdout)
"""


def one_run(root: Path, fmt: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _ONE_RUN, str(root), fmt], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        root, outside = Path(tmp) / "root", Path(tmp) / "outside"
        root.mkdir()
        outside.mkdir()
        build_tree(root, outside)
        files = sum(1 for p in root.rglob("*") if p.is_file() or p.is_symlink())
        print(f"hostile tree: {files} entries")
        for fmt in ("json", "text", "sarif", "github"):
            results = [one_run(root, fmt) for _ in range(runs)]
            walls = [r["wall"] for r in results]
            peak = max(r["peak_mb"] for r in results)
            ok = all(r["rc"] == 1 and not r["traceback"] for r in results)
            print(f"{fmt:6s}: wall median {statistics.median(walls):.2f} s (min {min(walls):.2f}, "
                  f"max {max(walls):.2f}), peak RSS {peak:.0f} MB, exit 1 and no traceback: {ok}")
            if fmt == "json":
                doc = json.loads(results[0]["stdout"])
                found = {(f["path"], f["rule"]) for f in doc["findings"]}
                missing = GOOD_FINDINGS - found
                print(f"        {len(doc['findings'])} findings; good files checked: "
                      f"{'yes' if not missing else f'NO, missing {sorted(missing)}'}")


if __name__ == "__main__":
    main()

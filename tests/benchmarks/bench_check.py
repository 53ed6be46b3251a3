"""Benchmark: `auditor check` in-process on the stack of `bench/generate.py` (N services).

Run: `python tests/benchmarks/bench_check.py [N] [--profile]`. Not a test: timings belong here,
not in pass/fail assertions. The tree is the benchmark's own (many compose projects, in one
folder and in several, a shared `.env`, nginx sites, security groups, docs), so it exercises the
paths that grow with a real stack; a one-file stack would not. The whole-process numbers and
the comparison with other tools are `bench/run.py`'s job; this one is for profiling.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from generate import generate  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1000
    from auditor import engine
    from auditor.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, n)
        if "--profile" in sys.argv:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(engine.check, [root], Config())
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            return
        times = []
        for _ in range(5):
            start = time.perf_counter()
            report = engine.check([root], Config())
            times.append(time.perf_counter() - start)
        print(f"{n} services: in-process best {min(times):.3f} s, median {statistics.median(times):.3f} s, "
              f"{len(report.findings)} findings")


if __name__ == "__main__":
    main()

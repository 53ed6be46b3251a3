"""Precision on real repositories: run auditor over a folder of checked-out repositories.

Not a test (CI has no network, and the repositories are not part of this tree): a tool to measure
again, by anyone, what auditor reports on real stacks, and how a change moves it.

    python bench/corpus.py run /work/corpus -o /tmp/run1          # one JSON report per repository
    python bench/corpus.py show /tmp/run1 [--rule PORT001] [--list]
    python bench/corpus.py diff '/work/corpus_base_*.json' /tmp/run1 [--list]

A RUN is a folder of `<repository>.json` reports (as `run` writes them) or a quoted glob of
report files; a repository's name is its file's stem without the glob's literal prefix, so
`/work/corpus_base_*.json` and `/tmp/run1/*.json` name the same repositories.
`--families PORT,ENV` and `--severity error,warning` filter what is counted and listed.
Findings are matched across runs by fingerprint (stable when lines shift), else by
rule+path+message.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

Run = dict[str, list[dict]]  # repository -> findings


def run(corpus: Path, out: Path, jobs: int, extra: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    repos = sorted(p for p in corpus.iterdir() if p.is_dir())

    def one(repo: Path) -> str:
        target = out / f"{repo.name}.json"
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "auditor", "check", str(repo), "--format", "json",
             "--fail-on", "never", "--output", str(target), *extra],
            capture_output=True, text=True, timeout=600,
        )
        took = time.monotonic() - started
        if proc.returncode != 0:
            return f"{repo.name}: exit {proc.returncode}: {proc.stderr.strip()[:300]}"
        n = len(json.loads(target.read_text(encoding="utf-8"))["findings"])
        return f"{repo.name}: {n} findings in {took:.1f}s"

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for line in pool.map(one, repos):
            print(line, file=sys.stderr)


def load(spec: str) -> Run:
    if os.path.isdir(spec):
        spec = os.path.join(spec, "*.json")
    prefix = os.path.basename(spec.split("*", 1)[0]) if "*" in spec else ""
    result: Run = {}
    for path in sorted(glob.glob(spec)):
        stem = Path(path).stem
        name = stem[len(prefix):] if prefix and stem.startswith(prefix) else stem
        with open(path, encoding="utf-8") as f:
            result[name] = json.load(f)["findings"]
    if not result:
        raise SystemExit(f"no report matches {spec!r}")
    return result


def keep(f: dict, families: list[str], severities: list[str], rules: list[str]) -> bool:
    if families and not any(f["rule"].startswith(x) for x in families):
        return False
    if severities and f["severity"] not in severities:
        return False
    return not rules or f["rule"] in rules


def filtered(r: Run, args) -> Run:
    return {repo: [f for f in fs if keep(f, args.families, args.severity, args.rule)] for repo, fs in r.items()}


def line(f: dict) -> str:
    return f"    {f['severity'][0].upper()} {f['rule']} {f['path']}:{f['line']}  {f['message'][:220]}"


def show(r: Run, listing: bool) -> None:
    total: Counter = Counter()
    for repo, fs in r.items():
        counts = Counter(f["rule"] for f in fs)
        total.update(counts)
        print(f"{repo}: {len(fs)}  " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        if listing:
            for f in sorted(fs, key=lambda f: (f["rule"], f["path"], f["line"])):
                print(line(f))
    print(f"TOTAL {sum(total.values())}  " + " ".join(f"{k}={v}" for k, v in sorted(total.items())))


def _key(f: dict) -> tuple:
    return (f.get("fingerprint") or "", f["rule"], f["path"], f["message"])


def diff(a: Run, b: Run, listing: bool) -> None:
    before: Counter = Counter()
    after: Counter = Counter()
    for repo in sorted(set(a) | set(b)):
        fa, fb = a.get(repo, []), b.get(repo, [])
        before.update(f["rule"] for f in fa)
        after.update(f["rule"] for f in fb)
        ka = {(f.get("fingerprint") or _key(f)) for f in fa}
        kb = {(f.get("fingerprint") or _key(f)) for f in fb}
        gone = [f for f in fa if (f.get("fingerprint") or _key(f)) not in kb]
        new = [f for f in fb if (f.get("fingerprint") or _key(f)) not in ka]
        if not gone and not new:
            continue
        print(f"{repo}: {len(fa)} -> {len(fb)}  (-{len(gone)} +{len(new)})")
        if listing:
            for f in sorted(gone, key=lambda f: (f["rule"], f["path"], f["line"])):
                print("  -" + line(f)[3:])
            for f in sorted(new, key=lambda f: (f["rule"], f["path"], f["line"])):
                print("  +" + line(f)[3:])
    print("rule        before  after")
    for rule in sorted(set(before) | set(after)):
        print(f"{rule:<10} {before[rule]:>7} {after[rule]:>6}")
    print(f"{'TOTAL':<10} {sum(before.values()):>7} {sum(after.values()):>6}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_run = sub.add_parser("run", help="run auditor over every repository folder of CORPUS")
    p_run.add_argument("corpus", type=Path)
    p_run.add_argument("-o", "--out", type=Path, required=True, help="folder for the JSON reports")
    p_run.add_argument("-j", "--jobs", type=int, default=2)
    p_run.add_argument("--show", action="store_true", help="print the counts afterwards")
    p_run.add_argument("extra", nargs="*", help="more `auditor check` options (after --)")
    p_show = sub.add_parser("show", help="findings per repository and rule")
    p_show.add_argument("run")
    p_diff = sub.add_parser("diff", help="what changed from run A to run B")
    p_diff.add_argument("a")
    p_diff.add_argument("b")
    for p in (p_run, p_show, p_diff):
        p.add_argument("--families", type=lambda s: s.split(","), default=[])
        p.add_argument("--severity", type=lambda s: s.split(","), default=[])
        p.add_argument("--rule", type=lambda s: s.split(","), default=[])
        p.add_argument("--list", action="store_true", help="list the findings (diff: added/removed)")
    args = parser.parse_args(argv)
    if args.cmd == "run":
        run(args.corpus, args.out, args.jobs, args.extra)
        if args.show or args.list:
            show(filtered(load(str(args.out)), args), args.list)
    elif args.cmd == "show":
        show(filtered(load(args.run), args), args.list)
    else:
        diff(filtered(load(args.a), args), filtered(load(args.b), args), args.list)


if __name__ == "__main__":
    main()

"""Times `auditor check` against the tools it replaces, on the same generated trees, in one run.

Run from the repository (with auditor installed in the running interpreter):

    python bench/run.py                      # N = 10, 100, 1000, 4000; writes bench/RESULTS.md
    python bench/run.py --sizes 10,1000 --runs 3 --out /tmp/results.md
    python bench/run.py --no-peers           # auditor only (no benchmark environment needed)

Each command is a whole process, as pre-commit and CI run it: wall time from spawn to exit, and
peak RSS (`ru_maxrss` of `wait4`, which covers the children it waited for). Per tree, every
command runs once to warm the page cache, then `--runs` times, the commands interleaved so that
load from other users of the machine falls on all of them alike; the table gives medians.

The peers are installed into a benchmark environment outside the repository (`--env`, default
/work/benchenv), never as dependencies of auditor: `ENV/chain` holds compose-lint, gixy-ng,
detect-secrets and dotenv-linter, `ENV/checkov` holds Checkov (which ships its own fork of
detect-secrets, hence two environments). `--setup` creates them with pip.

- chain: compose-lint on every compose file, gixy on every nginx file, detect-secrets scan of
  the tree, dotenv-linter on every env file, one after the other (time: the sum; memory: the
  largest of the four).
- Checkov: `checkov -d TREE --compact --quiet --skip-download` (every framework it has).
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

CHAIN_PACKAGES = ("compose-lint", "gixy-ng", "detect-secrets", "dotenv-linter")
CHECKOV_PACKAGES = ("checkov",)
SEEDS = ("fixtures/harena", "fixtures/lecoffre_node")
UNRELATED = 20_000  # files of no kind auditor reads, beside a seed fixture
IMPORT_FLOOR = "import pydantic, crossplane, dotenv, click, yaml"


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system, of the process and its waited-for children
    peak_mb: float
    rc: int


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)
    failed: Optional[str] = None

    @property
    def median(self) -> Optional[float]:
        return statistics.median(s.wall for s in self.samples) if self.samples else None

    @property
    def cpu(self) -> Optional[float]:
        return statistics.median(s.cpu for s in self.samples) if self.samples else None

    @property
    def peak(self) -> Optional[float]:
        return max(s.peak_mb for s in self.samples) if self.samples else None


def run_once(argv: list[str], cwd: Optional[Path] = None, timeout: float = 600.0) -> Sample:
    """One whole process: wall time and peak RSS (its own and its waited-for children's)."""
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env.update({"PYTHONDONTWRITEBYTECODE": "", "BC_SKIP_MAPPING": "TRUE", "CHECKOV_ENABLE_TELEMETRY": "0"})
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise TimeoutError(f"{argv[0]} took more than {timeout:.0f} s")
        time.sleep(0.002)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024,
                  rc=proc.returncode)


def run_chain(commands: list[list[str]], cwd: Path, timeout: float) -> Sample:
    parts = [run_once(c, cwd, timeout) for c in commands]
    return Sample(wall=sum(p.wall for p in parts), cpu=sum(p.cpu for p in parts),
                  peak_mb=max(p.peak_mb for p in parts), rc=max(p.rc for p in parts))


# ---------------------------------------------------------------- the commands


def auditor_cmd(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("auditor")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "auditor", *args]


def _files(root: Path, pattern: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(pattern) if p.is_file())


def chain_cmds(env: Path, root: Path) -> list[list[str]]:
    b = env / "chain" / "bin"
    compose = [f for f in _files(root, "*.yml") if "compose" in Path(f).name]
    nginx = _files(root, "*.conf")
    dotenv = [f for f in _files(root, "*") if Path(f).name.startswith(".env")]
    return [
        [str(b / "compose-lint"), "check", *compose],
        [str(b / "gixy"), *nginx],
        [str(b / "detect-secrets"), "scan", "--all-files", "."],
        [str(b / "dotenv-linter"), *dotenv],
    ]


def checkov_cmd(env: Path, root: Path) -> list[str]:
    return [str(env / "checkov" / "bin" / "checkov"), "-d", ".", "--compact", "--quiet", "--skip-download"]


def setup_env(env: Path) -> dict[str, str]:
    """Create the benchmark environments when missing; returns what could not be installed."""
    problems = {}
    for name, packages in (("chain", CHAIN_PACKAGES), ("checkov", CHECKOV_PACKAGES)):
        venv = env / name
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        for package in packages:
            done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", package],
                                  capture_output=True, text=True)
            if done.returncode:
                problems[package] = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
    return problems


def versions(env: Path) -> dict[str, str]:
    out = {}
    for name, packages in (("chain", CHAIN_PACKAGES), ("checkov", CHECKOV_PACKAGES)):
        python = env / name / "bin" / "python"
        if not python.exists():
            continue
        code = ("import importlib.metadata as m, sys\n"
                "for p in sys.argv[1:]:\n"
                "    try: print(p, m.version(p))\n"
                "    except m.PackageNotFoundError: pass\n")
        done = subprocess.run([str(python), "-c", code, *packages], capture_output=True, text=True)
        for line in done.stdout.splitlines():
            package, version = line.split()
            out[package] = version
    return out


# ---------------------------------------------------------------- the runs


def measure(series: dict[str, Series], jobs: dict[str, callable], runs: int) -> None:
    """Warm-up once, then `runs` interleaved rounds; a failing or too slow command is dropped."""
    for rnd in range(runs + 1):
        for name, job in jobs.items():
            s = series[name]
            if s.failed:
                continue
            try:
                sample = job()
            except (OSError, TimeoutError) as exc:
                s.failed = str(exc)
                continue
            if rnd:
                s.samples.append(sample)
            print(f"  {name:<24} round {rnd}: {sample.wall:7.3f} s wall {sample.cpu:7.3f} s cpu "
                  f"{sample.peak_mb:6.0f} MB rc={sample.rc}",
                  file=sys.stderr, flush=True)


def compile_auditor() -> None:
    """Byte-compile auditor as `pip install` does, so no run pays for compiling its modules: an
    editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise compile them in every run."""
    import auditor
    import auditor.rules

    folders = [str(Path(auditor.__file__).parent), *auditor.rules.__path__]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], env=env, check=False,
                   stdout=subprocess.DEVNULL)


def small_case(runs: int) -> dict[str, Series]:
    jobs = {
        "python -c pass": lambda: run_once([sys.executable, "-c", "pass"]),
        "import floor": lambda: run_once([sys.executable, "-c", IMPORT_FLOOR]),
        "auditor --version": lambda: run_once(auditor_cmd("--version")),
    }
    for seed in SEEDS:
        jobs[f"check {seed}"] = (lambda s=seed: run_once(auditor_cmd("check", str(REPO / s))))
    with tempfile.TemporaryDirectory(prefix="auditor-bench-unrelated-") as tmp:
        # a repository is mostly other files: discovery must cost little per file it skips
        big = Path(tmp) / "tree"
        shutil.copytree(REPO / SEEDS[0], big)
        for d in range(200):
            folder = big / "src" / f"m{d:03d}"
            folder.mkdir(parents=True)
            for f in range(100):
                (folder / f"f{f:03d}.js").write_text("export {};\n")
        jobs[f"check {SEEDS[0]} + {UNRELATED:,} unrelated files"] = \
            lambda: run_once(auditor_cmd("check", str(big)))
        series = {name: Series(name) for name in jobs}
        print("small case", file=sys.stderr)
        measure(series, jobs, runs)
    return series


def sized(n: int, runs: int, env: Optional[Path], timeout: float) -> dict[str, Series]:
    with tempfile.TemporaryDirectory(prefix=f"auditor-bench-{n}-") as tmp:
        root = Path(tmp) / "stack"
        generate(root, n)
        jobs = {"auditor": lambda: run_once(auditor_cmd("check", "."), root, timeout)}
        if env is not None:
            if (env / "chain" / "bin" / "python").exists():
                cmds = chain_cmds(env, root)
                jobs["chain"] = lambda: run_chain(cmds, root, timeout)
            if (env / "checkov" / "bin" / "checkov").exists():
                jobs["checkov"] = lambda: run_once(checkov_cmd(env, root), root, timeout)
        series = {name: Series(name) for name in jobs}
        print(f"N = {n}", file=sys.stderr)
        measure(series, jobs, runs)
        return series


# ---------------------------------------------------------------- the report


def _s(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def _mb(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.0f} MB"


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.1f}x"


def report(small: dict[str, Series], by_n: dict[int, dict[str, Series]], runs: int,
           tool_versions: dict[str, str], missing: dict[str, str]) -> str:
    import auditor

    out = ["# Benchmark results", "",
           f"Written by `python bench/run.py` on {datetime.date.today().isoformat()}: "
           f"{os.cpu_count()} cores ({platform.machine()}, shared with other users), "
           f"Python {platform.python_version()}, auditor {auditor.__version__}. Whole processes, "
           f"median of {runs} runs after a warm-up, commands interleaved; peak RSS is the largest "
           "of the runs. The trees come from `bench/generate.py` (compose projects of 25 "
           "services, half in the root folder sharing one `.env`, half in folders of their own; "
           "nginx sites, security groups and a docs table; defects of every rule family).", ""]
    if tool_versions:
        out += ["Peers, in a benchmark environment outside the repository: "
                + ", ".join(f"{k} {v}" for k, v in sorted(tool_versions.items())) + ".", ""]
    for package, why in sorted(missing.items()):
        out += [f"- **{package} could not be installed from PyPI**: {why}", ""]

    out += ["## A small stack", "",
            "| command | wall | CPU | peak | wall vs import floor | CPU vs import floor |",
            "|---|---:|---:|---:|---:|---:|"]
    floor = small.get("import floor")
    for name, s in small.items():
        out.append(f"| `{name}` | {_s(s.median)} | {_s(s.cpu)} | {_mb(s.peak)} | "
                   f"{_ratio(s.median, floor.median if floor else None)} | "
                   f"{_ratio(s.cpu, floor.cpu if floor else None)} |")
    out += ["", "The import floor is `python -c \"" + IMPORT_FLOOR + "\"`: the dependencies "
            "alone. Targets: a seed fixture at most 2x the floor, `--version` near `python -c pass`.", ""]

    out += ["## Scaling with the stack", "",
            "Wall time (CPU time in parentheses: user + system, steadier on a shared machine) "
            "and peak RSS.", "",
            "| N services | auditor | peak | chain | peak | Checkov | peak | chain / auditor | Checkov / auditor |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, series in by_n.items():
        a, c, k = (series.get(x) for x in ("auditor", "chain", "checkov"))
        cells = [f"{n:,}"]
        for s in (a, c, k):
            if s is None:
                cells += ["not run", ""]
            elif s.failed and not s.samples:
                cells += [f"failed ({s.failed})", ""]
            else:
                cells += [f"{_s(s.median)} ({_s(s.cpu)})", _mb(s.peak)]
        cells += [_ratio(c.median if c else None, a.median if a else None),
                  _ratio(k.median if k else None, a.median if a else None)]
        out.append("| " + " | ".join(cells) + " |")
    if 1000 in by_n and 4000 in by_n:
        out += ["", "Scaling ratio, time at N = 4,000 over time at N = 1,000 (4.0 is linear):"]
        for name in ("auditor", "chain", "checkov"):
            hi, lo = by_n[4000].get(name), by_n[1000].get(name)
            if hi and lo and hi.median and lo.median:
                out.append(f"- {name}: {hi.median / lo.median:.2f} wall, {hi.cpu / lo.cpu:.2f} CPU")
    out += ["", "Targets: N = 1,000 under 1.0 s and 150 MB, at least 5x faster than the chain, "
            "faster than Checkov at every N; N = 4,000 at most 4.4x N = 1,000.", "",
            "The chain is what auditor replaces: compose-lint on the compose files, gixy on the "
            "nginx files, detect-secrets on the tree and dotenv-linter on the env files, run one "
            "after the other (its time is their sum, its peak the largest of theirs). None of them "
            "checks one file against another; auditor's findings are a superset in kind, not in "
            "every rule. Checkov runs every framework it has over the same tree.", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000,4000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--small-runs", type=int, default=15)
    parser.add_argument("--env", type=Path, default=Path("/work/benchenv"))
    parser.add_argument("--setup", action="store_true", help="create the benchmark environments first")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run before giving up")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()

    env = None if args.no_peers else args.env
    missing = setup_env(env) if env is not None and args.setup else {}
    compile_auditor()
    small = small_case(args.small_runs)
    by_n = {n: sized(n, args.runs, env, args.timeout) for n in map(int, args.sizes.split(","))}
    text = report(small, by_n, args.runs, versions(env) if env else {}, missing)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

"""Check that a refactoring changes no output: run `auditor` of two revisions on the same inputs.

    python scripts/same_output.py                  # this tree against `main`
    python scripts/same_output.py --against HEAD~3 # or any revision
    python scripts/same_output.py --save DIR       # write this tree's outputs to DIR
    python scripts/same_output.py --compare DIR    # compare this tree against saved outputs

The other revision is exported with `git archive` into a temporary folder and imported from
there (with `rules/` mounted as `auditor.rules`, as the install does), so no worktree changes.
Both run on the fixtures of this tree, so absolute paths in the outputs agree.
Exit status 0 when every output is byte-identical, 1 otherwise (the first differing lines shown).
"""
from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
FIXTURES = ("harena", "lecoffre_node", "clean_stack")
COMMANDS = {
    "text": ["check", "--format", "text", "--fail-on", "never"],
    "json": ["check", "--format", "json", "--fail-on", "never"],
    "sarif": ["check", "--format", "sarif", "--fail-on", "never"],
    "github": ["check", "--format", "github", "--fail-on", "never"],
    "statistics": ["check", "--statistics", "--fail-on", "never"],
    "graph": ["graph", "--format", "json"],
}

# Imports `auditor` from SRC (argv[1]) with SRC/rules as `auditor.rules`, then runs the cli.
BOOT = r"""
import importlib.util, sys
src = sys.argv.pop(1)
sys.path.insert(0, src)
import auditor
spec = importlib.util.spec_from_file_location(
    "auditor.rules", src + "/rules/__init__.py", submodule_search_locations=[src + "/rules"])
mod = importlib.util.module_from_spec(spec)
sys.modules["auditor.rules"] = mod
spec.loader.exec_module(mod)
auditor.rules = mod
from auditor.cli import main
sys.argv[0] = "auditor"
main()
"""


def outputs(src: Path) -> dict[str, bytes]:
    out = {}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    for fixture in FIXTURES:
        target = str(HERE / "fixtures" / fixture)
        for name, args in COMMANDS.items():
            proc = subprocess.run([sys.executable, "-c", BOOT, str(src), *args, target],
                                  capture_output=True, env=env, cwd=str(HERE))
            out[f"{fixture}.{name}"] = (proc.stdout + b"\n--- stderr ---\n" + proc.stderr
                                        + f"\n--- exit {proc.returncode} ---\n".encode())
    return out


def export(rev: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(HERE), "archive", rev, "auditor", "rules"],
                          capture_output=True, check=True).stdout
    tar = into / "src.tar"
    tar.write_bytes(data)
    with tarfile.open(tar) as t:
        t.extractall(into / "src")  # our own repository's files
    return into / "src"


def compare(before: dict[str, bytes], after: dict[str, bytes]) -> int:
    bad = 0
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, b""), after.get(key, b"")
        if a == b:
            continue
        bad += 1
        print(f"DIFFERS: {key}")
        diff = difflib.unified_diff(a.decode(errors="replace").splitlines(),
                                    b.decode(errors="replace").splitlines(), lineterm="", n=1)
        for line in list(diff)[:40]:
            print("   ", line)
    print(f"{len(after) - bad} of {len(after)} outputs byte-identical")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", default="main")
    ap.add_argument("--save")
    ap.add_argument("--compare")
    args = ap.parse_args()
    mine = outputs(HERE)
    if args.save:
        d = Path(args.save)
        d.mkdir(parents=True, exist_ok=True)
        for key, data in mine.items():
            (d / key).write_bytes(data)
        print(f"saved {len(mine)} outputs to {d}")
        return 0
    if args.compare:
        d = Path(args.compare)
        return compare({p.name: p.read_bytes() for p in d.iterdir()}, mine)
    with tempfile.TemporaryDirectory() as tmp:
        theirs = outputs(export(args.against, Path(tmp)))
    return compare(theirs, mine)


if __name__ == "__main__":
    sys.exit(main())

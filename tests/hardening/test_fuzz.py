"""Coverage-guided fuzzing of the compose and nginx loaders, for a bounded time in every run.

With atheris installed (libFuzzer; `pip install atheris`), each target runs under libFuzzer for
a few seconds, seeded with the fixtures and a token dictionary; a crash, a hang (`-timeout`) or
a blow-up (`-rss_limit_mb`) fails the test with the input that caused it. The built-in loop
(line coverage by sys.settrace) runs too, briefly, so the fallback stays working where atheris
does not build. Longer runs: see tests/hardening/fuzz_targets.py.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hardening_support import REPO

# Minutes of fuzzing: run on one Python in CI (.ci/run), not on every one.
pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("fuzz_targets.py")
TARGETS = ("compose", "nginx")
ATHERIS_SECONDS = 8
BUILTIN_SECONDS = 3


def _run(args: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
                                                         "PYTHONHASHSEED": "0",
                                                         "AUDITOR_FUZZ_DIR": str(cwd / "workspace")})


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
@pytest.mark.parametrize("target", TARGETS)
def test_atheris(target, tmp_path, capsys):
    sys.path.insert(0, str(SCRIPT.parent))
    from fuzz_targets import write_corpus_and_dict

    corpus, dictionary = write_corpus_and_dict(target, tmp_path)
    proc = _run([target, f"-max_total_time={ATHERIS_SECONDS}", "-timeout=10", "-rss_limit_mb=1536",
                 "-seed=1", "-print_final_stats=1", f"-artifact_prefix={tmp_path}/", f"-dict={dictionary}",
                 str(corpus)], tmp_path, timeout=ATHERIS_SECONDS + 60)
    crashes = sorted(p for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-", "leak-")))
    detail = "\n".join(f"{p.name}: {p.read_bytes()[:3000]!r}" for p in crashes)
    assert proc.returncode == 0 and not crashes, f"{proc.stderr[-4000:]}\n{detail}"
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", proc.stderr)
    with capsys.disabled():
        print(f"\natheris {target}: {runs.group(1) if runs else '?'} inputs in {ATHERIS_SECONDS} s")


@pytest.mark.parametrize("target", TARGETS)
def test_builtin_fuzzer(target, tmp_path, capsys):
    proc = _run([target, "--builtin", "--seconds", str(BUILTIN_SECONDS)], tmp_path, timeout=BUILTIN_SECONDS + 60)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with capsys.disabled():
        print("\n" + proc.stdout.strip())

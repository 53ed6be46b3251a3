"""The pre-commit hook, as a user's repository meets it.

`pre-commit try-repo` installs the hook from a repository at a commit, so the test copies this
working tree (uncommitted work included) into a temporary repository, commits it there, and
tries THAT on a temporary repository holding the harena seed stack: the hook fails on it, and
passes once the findings are baselined (`baseline = "auditor-baseline.json"` in a committed
`.auditor.toml`). Installing the hook's environment takes pip a minute or so.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

_JUNK = shutil.ignore_patterns(".git", ".venv", "venv", "node_modules", "__pycache__", "*.egg-info",
                               ".pytest_cache", ".hypothesis", "build", "dist", "sarif")


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_CONFIG_NOSYSTEM="1", HOME=str(home),
               PRE_COMMIT_HOME=str(home / "pre-commit-cache"))
    if "HOME" in os.environ:  # keep pip's user configuration (index, proxy) reachable
        for name in ("pip/pip.conf", ".pip/pip.conf", ".config/pip/pip.conf"):
            src = Path(os.environ["HOME"]) / name
            if src.is_file():
                dest = home / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, dest)
    return env


def git(cwd: Path, env: dict, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


def working_tree_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files of this repository, as they are on disk."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted({p for p in out.split("\0") if p and (REPO / p).is_file()})


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, home) -> Path:
    dest = tmp_path_factory.mktemp("hook") / "auditor"
    files = working_tree_files()
    if files:
        for rel in files:
            if rel.startswith(".ci/sarif/"):
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, target)
    else:  # not a git checkout (an unpacked archive): copy all but the usual junk
        shutil.copytree(REPO, dest, ignore=_JUNK)
    env = clean_env(home)
    git(dest, env, "init", "-q")
    git(dest, env, "add", "-A")
    git(dest, env, "commit", "-qm", "auditor working tree")
    return dest


def test_manifest_is_valid():
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_manifest_checks_the_stacks_of_the_changed_files():
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "auditor"
    assert hook["entry"] == "auditor check --whole-stacks"
    assert hook["pass_filenames"] is True and hook["require_serial"] is True
    import re

    files = re.compile(hook["files"])
    for path in (".env", ".env.master", "deploy/.env.production", "prod.env", "docker-compose.yml",
                 "compose.monitoring.yaml", "nginx/conf.d/site.conf", "nginx/sites-enabled/example",
                 "aws/security-groups.json", "infra/main.tf", "docs/architecture.md", ".auditor.toml",
                 "pyproject.toml", "cfn/stack.template"):
        assert files.search(path), path
    for path in ("src/app.py", "Dockerfile", "image.png", "environment.py"):
        assert not files.search(path), path


def try_repo(stack: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "auditor", "--all-files",
         "--verbose"],
        cwd=stack, env=clean_env(home), capture_output=True, text=True, timeout=1500,
    )


@pytest.mark.slow
def test_hook_fails_on_findings_and_passes_once_they_are_baselined(tmp_path, hook_repo, home):
    stack = tmp_path / "stack"
    shutil.copytree(REPO / "fixtures" / "harena", stack)
    env = clean_env(home)
    git(stack, env, "init", "-q")
    git(stack, env, "add", "-A")
    git(stack, env, "commit", "-qm", "stack")

    proc = try_repo(stack, hook_repo, home)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Failed" in out and "SEC001" in out and "EXP002" in out, out
    assert "Traceback" not in out, out

    made = subprocess.run([sys.executable, "-m", "auditor", "baseline", ".", "-o", "auditor-baseline.json"],
                          cwd=stack, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    (stack / ".auditor.toml").write_text('baseline = "auditor-baseline.json"\nfail_on = "warning"\n')
    git(stack, env, "add", "-A")
    git(stack, env, "commit", "-qm", "adopt auditor with a baseline")

    proc = try_repo(stack, hook_repo, home)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out, out

    # a new defect (a warning: the configuration's fail_on) still fails the hook
    env_file = stack / ".env"
    env_file.write_text(env_file.read_text() + "LLM_MODEL=gpt-4o\n")
    git(stack, env, "commit", "-qam", "a duplicate key")
    proc = try_repo(stack, hook_repo, home)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "ENV001" in out and "SEC001" not in out, out


def findings_in(text: str) -> set[tuple[str, str]]:
    """(path:line:col, rule) of each finding line of the text report."""
    out = set()
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and not line[:1].isspace() and words[1] in ("error", "warning", "note"):
            out.add((words[0], words[2]))
    return out


@pytest.mark.slow
def test_hook_checks_a_stack_in_a_subfolder_with_its_own_config(tmp_path, hook_repo, home):
    """deploy/ holds the stack and its deploy/.auditor.toml: the hook on staged changes and
    `auditor check .` report what `auditor check deploy/` reports."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "fixtures" / "harena", repo / "deploy")
    (repo / "deploy" / ".auditor.toml").write_text('ignore = ["SEC"]\nexclude = ["docs/"]\n')
    env = clean_env(home)
    git(repo, env, "init", "-q")
    git(repo, env, "add", "-A")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "auditor",
                           "--verbose"], cwd=repo, env=env, capture_output=True, text=True, timeout=1500)
    hook = findings_in(proc.stdout)
    alone = subprocess.run([sys.executable, "-m", "auditor", "check", "deploy/", "--quiet"], cwd=repo,
                           capture_output=True, text=True, timeout=300)
    whole = subprocess.run([sys.executable, "-m", "auditor", "check", ".", "--quiet"], cwd=repo,
                           capture_output=True, text=True, timeout=300)
    expected = {(f"deploy/{loc}", rule) for loc, rule in findings_in(alone.stdout)}
    assert expected and not any(rule.startswith("SEC") for _, rule in expected)
    assert findings_in(whole.stdout) == expected
    assert proc.returncode == 1 and hook == expected, proc.stdout + proc.stderr

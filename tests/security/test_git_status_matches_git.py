"""auditor reads the index and the ignore files itself (it never runs git); on repositories the
test builds and trusts, its answers are git's own (`git ls-files`, `git check-ignore`)."""
from __future__ import annotations

import shutil

import pytest

from auditor.gitinfo import file_status
from security_support import git, write_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is the reference")

IGNORES = {
    ".gitignore": "\n".join([
        "# comment", "*.log", "!keep.log", "/top.env", "build/", "**/deep/*.env", "a/**/z.env",
        "secret?.env", "[abc]x.env", "[!q]y.env", "\\#hash.env", "trailing.env   ", "docs/**",
        "!docs/kept.md", "sub/*.tmp", "*.bak/", "", "odd\\ space.env",
    ]) + "\n",
    "nested/.gitignore": "*.env\n!ok.env\n/local.conf\n",
    "nested/inner/.gitignore": "!again.env\n",
}
FILES = [
    "x.log", "keep.log", "dir/keep.log", "top.env", "dir/top.env", "build/a.env", "dir/build/b.env",
    "q/deep/c.env", "deep/d.env", "a/z.env", "a/b/c/z.env", "secret1.env", "secret12.env",
    "ax.env", "dx.env", "qy.env", "ry.env", "#hash.env", "trailing.env", "docs/kept.md",
    "docs/other.md", "sub/x.tmp", "sub/deeper/x.tmp", "file.bak", "dir.bak/f", "nested/a.env",
    "nested/ok.env", "nested/local.conf", "nested/inner/local.conf", "nested/inner/again.env",
    "nested/inner/other.env", "odd space.env", "plain.txt", "compose.yaml", ".env",
]


@pytest.mark.parametrize("index_version", ["2", "3", "4"])
def test_status_matches_git(tmp_path, index_version):
    write_tree(tmp_path, {**IGNORES, **{f: "x\n" for f in FILES}})
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "index.version", index_version)
    git(tmp_path, "add", "-f", "compose.yaml", "x.log", "nested/a.env", "plain.txt")
    if index_version == "3":
        git(tmp_path, "update-index", "--skip-worktree", "plain.txt")  # sets an extended flag
    tracked = set(git(tmp_path, "ls-files", "-z").split("\0")) - {""}
    ignored = _check_ignore(tmp_path, FILES)
    expected = {f: "tracked" if f in tracked else "ignored" if f in ignored else "untracked" for f in FILES}
    assert file_status(tmp_path, FILES) == expected


def _check_ignore(repo, paths) -> set[str]:
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", HOME=str(repo), XDG_CONFIG_HOME=str(repo))
    proc = subprocess.run(["git", "check-ignore", "--no-index", "-z", "--stdin"], cwd=repo, env=env,
                          input="\0".join(paths) + "\0", capture_output=True, text=True)
    return set(proc.stdout.split("\0")) - {""}

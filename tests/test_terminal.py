"""Terminal conventions: NO_COLOR / FORCE_COLOR / --color, --quiet, wrapping, stdin, progress."""
from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.terminal import Progress, use_colour, width

REPO = Path(__file__).resolve().parents[1]
ESC = "\033"


def run(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env=full, input=stdin)


def in_pty(*args: str, env: dict) -> tuple[int, str]:
    """Run auditor with stdout and stderr on a pseudo-terminal; its exit status and all it wrote."""
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    full.update(TERM="xterm-256color", **env)
    parent, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "auditor", *args], cwd=REPO, stdin=subprocess.DEVNULL,
                            stdout=child, stderr=child, env=full, close_fds=True)
    os.close(child)
    chunks = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([parent], [], [], 1)
        if ready:
            try:
                data = os.read(parent, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(parent)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_no_color_in_a_pseudo_terminal_prints_no_escape():
    status, text = in_pty("check", "fixtures/harena", env={"NO_COLOR": "1"})
    assert status == 1
    assert "EXP002" in text and ESC not in text


def test_a_terminal_gets_colour_and_force_color_or_always_force_it():
    status, text = in_pty("check", "fixtures/harena", env={})
    assert ESC + "[31m" in text
    assert ESC not in run("check", "fixtures/harena").stdout          # piped: plain
    assert ESC + "[31m" in run("check", "fixtures/harena", env={"FORCE_COLOR": "1"}).stdout
    assert ESC + "[31m" in run("check", "fixtures/harena", "--color", "always").stdout
    assert ESC not in run("check", "fixtures/harena", "--color", "never", env={"FORCE_COLOR": "1"}).stdout


def test_colour_precedence():
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    assert use_colour("auto", tty, {}) is True
    assert use_colour("auto", tty, {"NO_COLOR": "1"}) is False
    assert use_colour("auto", tty, {"NO_COLOR": ""}) is True        # set but empty: ignored
    assert use_colour("auto", tty, {"TERM": "dumb"}) is False
    assert use_colour("auto", io.StringIO(), {"FORCE_COLOR": "1"}) is True
    assert use_colour("auto", io.StringIO(), {"FORCE_COLOR": "0"}) is False
    assert use_colour("always", io.StringIO(), {"NO_COLOR": "1"}) is True
    assert use_colour("never", tty, {"FORCE_COLOR": "1"}) is False


def test_wrapping_at_word_boundaries_to_the_width():
    proc = run("check", "fixtures/harena", env={"COLUMNS": "80"})
    lines = proc.stdout.splitlines()
    too_long = [l for l in lines if len(l) > 80 and " | " not in l and len(l.split()) > 1]
    assert not too_long  # only a single word longer than the line (a URL) may overflow
    words = set(run("check", "fixtures/harena").stdout.split())
    assert set(proc.stdout.split()) <= words  # no word cut in two
    assert width(io.StringIO(), {}) is None  # piped: one finding per line


def test_locations_are_clickable_and_help_comes_once_per_rule():
    out = run("check", "fixtures/harena").stdout
    assert "aws/security-groups.json:11:25 " in out and "docker-compose.yml:30:9 " in out
    assert out.count("= `auditor explain EXP004`") == 1 and out.count("help: ") == len(
        {l.split()[2] for l in out.splitlines() if l[:1].strip() and ":" in l.split()[0]})
    # a security-group rule object shows its own line, not `{`
    assert '"CidrIp": "0.0.0.0/0",' in out and "|                         {" not in out
    footer = out.rstrip().splitlines()[-1]
    doc = json.loads(run("check", "fixtures/harena", "--format", "json").stdout)
    n, count = len(doc["findings"]), doc["summary"]
    files = len({f["path"] for f in doc["findings"]})
    plural = lambda k, s: f"{k} {s}{'s' if k != 1 else ''}"  # noqa: E731
    assert footer == (f"{n} findings ({plural(count['error'], 'error')}, {plural(count['warning'], 'warning')}, "
                      f"{plural(count['note'], 'note')}) in {files} of {len(doc['files'])} files; "
                      f"exit 1: {count['error']} at or above --fail-on error.")


def test_quiet_prints_only_the_findings():
    out = run("check", "fixtures/harena", "--quiet").stdout
    assert "help:" not in out and "auditor explain" not in out and "findings" not in out
    assert "EXP002" in out
    assert run("check", "fixtures/clean_stack", "-q").stdout == ""


def test_footer_names_the_threshold():
    out = run("check", "fixtures/harena", "--fail-on", "never").stdout
    assert out.rstrip().endswith("exit 0 (--fail-on never).")


def test_stdin():
    text = (REPO / "fixtures" / "harena" / "aws" / "security-groups.json").read_text()
    proc = run("check", "-", "--stdin-filename", "aws/security-groups.json", "--format", "json", stdin=text)
    assert proc.returncode == 1, proc.stderr
    assert '"EXP002"' in proc.stdout and '"path": "security-groups.json"' in proc.stdout
    guessed = run("check", "-", stdin="A=1\nA=2\n")
    assert "ENV001" in guessed.stdout and guessed.returncode == 0
    assert run("check", "-", "fixtures/harena").returncode == 2


def test_progress_shows_only_after_the_delay_and_erases_itself():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    quick = Tty()
    with Progress(True, quick, delay=0.5) as p:
        p("reading 3 files")
    assert quick.getvalue() == ""
    slow = Tty()
    with Progress(True, slow, delay=0.05, interval=0.02) as p:
        p("reading 810 files")
        time.sleep(0.3)
    text = slow.getvalue()
    assert "auditor: reading 810 files" in text and ESC not in text
    assert text.endswith("\r") and text.rsplit("\r", 2)[-2].strip() == ""  # erased at the end
    piped = io.StringIO()
    with Progress(True, piped, delay=0.0, interval=0.01) as p:
        time.sleep(0.05)
    assert piped.getvalue() == ""

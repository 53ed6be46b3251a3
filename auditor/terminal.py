"""The terminal's conventions: whether to colour, how wide to wrap, a progress line on stderr.

Colour, in this order: `--color always|never`; else `NO_COLOR` (set and not empty: never,
no-color.org); else `FORCE_COLOR` (set and not empty, other than `0`: always); else only when
the stream is a terminal and `TERM` is not `dumb`.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Mapping, Optional, TextIO


def use_colour(choice: str, stream: Optional[TextIO], env: Optional[Mapping[str, str]] = None) -> bool:
    env = os.environ if env is None else env
    if choice == "always":
        return True
    if choice == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") and env.get("FORCE_COLOR") != "0":
        return True
    return is_terminal(stream) and env.get("TERM") != "dumb"


def is_terminal(stream: Optional[TextIO]) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def width(stream: Optional[TextIO], env: Optional[Mapping[str, str]] = None) -> Optional[int]:
    """Columns to wrap at: `COLUMNS` when set, else the terminal's width; None (never wrap) when
    the stream is not a terminal, so that piped output keeps one finding per line for grep."""
    env = os.environ if env is None else env
    columns = env.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and int(columns) > 0:
        return max(40, int(columns))
    if not is_terminal(stream):
        return None
    return max(40, _terminal_size((100, 24)).columns)


class Progress:
    """A one-line status on stderr, shown only when the run lasts longer than `delay` seconds
    and stderr is a terminal; erased (with spaces and carriage returns, no escape sequence)
    before anything else is printed.

        with Progress(enabled) as progress:
            progress("loading 810 files")
    """

    def __init__(self, enabled: bool, stream: Optional[TextIO] = None, delay: float = 1.0,
                 interval: float = 0.25):
        self.stream = stream or sys.stderr
        self.enabled = enabled and is_terminal(self.stream)
        self.delay, self.interval = delay, interval
        self.stage = "starting"
        self.started = time.monotonic()
        self.shown = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def __call__(self, stage: str) -> None:
        self.stage = stage

    def __enter__(self) -> "Progress":
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="auditor-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        with self._lock:
            self._erase()

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            elapsed = time.monotonic() - self.started
            line = f"auditor: {self.stage} ({elapsed:.0f} s)"
            cols = _terminal_size((80, 24)).columns - 1
            line = line[:max(10, cols)]
            with self._lock:
                if self._stop.is_set():
                    return
                pad = " " * max(0, self.shown - len(line))
                self._write("\r" + line + pad + "\r")
                self.shown = len(line)
            self._stop.wait(self.interval)

    def _erase(self) -> None:
        if self.shown:
            self._write("\r" + " " * self.shown + "\r")
            self.shown = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False


def _terminal_size(fallback: tuple[int, int]):
    import shutil  # only when there is a terminal to measure: it imports the archive modules

    return shutil.get_terminal_size(fallback)

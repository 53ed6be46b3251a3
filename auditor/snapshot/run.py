"""Running one capture command: found on PATH, argument list (never a shell), bounded in time
and output, killed with its process group when it overruns.

The commands are the host's own tools (docker, nginx, ss, aws); none of the repository runs.
"""
from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional, Sequence

Status = Literal["ok", "missing", "failed", "timeout", "too-large", "error"]


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    status: Status  # ok: exit 0 within bounds; failed: non-zero exit; missing: not on PATH
    exit_code: Optional[int] = None
    stdout: bytes = b""
    stderr: bytes = b""
    seconds: float = 0.0
    reason: str = ""  # why it is not ok, in a few words
    executable: str = field(default="", compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def first_error_line(self, limit: int = 200) -> str:
        """The first non-empty line of stderr (else stdout), decoded leniently and cut."""
        for stream in (self.stderr, self.stdout):
            for line in stream.decode("utf-8", "replace").splitlines():
                if line.strip():
                    return line.strip()[:limit]
        return ""


def run(argv: Sequence[str], *, timeout: float, max_bytes: int,
        env: Optional[Mapping[str, str]] = None, path: Optional[str] = None) -> Result:
    """Run `argv` (argv[0] looked up on PATH, or on `path`) and collect its output.

    stdout is capped at `max_bytes` and stderr at 64 KiB: past the cap, or past `timeout`
    seconds, the process group is killed and the result says so; nothing is written anywhere."""
    exe = shutil.which(argv[0], path=path if path is not None else (env or os.environ).get("PATH"))
    args = tuple(argv)
    if exe is None:
        return Result(args, "missing", reason=f"{argv[0]}: not found on PATH")
    start = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - an argument list of the host's own tool, no shell
            [exe, *args[1:]], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None, close_fds=True, start_new_session=True)
    except OSError as exc:
        return Result(args, "error", reason=f"{argv[0]}: cannot run ({exc.strerror or type(exc).__name__})",
                      executable=exe)
    caps = {proc.stdout: max_bytes, proc.stderr: 64 * 1024}
    chunks: dict = {proc.stdout: [], proc.stderr: []}
    sizes = {proc.stdout: 0, proc.stderr: 0}
    status: Status = "ok"
    with selectors.DefaultSelector() as sel:
        for pipe in caps:
            sel.register(pipe, selectors.EVENT_READ)  # type: ignore[arg-type]
        while sel.get_map():
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                status = "timeout"
                break
            for key, _ in sel.select(min(left, 1.0)):
                pipe = key.fileobj
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(pipe)
                    continue
                if sizes[pipe] + len(data) > caps[pipe]:
                    if pipe is proc.stdout:
                        status = "too-large"
                        break
                    data = data[:max(0, caps[pipe] - sizes[pipe])]  # stderr: keep the start only
                sizes[pipe] += len(data)
                chunks[pipe].append(data)
            if status != "ok":
                break
    if status != "ok":
        _kill(proc)
    try:
        code = proc.wait(timeout=max(0.1, timeout - (time.monotonic() - start)) if status == "ok" else 5)
    except subprocess.TimeoutExpired:
        _kill(proc)
        code, status = proc.wait(), "timeout"
    for pipe in caps:
        pipe.close()  # type: ignore[union-attr]
    out, err = b"".join(chunks[proc.stdout]), b"".join(chunks[proc.stderr])
    seconds = round(time.monotonic() - start, 3)
    if status == "timeout":
        return Result(args, status, None, b"", err, seconds, f"{argv[0]}: no answer within {timeout:g} s", exe)
    if status == "too-large":
        return Result(args, status, None, b"", err, seconds,
                      f"{argv[0]}: output larger than {max_bytes} bytes", exe)
    if code != 0:
        return Result(args, "failed", code, out, err, seconds, f"{argv[0]}: exit status {code}", exe)
    return Result(args, "ok", 0, out, err, seconds, "", exe)


def _kill(proc: subprocess.Popen) -> None:
    """Kill the process group this module started (start_new_session made the child its leader)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass

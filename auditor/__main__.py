"""`python -m auditor` and the `auditor` command. The cli (click, the model, the loaders) is
imported only when there is work for it: `auditor --version` costs an interpreter start."""
import os
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        sys.stdout.write(f"auditor, version {__version__}\n")  # click's version_option text
        sys.exit(0)
    # The cyclic collector stays off for the whole command, as it already is while a check
    # loads and joins (auditor.gcpause): outside those phases it still ran, during the imports
    # and over the finished graph while the report was written, 5-8% of a check of 1,000
    # services. Reference counting frees what a run drops; the process ends right after.
    import gc

    gc.disable()
    from .cli import main as cli_main

    try:
        cli_main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> None:
    """Exit without freeing the run's objects one by one: the graph of a big stack is millions
    of them, and the interpreter's teardown of them cost up to 0.4 s, more than many whole
    checks. Every file the run wrote is closed by then (reports are written in `with` blocks);
    the standard streams are flushed here, then the system takes the memory back at once."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): printed, status 1, as the interpreter would
        print(code, file=sys.stderr)
        status = 1
    if _observed():
        sys.exit(status)  # a profiler or coverage writes its data as the interpreter unwinds
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: what could be said was said
        status = status or 1
    os._exit(status & 0xFF if status >= 0 else 1)


def _observed() -> bool:
    """Whether a tracer or profiler runs this process (`python -m cProfile -m auditor`, coverage)."""
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # 3.12+: cProfile and coverage register here
    return monitoring is not None and any(monitoring.get_tool(i) is not None for i in range(6))


if __name__ == "__main__":
    main()

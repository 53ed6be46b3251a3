"""`python -m auditor` and the `auditor` command. The cli (click, the model, the loaders) is
imported only when there is work for it: `auditor --version` costs an interpreter start."""
import os
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        sys.stdout.write(f"auditor, version {__version__}\n")  # click's version_option text
        sys.exit(0)
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
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: what could be said was said
        status = status or 1
    os._exit(status & 0xFF if status >= 0 else 1)


if __name__ == "__main__":
    main()

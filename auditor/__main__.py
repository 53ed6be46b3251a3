"""`python -m auditor` and the `auditor` command. The cli (click, the model, the loaders) is
imported only when there is work for it: `auditor --version` costs an interpreter start."""
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        sys.stdout.write(f"auditor, version {__version__}\n")  # click's version_option text
        sys.exit(0)
    from .cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()

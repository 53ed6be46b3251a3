"""auditor: checks the files of a self-hosted stack against each other."""

__version__ = "0.1.0"

"""Rule modules, one per family. Installed as `auditor.rules`."""

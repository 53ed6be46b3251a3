"""Live-state snapshots under `--live DIR`: the folder walk (snapshots), docker JSON (docker),
`nginx -T` dumps and `ss -ltnp` (host)."""

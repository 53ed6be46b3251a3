"""Format-neutral readers: YAML and JSON that keep positions (yaml, json), compose-style
`${VAR}` interpolation (interpolate), inline suppression comments (suppressions), and
files written for a template engine (templates)."""

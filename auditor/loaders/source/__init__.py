"""Format-neutral readers: YAML and JSON that keep positions (yaml, json), compose-style
`${VAR}` interpolation (interpolate) and inline suppression comments (suppressions). Files
written for a template engine are auditor.templates' (discovery reads them too)."""

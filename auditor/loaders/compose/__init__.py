"""Docker compose: projects and includes (project), one file's service fields (service), compose's
merge of overrides (merge), and every `ports:` form (ports)."""

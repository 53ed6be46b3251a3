"""nginx: statements over crossplane's lexer (syntax), `include` inside the root (includes),
directive arguments (values), and configurations with their servers (config)."""

"""nginx: tokens as crossplane's lexer gives them (lexer), statements (syntax), `include` inside
the root (includes), directive arguments (values), and configurations with their servers (config)."""

"""Markdown docs: tables, lists and mentions (markdown), and the facts tables state (facts)."""

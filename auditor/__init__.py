"""auditor: checks the files of a self-hosted stack against each other."""

__version__ = "0.1.0"

# Where the project lives: the one place the README snippets, action.yml, `auditor explain`
# and SARIF's helpUri/informationUri take it from (pyproject's [project.urls] repeats it; a test
# keeps them equal).
REPOSITORY = "https://github.com/auditor-dev/auditor"


def rule_page(rule_id: str) -> str:
    """The address of a rule's documentation page (docs/rules/<ID>.md, generated from the rules)."""
    return f"{REPOSITORY}/blob/main/docs/rules/{rule_id}.md"

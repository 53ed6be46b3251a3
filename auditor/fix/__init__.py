"""`auditor fix`: proposed edits for findings, verified before they are offered.

Flow: the engine's findings -> each rule's fixer proposes line edits (`fixers/`) -> the edits
are verified by re-checking an edited copy of the inputs (`verify.py`) -> a unified diff, or
the files rewritten (`run.py`). Fixers read the graph and the file text; they never write.
"""

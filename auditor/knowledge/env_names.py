"""How env templates are named: `.env.example`, `app.env.sample`, `env.dist`, `example.env`.

Discovery marks such files as templates; the graph pairs each with the real file it describes
(`X.example` with `X`). One list of words, so both read a name the same way.
"""
from __future__ import annotations

import re

TEMPLATE_WORDS = ("example", "sample", "template", "dist")
# `.env.example`, `config.env.dist`: the word as the last suffix (any case)
TEMPLATE_SUFFIX = re.compile(rf"\.({'|'.join(TEMPLATE_WORDS)})$", re.I)

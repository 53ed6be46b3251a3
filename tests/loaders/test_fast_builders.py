"""The loaders build per-line objects field by field (env lines, doc mentions): the objects must
be those of the model's own constructors, and the fast path must still be on."""
from __future__ import annotations

from auditor.loaders import env as env_loader
from auditor.loaders.docs import markdown
from auditor.model import EnvVar, Loc, TextMention


def _same(a, b) -> None:
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b) and a.model_dump() == b.model_dump()
    assert vars(a) == vars(b)


def test_env_lines_are_the_models_env_vars():
    assert env_loader._FAST  # else the model changed: update `_build`
    built = env_loader._plain_var("DB_HOST", "db", ".env", 3, 2)
    _same(built, EnvVar(key="DB_HOST", value="db", raw="db", loc=Loc(path=".env", line=3, column=2),
                        value_loc=Loc(path=".env", line=3, column=10)))


def test_doc_mentions_are_the_models_mentions():
    assert markdown._FAST  # else the model changed: update `_mention`
    _same(markdown._mention("https://a", None, "d.md", 4, 5),
          TextMention(text="https://a", loc=Loc(path="d.md", line=4, column=5)))
    _same(markdown._mention("A=1", "A", "d.md", 1, 1),
          TextMention(text="A=1", key="A", loc=Loc(path="d.md", line=1, column=1)))


def test_parsed_env_files_equal_the_slow_path(monkeypatch):
    text = "A=1\n\n  B=2\nexport C=3\nD='x'\n\ufeffE=5\n   \nF=6"
    fast, _ = env_loader._parse(text, ".env", None)
    monkeypatch.setattr(env_loader, "_FAST", False)
    slow, _ = env_loader._parse(text, ".env", None)
    assert fast == slow
    for a, b in zip(fast.vars, slow.vars):
        _same(a, b)

"""ENV001 past the engine's per-file cap: the rule stops building problems nobody reads, and
the findings (the first ones, the summary and its count) stay those of every problem built."""
from __future__ import annotations

import pytest

from auditor import engine
from auditor.config import Config
from auditor.rules import env as env_rules


def _graph(tmp_path, text: str, name: str = ".env"):
    (tmp_path / name).write_text(text)
    graph, _ = engine.load_graph(tmp_path, [""], Config())
    return graph


def _capped(graph):
    return engine.cap_per_file("ENV001", env_rules.duplicate_key.check(graph))


TEXTS = {
    "one key": "A=1\n" * 700,
    "keys in turn": "".join(f"K{i % 3}={i % 2}\n" for i in range(700)),
    "new keys past the cap": "".join(f"A=1\nB{i}=x\n" for i in range(400)) + "B5=y\nB399=z\nC=1\n",
    "just over": "A=1\n" * (engine.MAX_PER_RULE_AND_FILE + 2),
    "quoted and export": "".join(f'export A="{i}"\nA=2 # c\n' for i in range(300)),
}


@pytest.mark.parametrize("name", TEXTS)
def test_the_capped_findings_are_those_of_every_problem(tmp_path, monkeypatch, name):
    graph = _graph(tmp_path, TEXTS[name])
    fast = _capped(graph)
    monkeypatch.setattr(env_rules, "MAX_PER_RULE_AND_FILE", 10 ** 9)  # every problem built
    every = list(env_rules.duplicate_key.check(graph))
    assert len({id(p) for p in every}) == len(every)
    assert fast == engine.cap_per_file("ENV001", every)
    assert len(fast) == engine.MAX_PER_RULE_AND_FILE + 1
    assert "more ENV001 findings" in fast[-1].message


def test_a_template_past_the_cap_builds_each_problem(tmp_path):
    text = "{% if x %}\n" + "A=1\n" * 250 + "{% else %}\n" + "A=2\n" * 250 + "{% endif %}\n"
    graph = _graph(tmp_path, text, ".env.j2")
    problems = list(env_rules.duplicate_key.check(graph))
    assert len(problems) == 2 * 249 and len({id(p) for p in problems}) == len(problems)

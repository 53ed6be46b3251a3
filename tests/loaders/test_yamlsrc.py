import math
import time
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.loaders.source.yaml import (
    YList, YMap, cfn_tag, load_yaml, load_yaml_all, parse_documents, resolve_core, resolve_yaml11,
)
from auditor.reader import Limits

DOC = """\
x-base: &base
  image: base
  environment: &env
    A: 1
x-more: &more
  hostname: more
  image: more
services:
  web:
    <<: [*base, *more]
    ports:
      - 80:80
      - "443:443"
    environment:
      <<: *env
      B: on
"""


def test_values_and_locations():
    doc, problems = load_yaml(DOC, "c.yaml", schema="core")
    assert problems == []
    web = doc["services"]["web"]
    assert isinstance(doc, YMap) and isinstance(web["ports"], YList)
    assert str(doc["services"].key_loc("web")) == "c.yaml:9:3"
    assert str(web.key_loc("ports")) == "c.yaml:11:5"
    assert str(web["ports"].item_loc(1)) == "c.yaml:13:9"
    assert web["ports"].raw(0) == "80:80"
    assert doc.loc.line == 1 and web.loc.line == 10


def test_merge_keys_explicit_wins_then_earlier_sources():
    doc, _ = load_yaml(DOC, "c.yaml", schema="core")
    web = doc["services"]["web"]
    assert web["image"] == "base"  # *base listed before *more
    assert web["hostname"] == "more"
    assert web["environment"] == {"A": 1, "B": "on"}
    # a merged key points where it was written, in the anchored mapping
    assert web.value_loc("image").line == 2


def test_core_schema_reads_like_go_yaml():
    doc, _ = load_yaml("a: on\nb: 80:80\nc: 010\nd: 0x1F\ne: 1_000\nf: yes\ng: 1.0\nh: ~\ni: TRUE\n"
                       "j: 12345678901234567890\nk: .inf\nl: 09\nm: 0o17\nn: 0b101\n", "x", schema="core")
    assert doc == {"a": "on", "b": "80:80", "c": 8, "d": 31, "e": 1000, "f": "yes", "g": 1.0, "h": None,
                   "i": True, "j": 12345678901234567890, "k": math.inf, "l": 9.0, "m": 15, "n": 5}


def test_yaml11_schema_is_pyyaml_safe():
    doc, _ = load_yaml("a: on\nb: 1:20\nc: 010\nd: 2001-12-14\n", "x")
    assert doc == {"a": True, "b": 80, "c": 8, "d": "2001-12-14"}  # timestamps stay text


def test_quoted_and_tagged_scalars():
    doc, _ = load_yaml('a: "80"\nb: !!str 1\nc: !!int "3"\nd: !custom x\n', "x", schema="core")
    assert doc == {"a": "80", "b": "1", "c": 3, "d": "x"}
    assert doc.value_tag("d") == "!custom" and doc.value_tag("a") is None


def test_cloudformation_short_tags():
    text = "A: !Ref Bucket\nB: !GetAtt Role.Arn\nC: !Sub '${AWS::Region}'\nD: !Join [',', [a, b]]\n"
    doc, problems = load_yaml(text, "t.yaml", on_tag=cfn_tag)
    assert problems == []
    assert doc == {"A": {"Ref": "Bucket"}, "B": {"Fn::GetAtt": ["Role", "Arn"]},
                   "C": {"Fn::Sub": "${AWS::Region}"}, "D": {"Fn::Join": [",", ["a", "b"]]}}
    plain, problems = load_yaml(text, "t.yaml")  # without the hook: values kept, tags recorded
    assert problems == [] and plain["A"] == "Bucket" and plain.value_tag("A") == "!Ref"


def test_alias_bomb_stops_fast_with_bounded_memory():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    tracemalloc.start()
    start = time.perf_counter()
    doc, problems = load_yaml(text, "bomb.yaml")
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert doc is None
    assert [p.rule for p in problems] == ["AUD002"]
    assert elapsed < 1.0 and peak < 20_000_000


def test_node_limit():
    text = "[" + ", ".join(["1"] * 500) + "]"
    _, problems = load_yaml(text, "x", Limits(max_yaml_nodes=100))
    assert problems[0].rule == "AUD002"


def test_deep_nesting_is_a_problem_not_a_recursion_error():
    for text in ("[" * 20_000 + "]" * 20_000, "- " * 20_000 + "x\n",
                 "".join("  " * i + "k:\n" for i in range(20_000))):
        doc, problems = load_yaml(text, "deep.yaml")
        assert doc is None
        assert problems and problems[0].rule == "AUD002" and "nested" in problems[0].message


def test_nesting_limit_is_aud002_whichever_layer_stops_it():
    # Our builder stops at Limits.max_depth; PyYAML >= 6.0.3 bundles a libyaml that stops flow
    # nesting past 1000 levels in its scanner. Both are the same finding, and the message says
    # which layer stopped the file.
    _, ours = load_yaml("- " * 300 + "x\n", "deep.yaml")
    assert [p.rule for p in ours] == ["AUD002"] and "200 levels" in ours[0].message
    from auditor.loaders.source.yaml import _yaml_problem, mark_position
    import yaml
    try:
        raise yaml.scanner.ScannerError("while increasing flow level", None,
                                        "exceeded maximum nesting depth", None)
    except yaml.YAMLError as exc:
        theirs = _yaml_problem("deep.yaml", exc, mark_position("x"))
    assert theirs.rule == "AUD002" and "libyaml" in theirs.message and "levels" in theirs.message


def test_syntax_errors_carry_the_line():
    _, problems = load_yaml("a: 1\nb:\n\t- x\n", "tabs.yaml")
    assert [(p.rule, p.loc.line) for p in problems] == [("AUD001", 3)]
    _, problems = load_yaml("a: 1\nb: 'unclosed\nc: 2\n", "q.yaml")
    assert problems[0].rule == "AUD001" and "line 2" in problems[0].message
    _, problems = load_yaml("a: [1, 2\nb: 3\n", "f.yaml")
    assert problems[0].rule == "AUD001" and problems[0].loc.line == 2


def test_documents():
    text = "a: 1\n---\nb: 2\n"
    doc, problems = load_yaml(text, "m.yaml")
    assert doc == {"a": 1} and [(p.rule, p.loc.line) for p in problems] == [("AUD001", 2)]
    docs, problems = load_yaml_all(text, "m.yaml")
    assert docs == [{"a": 1}, {"b": 2}] and problems == []
    assert load_yaml("", "e.yaml") == (None, [])
    assert parse_documents("", "e.yaml") == ([], [])
    assert parse_documents("a: [", "e.yaml")[0] is None


def test_duplicate_keys_unknown_aliases_and_complex_keys():
    doc, problems = load_yaml("a: 1\na: 2\nb: *nope\n? [x]\n: y\n", "d.yaml")
    assert doc == {"a": 2, "b": None}
    assert [(p.rule, p.loc.line) for p in problems] == [("AUD001", 2), ("AUD001", 3), ("AUD001", 4)]
    assert "line 1" in problems[0].message


def test_recursive_alias_is_not_a_cycle():
    doc, problems = load_yaml("a: &x [*x]\n", "r.yaml")
    assert doc == {"a": [None]} and problems[0].rule == "AUD001"


def test_resolvers_never_raise_on_odd_numbers():
    for text in ("0x", "-", "+", ".", "1e", "0b2", "0o9", "_", "1__", "--1", "0x_", "9" * 400):
        resolve_core(text)
        resolve_yaml11(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises(text):
    value, problems = load_yaml(text, "fuzz.yaml")
    assert all(p.rule in ("AUD001", "AUD002") for p in problems)
    load_yaml(text, "fuzz.yaml", schema="core", on_tag=cfn_tag)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=4),
                    max_leaves=20))
def test_agrees_with_pyyaml_on_dumped_data(data):
    import yaml

    text = yaml.safe_dump(data)
    value, problems = load_yaml(text, "x.yaml")
    assert problems == []
    assert value == yaml.safe_load(text)

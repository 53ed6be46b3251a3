import io

import pytest
from dotenv.parser import parse_stream
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.loaders.env import EXPANSION_BUDGET, load_env, parse_env
from auditor.model import EnvFile
from auditor.reader import Reader


def one(text: str, **kw):
    f, problems = parse_env(text, ".env", **kw)
    assert problems == []
    assert len(f.vars) == 1, f.vars
    return f.vars[0]


def values(text: str, **kw) -> dict[str, str]:
    f, problems = parse_env(text, ".env", **kw)
    assert problems == []
    return {v.key: v.value for v in f.vars}


# ---------------------------------------------------------------- lines


def test_python_dotenv_counts_leading_blank_lines_into_the_binding():
    """The raw behaviour the loader corrects; if python-dotenv changes, this tells us."""
    text = "# head\n\nA=1\n\n\n# mid\nB=2\n  \n  C=3\n"
    got = [(b.key, b.original.line, b.original.string) for b in parse_stream(io.StringIO(text))]
    assert got == [
        (None, 1, "# head\n"),
        ("A", 2, "\nA=1\n"),  # A is on line 3: its binding starts at the blank line before it
        (None, 4, "\n\n# mid\n"),  # blank lines before a comment go to the comment
        ("B", 7, "B=2\n"),
        ("C", 8, "  \n  C=3\n"),  # C is on line 9
    ]
    # the bindings tile the text, which the loader relies on to get offsets
    assert "".join(b.original.string for b in parse_stream(io.StringIO(text))) == text


def test_lines_and_columns_are_those_of_the_key():
    text = "# head\n\nA=1\n\n\n# mid\nB=2\n  \n  C=3\nexport   D = 4\n"
    f, problems = parse_env(text, ".env")
    assert problems == []
    assert [(v.key, v.loc.line, v.loc.column) for v in f.vars] == [
        ("A", 3, 1), ("B", 7, 1), ("C", 9, 3), ("D", 10, 10),
    ]
    d = f.vars[-1]
    assert (d.value_loc.line, d.value_loc.column) == (10, 14)


def test_multiline_double_quoted_value_keeps_the_key_line():
    text = 'A="one\ntwo\nthree"\n\nB=2\n'
    f, _ = parse_env(text, ".env")
    assert [(v.key, v.loc.line) for v in f.vars] == [("A", 1), ("B", 5)]
    assert f.vars[0].value == "one\ntwo\nthree"


def test_crlf_lines():
    f, problems = parse_env("A=1\r\n\r\nB=two words \r\n", ".env")
    assert problems == []
    assert [(v.key, v.value, v.loc.line) for v in f.vars] == [("A", "1", 1), ("B", "two words", 3)]


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("text, value, raw, quote", [
    ("A=plain", "plain", "plain", ""),
    ("A=  spaced out  ", "spaced out", "spaced out", ""),
    ("A=value # comment", "value", "value", ""),
    ("A=a#b", "a#b", "a#b", ""),  # only ` #` starts a comment
    ("A=a\t#b", "a\t#b", "a\t#b", ""),  # a tab before `#` does not either (compose-go)
    ("A= #notcomment", "#notcomment", "#notcomment", ""),  # leading blanks go first
    ("A=", "", "", ""),
    ('A=a"b"', 'a"b"', 'a"b"', ""),
    ("A=it's", "it's", "it's", ""),
    ("A=\\n", "\\n", "\\n", ""),  # no escapes without quotes
    ('A="x" # c', "x", '"x"', '"'),
    ('A="tab\\tnl\\nbs\\\\q\\"cr\\r"', 'tab\tnl\nbs\\q"cr\r', None, '"'),
    ('A="\\a\\b\\f\\v"', "\a\b\f\v", None, '"'),
    ('A="\\0101"', "A", None, '"'),  # \0ooo octal
    ('A="\\0 \\012 \\0777"', "\\ \\12 \\777", None, '"'),  # failed octal: compose drops the 0
    ('A="\\101 \\x41 \\u00e9 \\q \\\'"', "\\101 \\x41 \\u00e9 \\q \\'", None, '"'),  # kept as written
    ('A="a\\\\"', "a\\", None, '"'),
    ("A='lit \\n $HOME ${X:-y}'", "lit \\n $HOME ${X:-y}", None, "'"),
    ("A='it\\'s'", "it's", "'it\\'s'", "'"),
    ("A='a\\\\b'", "a\\\\b", None, "'"),  # single quotes keep backslashes
    ('A=""', "", '""', '"'),
    ("A: yaml style", "yaml style", "yaml style", ""),
    ("export A=1", "1", "1", ""),
    ("A = 1", "1", "1", ""),
    ("A==x", "=x", "=x", ""),
])
def test_values_as_compose_reads_them(text, value, raw, quote):
    v = one(text + "\n")
    assert (v.value, v.quote) == (value, quote)
    if raw is not None:
        assert v.raw == raw


def test_expansion_uses_earlier_variables_and_defaults():
    got = values(
        "HOST=db\nPORT=5432\n"
        "URL=postgres://${HOST}:$PORT/${NAME:-app}\n"
        'Q="${HOST}-${MISSING-dflt}-${HOST:+set}-${MISSING:+set}"\n'
        "S='${HOST}'\n"
        "LATER=${AFTER}\nAFTER=x\n"
        "D=$$HOST\n"
        'E="\\$HOST $$HOST"\n'
        "F=\\$HOST\n"
        "G=cost $ and $1\n"
    )
    assert got["URL"] == "postgres://db:5432/app"
    assert got["Q"] == "db-dflt-set-"
    assert got["S"] == "${HOST}"
    assert got["LATER"] == ""  # defined later: not seen
    assert got["D"] == "$HOST"
    assert got["E"] == "$HOST $HOST"
    assert got["F"] == "\\db"  # unquoted: the backslash is literal, $HOST expands
    assert got["G"] == "cost $ and $1"


def test_outer_environment_wins_in_expansion():
    got = values("A=file\nB=${A}\nC=${OUTER}\n", env={"A": "shell", "OUTER": "o"})
    assert got == {"A": "file", "B": "shell", "C": "o"}


def test_redefinition_keeps_both_and_expands_with_the_latest():
    f, _ = parse_env("A=1\nA=2\nB=$A\n", ".env")
    assert [(v.key, v.value) for v in f.vars] == [("A", "1"), ("A", "2"), ("B", "2")]


def test_rest_of_line_after_a_closing_quote_is_a_new_statement():
    # compose-go reads on after the quote; python-dotenv calls the line an error
    f, problems = parse_env('A="x" B=2\nC="y"garbage\nD=4\n', ".env")
    assert problems == []
    assert [(v.key, v.value, v.loc.line, v.loc.column) for v in f.vars] == [
        ("A", "x", 1, 1), ("B", "2", 1, 7), ("C", "y", 2, 1), ("D", "4", 3, 1),
    ]


def test_bare_key_defines_nothing():
    f, problems = parse_env("BARE\nexport ALSO\nA=1\nLAST", ".env")
    assert problems == []
    assert [v.key for v in f.vars] == ["A"]


def test_unusual_but_accepted_names():
    assert values("A-B=1\nA.B=2\n1A=3\nA[0]=4\n\u00c9T\u00c9=5\n") == {
        "A-B": "1", "A.B": "2", "1A": "3", "A[0]": "4", "\u00c9T\u00c9": "5",
    }


def test_export_with_nothing_after_it():
    assert parse_env("export \nA=1\n", ".env")[1] == []  # the next line is not joined
    f, problems = parse_env("A=1\nexport ", ".env")  # compose refuses the file
    assert [v.key for v in f.vars] == ["A"]
    assert [(p.rule, p.loc.line) for p in problems] == [("AUD001", 2)]


# ---------------------------------------------------------------- problems


@pytest.mark.parametrize("line, fragment", [
    ('PASSWORD="s3cr3t-value', "unclosed quote"),
    ("'PASSWORD'=s3cr3t-value", "unexpected character"),
    ("MY PASSWORD=s3cr3t-value", "contains a space"),
    ("=s3cr3t-value", "no variable name"),
    ("just s3cr3t-value words", "contains a space"),
    ("PASSWORD=${s3cr3t-value", "interpolated"),
    ("PASSWORD=${X:?s3cr3t-value}", "interpolated"),
])
def test_bad_lines_are_reported_without_their_content(line, fragment):
    f, problems = parse_env(f"OK=1\n\n{line}\nAFTER=2\n", ".env")
    assert [p.rule for p in problems] == ["AUD001"]
    assert (problems[0].loc.line, problems[0].loc.column) == (3, 1)
    assert fragment in problems[0].message
    assert "s3cr3t" not in problems[0].message
    assert [v.key for v in f.vars] == ["OK", "AFTER"]  # the rest of the file still loads


def test_unclosed_quote_at_end_of_file():
    f, problems = parse_env("A=1\nB='open\n", ".env")
    assert [v.key for v in f.vars] == ["A"]
    assert [(p.rule, p.loc.line) for p in problems] == [("AUD001", 2)]


def test_expansion_bomb_is_cut_off():
    text = "A=" + "x" * 1000 + "\n" + "".join(f"V{i}=${{V{i - 1}}}${{V{i - 1}}}\n" for i in range(1, 40))
    text = text.replace("${V0}", "${A}")
    f, problems = parse_env(text + "LAST=ok\n", ".env")
    assert [p.rule for p in problems] == ["AUD001"]  # later lines see the cut one as unset
    assert "expan" in problems[0].message
    assert f.vars[-1].key == "LAST"
    assert sum(len(v.value) for v in f.vars) < 2 * EXPANSION_BUDGET


def test_byte_order_mark_in_text():
    f, problems = parse_env("\ufeffA=1\nB='x\nC=3\n", ".env")
    assert [(v.key, v.loc.line, v.loc.column) for v in f.vars] == [("A", 1, 2), ("C", 3, 1)]
    assert [p.loc.line for p in problems] == [2]


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("path, template", [
    (".env", False), (".env.local", False), ("prod.env", False), ("deploy/.env", False),
    (".env.example", True), (".env.sample", True), (".env.template", True), (".env.dist", True),
    ("app.env.example", True), ("deploy/.env.production.example", True), (".ENV.EXAMPLE", True),
])
def test_template_detection(path, template):
    assert parse_env("A=1\n", path)[0].template is template


def test_load_env_reads_through_the_reader(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".env.example").write_bytes(b"\xef\xbb\xbfA=1\r\nB=\"x\"\r\n")
    f, problems = load_env(Reader(tmp_path), "sub/.env.example")
    assert problems == []
    assert f.path == "sub/.env.example" and f.template
    assert [(v.key, v.value, v.loc.path, v.loc.line) for v in f.vars] == [
        ("A", "1", "sub/.env.example", 1), ("B", "x", "sub/.env.example", 2),
    ]


def test_load_env_unreadable_file(tmp_path):
    (tmp_path / ".env").write_bytes(b"\x00\x01binary")
    f, problems = load_env(Reader(tmp_path), ".env")
    assert f == EnvFile(path=".env")
    assert [p.rule for p in problems] == ["AUD002"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("AB_=:\"'\\$#{}-:?+ \t\n\rx0é|export")), max_size=80)
       | st.text(max_size=80))
def test_never_raises(text):
    f, problems = parse_env(text, ".env")
    assert isinstance(f, EnvFile)
    for v in f.vars:
        assert v.loc.line >= 1 and v.value_loc.line >= v.loc.line
    for p in problems:
        assert p.rule == "AUD001" and p.loc.line >= 1

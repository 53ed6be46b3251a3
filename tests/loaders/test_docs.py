from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.loaders.docs.markdown import cell_text, heading_text, load_doc, parse_doc, split_row, urls
from auditor.model import DocFile
from auditor.reader import Reader

DOCS = Path(__file__).resolve().parents[2] / "fixtures" / "docs"


def doc(text: str) -> DocFile:
    d, problems = parse_doc(text, "docs/a.md")
    assert problems == []
    return d


# ---------------------------------------------------------------- the seed documents


@pytest.fixture(scope="module")
def lecoffre() -> DocFile:
    d, problems = load_doc(Reader(DOCS), "seed_lecoffre.md")
    assert problems == []
    return d


@pytest.fixture(scope="module")
def harena() -> DocFile:
    d, problems = load_doc(Reader(DOCS), "seed_harena.md")
    assert problems == []
    return d


def table(d: DocFile, heading: str):
    found = [t for t in d.tables if t.heading == heading]
    assert len(found) == 1, [t.heading for t in d.tables]
    return found[0]


def test_lecoffre_services_table(lecoffre):
    t = table(lecoffre, "Services Locaux (Docker Compose)")
    assert t.headers == ("Service", "Container", "Port Local", "Port Interne", "Protocole", "URL d'accès")
    assert t.loc.line == 58
    assert t.section == (
        "Architecture des Flux et Services - LeCoffre Node",
        "Tableau des Services - IP/Domaines et Ports",
        "Services Locaux (Docker Compose)",
    )
    rows = {r.cells[0]: r for r in t.rows}
    assert list(rows) == ["tor", "bitcoin", "blindbit", "sdk_relay", "lecoffre-front", "ihm_client",
                          "sdk_storage", "grafana", "loki", "promtail"]
    blindbit = rows["blindbit"]
    assert blindbit.cells == ("blindbit", "blindbit-oracle", "0.0.0.0:8000", "8000", "HTTP",
                              "http://0.0.0.0:8000")
    assert (blindbit.loc.path, blindbit.loc.line) == ("seed_lecoffre.md", 70)
    assert rows["bitcoin"].cells[3] == "38332 (RPC)\n38333 (P2P)\n29000 (ZMQ hash)\n29001 (ZMQ rawtx)"
    assert rows["sdk_relay"].cells[2] == "0.0.0.0:8090\n0.0.0.0:8091"


def test_lecoffre_all_tables_found(lecoffre):
    assert len(lecoffre.tables) == 16
    # a table goes on across the lone-`|` lines, even a run of four of them
    logs = table(lecoffre, "Centralisation des Logs")
    assert [r.cells[0] for r in logs.rows] == ["bitcoin", "blindbit", "sdk_relay", "sdk_storage",
                                               "lecoffre-front", "ihm_client", "miner", "tor"]
    # `||` at the end of a row: an empty last cell
    variables = table(lecoffre, "Variables d'Environnement Clés (Centralisées - 2024-09-21)")
    relay = next(r for r in variables.rows if r.cells[0] == "RELAY_URLS")
    assert relay.cells == ("RELAY_URLS", "wss://dev4.4nkweb.com/ws/,wss://dev3.4nkweb.com/ws/", "")
    scripts = table(lecoffre, "Scripts de Gestion (Nouveau)")
    assert scripts.rows[0].cells == ("start.sh", "Démarrage séquentiel avec progression", "./scripts/start.sh")


def test_lecoffre_start_order(lecoffre):
    lists = [l for l in lecoffre.lists if "Ordre de Démarrage des Services" in l.section]
    assert [l.heading for l in lists] == ["Services Principaux", "Services de Monitoring"]
    order = {i.text.split(" - ")[0]: i.number for l in lists for i in l.items}
    assert order == {"tor": 1, "bitcoin": 2, "blindbit": 3, "sdk_storage": 4, "sdk_relay": 5,
                     "ihm_client": 7, "lecoffre-front": 9, "loki": 10, "promtail": 11, "grafana": 12}
    first = lists[0].items[0]
    assert (first.text, first.loc.line, first.loc.column) == ("tor - Proxy anonyme", 503, 1)
    assert lists[1].items[-1].loc.line == 535


def test_lecoffre_numbering_gaps_stay_in_one_list(lecoffre):
    flux = next(l for l in lecoffre.lists if l.heading == "Flux Principal")
    assert [i.number for i in flux.items] == [1, 3, 4, 5, 6]
    assert flux.items[0].text == "Frontend : https://dev4.4nkweb.com/lecoffre → lecoffre-front (127.0.0.2:3004)"


def test_lecoffre_mentions(lecoffre):
    found = {(m.loc.line, m.loc.column, m.text) for m in lecoffre.mentions}
    assert (70, 65, "http://0.0.0.0:8000") in found
    assert (73, 106, "ws://0.0.0.0:8090") in found  # before a `<br>`
    assert (73, 127, "http://0.0.0.0:8091") in found
    assert (237, 20, "wss://dev4.4nkweb.com/ws/") in found  # a comma-separated pair: two URLs
    assert (237, 46, "wss://dev3.4nkweb.com/ws/") in found
    assert (587, 24, "http://localhost:3005") in found  # inside backticks
    assert all(m.key is None for m in lecoffre.mentions)  # no KEY=value line in its code blocks
    assert not any(m.text.endswith(("`", ")", ",", ".", '"')) for m in lecoffre.mentions)


def test_harena_tables_and_lists(harena):
    services = table(harena, "Services déployés")
    assert services.loc.line == 204
    assert services.rows[0].cells == ("Nginx", "80", "harena_nginx", "✓")
    assert [r.loc.line for r in services.rows] == list(range(206, 216))
    keys = table(harena, "Informations clés")
    assert keys.rows[-1].cells[:2] == ("Redis", "63.35.52.216:6379")
    toc = next(l for l in harena.lists if l.heading == "Table des matières")
    assert [(i.number, i.text) for i in toc.items][:2] == [(1, "Vue d'ensemble"), (2, "Accès à l'infrastructure")]
    # code blocks between the numbered steps do not end the list
    prereq = next(l for l in harena.lists if l.heading == "Prérequis")
    assert [(i.number, i.loc.line) for i in prereq.items] == [(1, 130), (2, 136), (3, 141)]
    assert prereq.items[1].text == "Clé SSH : ~/.ssh/harena-deploy-key.pem"


def test_harena_assignments_in_code(harena):
    db = [m for m in harena.mentions if m.key == "DATABASE_URL"]
    assert len(db) == 1
    assert (db[0].loc.line, db[0].loc.column) == (225, 1)
    assert db[0].text.startswith("DATABASE_URL=postgresql://harena_admin:")
    assert db[0].text.endswith("@63.35.52.216:5432/harena")
    url = [m for m in harena.mentions if m.loc.line == 225 and m.key is None]
    assert [(u.loc.column, u.text.split("@")[-1]) for u in url] == [(14, "63.35.52.216:5432/harena")]
    keys = [m.key for m in harena.mentions if m.key]
    assert keys[:3] == ["DATABASE_URL", "REDIS_URL", "BRIDGE_CLIENT_ID"]
    assert "COMMAND_ID" not in keys  # `X=$(command)` is a script step, not configuration
    assert (489, 6) in {(m.loc.line, m.loc.column) for m in harena.mentions
                        if m.text.startswith("postgresql://")}


# ---------------------------------------------------------------- tables


def test_table_basics():
    d = doc(
        "# Top\n\nIntro\n\n## Ports\n\n"
        "| Name | Port | Note |\n"
        "|:-----|:----:|-----:|\n"
        "| **web** | `8080` | a \\| b |\n"
        "| db | 5432<br>5433<br/>5434 |\n"
        "| x | 1 | 2 | extra |\n"
        "\nafter\n"
    )
    (t,) = d.tables
    assert (t.heading, t.section, t.headers, t.loc.line) == ("Ports", ("Top", "Ports"), ("Name", "Port", "Note"), 7)
    assert [r.cells for r in t.rows] == [
        ("web", "8080", "a | b"), ("db", "5432\n5433\n5434", ""), ("x", "1", "2"),
    ]
    assert [r.loc.line for r in t.rows] == [9, 10, 11]


def test_table_without_outer_pipes_and_blank_line_ends_it():
    d = doc("a | b\n--|--\n1 | 2\n\n3 | 4\n")
    (t,) = d.tables
    assert t.headers == ("a", "b")
    assert [r.cells for r in t.rows] == [("1", "2")]


def test_not_tables():
    d = doc(
        "```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n"  # in code
        "~~~~\n| a |\n|---|\n~~~~\n"
        "| a | b |\n|---|\n"  # delimiter of another width
        "just | a pipe\n"
    )
    assert d.tables == ()


def test_two_tables_back_to_back():
    d = doc("| a |\n|---|\n| 1 |\n| b | c |\n|---|---|\n| 2 | 3 |\n")
    assert [(t.headers, [r.cells for r in t.rows]) for t in d.tables] == [
        (("a",), [("1",)]), (("b", "c"), [("2", "3")]),
    ]


def test_row_and_cell_helpers():
    assert split_row("| a | b\\|c | `d` |") == [" a ", " b|c ", " `d` "]
    assert split_row("a|b|") == ["a", "b"]
    assert cell_text("**`start.sh`**") == "start.sh"
    assert cell_text("*it* and _it_ and __b__ and ~~s~~ and snake_case_name") == "it and it and b and s and snake_case_name"
    assert cell_text("[site](https://x.org) ![logo](l.png) \\*lit\\*") == "site logo *lit*"
    assert cell_text("`**kept**`") == "**kept**"


def test_heading_text():
    assert heading_text("🚀 **Scripts de Gestion (Nouveau)**") == "Scripts de Gestion (Nouveau)"
    assert heading_text("⚠️ **Points d'Attention**") == "Points d'Attention"
    assert heading_text("👍🏽 `code` → next") == "code → next"


def test_headings_setext_and_closing_hashes():
    d = doc("Title\n=====\n\nSub ##\n---\n\n## Real ##\n\n1. x\n")
    assert d.lists[0].section == ("Title", "Real")
    d = doc("Para\n\n---\n\n1. x\n")  # a rule after a blank line is no heading
    assert d.lists[0].section == ()


# ---------------------------------------------------------------- lists


def test_numbered_lists():
    d = doc(
        "## Steps\n\n"
        "1. **one** - first\n"
        "   more of one\n"
        "2) two\n\n"
        "```bash\ncmd\n```\n\n"
        "7. seven\n"
        "   - nested bullet\n"
        "   1. nested one\n"
        "   2. nested two\n"
        "8. eight\n\n"
        "Paragraph ends it.\n\n"
        "1. new list\n"
        "- bullet ends it\n"
        "3. another\n"
    )
    lists = [[(i.number, i.text) for i in l.items] for l in d.lists]
    assert lists == [
        [(1, "nested one"), (2, "nested two")],
        [(1, "one - first more of one"), (2, "two"), (7, "seven"), (8, "eight")],
        [(1, "new list")],
        [(3, "another")],
    ]
    assert all(l.heading == "Steps" for l in d.lists)
    assert d.lists[1].loc.line == 3


def test_lone_pipe_lines_are_blank_lines():
    d = doc("## H\n|\n|\n1. a\n|\n|\n3. b\n|\n|\n|\n|\ntext\n|\n2. c\n")
    assert [[i.number for i in l.items] for l in d.lists] == [[1, 3], [2]]


# ---------------------------------------------------------------- mentions


@pytest.mark.parametrize("line, expected", [
    ("see https://a.org/x.", [(4, "https://a.org/x")]),
    ("(https://a.org/x), and `wss://b:9/ws/`", [(1, "https://a.org/x"), (24, "wss://b:9/ws/")]),
    ('"postgres://u:p@h:5432/db",', [(1, "postgres://u:p@h:5432/db")]),
    ("https://en.wikipedia.org/wiki/Foo_(bar)", [(0, "https://en.wikipedia.org/wiki/Foo_(bar)")]),
    ("[t](http://x.io/a) <https://y.io>", [(4, "http://x.io/a"), (20, "https://y.io")]),
    ("mongodb+srv://c.x/db redis://:pw@r:6379/0 rediss://r amqp://q", [
        (0, "mongodb+srv://c.x/db"), (21, "redis://:pw@r:6379/0"), (42, "rediss://r"), (53, "amqp://q")]),
    ("jdbc:postgresql://h/db", [(5, "postgresql://h/db")]),
    ("http://[::1]:8080/x!", [(0, "http://[::1]:8080/x")]),
    ("a://b x:// http://", []),
    ("**https://bold.io**", [(2, "https://bold.io")]),
])
def test_urls(line, expected):
    assert urls(line) == expected


def test_mentions_everywhere_and_assignments_only_in_code():
    d = doc(
        "Prose https://a.io and API_URL=http://not-an-assignment\n"
        "| col |\n|---|\n| ws://t:1 |\n"
        "```env\n"
        "API_URL=http://api:8080 # comment\n"
        "  export TOKEN='x y'\n"
        "- COMPOSE_VAR=1\n"
        "OUT=$(date)\n"
        "not an assignment\n"
        "```\n"
    )
    got = [(m.loc.line, m.loc.column, m.key, m.text) for m in d.mentions]
    assert got == [
        (1, 7, None, "https://a.io"),
        (1, 32, None, "http://not-an-assignment"),
        (4, 3, None, "ws://t:1"),
        (6, 1, "API_URL", "API_URL=http://api:8080"),
        (6, 9, None, "http://api:8080"),
        (7, 10, "TOKEN", "TOKEN='x y'"),
        (8, 3, "COMPOSE_VAR", "COMPOSE_VAR=1"),
    ]


def test_unclosed_fence_runs_to_the_end():
    d = doc("```\nA=1\n| a |\n|---|\n")
    assert d.tables == () and [m.key for m in d.mentions] == ["A"]


def test_load_doc_reads_through_the_reader(tmp_path):
    (tmp_path / "a.md").write_bytes(b"\xef\xbb\xbf# T\r\n\r\n| a |\r\n|---|\r\n| 1 |\r\n")
    d, problems = load_doc(Reader(tmp_path), "a.md")
    assert problems == []
    assert d.tables[0].rows[0].loc == d.tables[0].rows[0].loc.model_copy(update={"line": 5})
    (tmp_path / "b.md").write_bytes(b"\x00\x00")
    d, problems = load_doc(Reader(tmp_path), "b.md")
    assert d == DocFile(path="b.md") and [p.rule for p in problems] == ["AUD002"]


_MD = st.sampled_from(["|", " | ", "---", ":--", "\n", "\n", "# ", "1. ", "10) ", "- ", "```",
                       "~~~", "**", "`", "_", "<br>", "\\|", "http://", "a", "KEY=", " ", "\t", "é"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_MD, max_size=60).map("".join) | st.text(max_size=200))
def test_never_raises(text):
    d, problems = parse_doc(text, "x.md")
    assert problems == []
    for t in d.tables:
        assert all(len(r.cells) == len(t.headers) for r in t.rows)
    for l in d.lists:
        assert l.items
    for m in d.mentions:
        assert m.loc.line >= 1 and m.loc.column >= 1


# ---------------------------------------------------------------- fast paths

_MARKDOWNISH = st.text(alphabet="ab1 _*~`\\|<>[]()!:/.-\t\ue000é😀", max_size=40)


@given(_MARKDOWNISH)
@settings(max_examples=400, deadline=None)
def test_inline_text_skips_only_what_no_rewrite_touches(text):
    from auditor.loaders.docs.markdown import _rewritten, inline_text

    assert inline_text(text) == _rewritten(text)


@given(_MARKDOWNISH)
@settings(max_examples=400, deadline=None)
def test_split_row_splits_plain_rows_like_escaped_ones(line):
    from auditor.loaders.docs.markdown import _split_escaped

    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    assert split_row(line) == _split_escaped(body)

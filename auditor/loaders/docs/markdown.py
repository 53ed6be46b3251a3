"""Markdown architecture docs: pipe tables, numbered lists, URLs and `KEY=value` lines.

Docs are read for the claims they make about a stack (ports, URLs, start order), so the reader
is lenient where markdown renderers are strict:
- copies where every line break became lines holding a lone `|` (pasted from some viewers):
  such lines are skipped inside tables (a header may even be parted from its delimiter row by
  them) and count as blank lines elsewhere;
- a numbered list goes on across blank lines, code blocks and gaps in its numbering; a heading,
  a rule, a table or an unindented paragraph ends it.
Tables inside fenced code blocks are code; URLs are found everywhere, assignments only in code.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from ...model import DocFile, DocList, DocListItem, DocRow, DocTable, LoadProblem, Loc, TextMention
from ...reader import Reader
from ..source.fast import LOC_FAST, new_loc

_FENCE = re.compile(r"\s*(`{3,}|~{3,})(.*)$")
# Code blocks tagged with a programming language hold code, not config: `key="Author"` in a
# python block is an argument, not an assignment a stack reads.
PROGRAM_LANGUAGES = frozenset({
    "python", "py", "python3", "pycon", "js", "javascript", "jsx", "mjs", "ts", "typescript",
    "tsx", "php", "go", "golang", "java", "kotlin", "kt", "ruby", "rb", "rust", "rs", "c", "h",
    "cpp", "c++", "cs", "csharp", "swift", "scala", "perl", "pl", "lua", "r", "elixir", "ex",
    "exs", "erlang", "clojure", "haskell", "hs", "dart", "groovy", "sql", "html", "xml", "css",
    "scss", "vue", "svelte", "objc", "objective-c", "julia", "ocaml", "fsharp", "vb", "matlab",
})
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ORDERED = re.compile(r"([ \t]*)(\d{1,9})([.)])(?:[ \t]+(.*)|[ \t]*$)")
_BULLET = re.compile(r"([ \t]*)[-*+](?:[ \t]+|$)")
_DELIMITER_CELL = re.compile(r"[ \t]*:?-+:?[ \t]*$")
_BR = re.compile(r"<br\s*/?>", re.I)

_SCHEME = re.compile(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]+://")
# A URL ends at a blank, a quote, a bracket of markup, a table pipe, or a `,`/`;` before the
# next URL (lists like `wss://a/ws/,wss://b/ws/` are two URLs).
_URL_BODY = re.compile(r"(?:(?![,;][A-Za-z][A-Za-z0-9+.\-]*://)[^\s<>\"'`|])+")
_TRAILING = ".,;:!?*'\"\\"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_ASSIGNMENT = re.compile(r"[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def load_doc(reader: Reader, path: str) -> tuple[DocFile, list[LoadProblem]]:
    text, problem = reader.read(path)
    if text is None:
        return DocFile(path=path), [problem] if problem else []
    return parse_doc(text, path)


def parse_doc(text: str, path: str) -> tuple[DocFile, list[LoadProblem]]:
    """Tables, numbered lists and mentions of a markdown text (markdown has no parse errors)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = _Blocks(path, lines)
    blocks.run()
    return DocFile(path=path, tables=tuple(blocks.tables), lists=tuple(blocks.lists),
                   mentions=tuple(_mentions(path, lines, blocks.code_lines))), []


# ---------------------------------------------------------------- blocks


@dataclass
class _OpenList:
    indent: int  # column of the number
    content: int  # column where the item text starts: deeper lines belong to the item
    heading: str
    section: tuple[str, ...]
    items: list[DocListItem] = field(default_factory=list)
    texts: list[list[str]] = field(default_factory=list)


class _Blocks:
    """One pass over the lines, tracking headings, the open table and the open numbered lists."""

    def __init__(self, path: str, lines: list[str]):
        self.path = path
        self.lines = lines
        self.headings: list[tuple[int, str]] = []
        self.tables: list[DocTable] = []
        self.lists: list[DocList] = []
        self.code_lines: list[int] = []  # 0-based indexes of lines inside fenced config code
        self.open_lists: list[_OpenList] = []
        self.table: Optional[dict] = None
        # What the previous line was, for the two constructs that depend on it:
        self.paragraph: Optional[int] = None  # a plain paragraph line (a setext title?)
        self.item_text = False  # a numbered item's text (the next text line continues it)

    def loc(self, i: int) -> Loc:
        line = self.lines[i]
        return Loc(path=self.path, line=i + 1, column=len(line) - len(line.lstrip()) + 1)

    def run(self) -> None:
        i, n = 0, len(self.lines)
        while i < n:
            i = self.step(i)
        self.close_table()
        self.close_lists(-1)

    def step(self, i: int) -> int:
        line = self.lines[i]
        stripped = line.strip()
        prev_paragraph, prev_item_text = self.paragraph, self.item_text
        self.paragraph, self.item_text = None, False
        if stripped == "|":
            return i + 1
        if not stripped:
            self.close_table()
            return i + 1
        first = stripped[0]  # each construct below starts with its own characters
        fence = _FENCE.match(line) if first in "`~" else None
        if fence and not (fence[1][0] == "`" and "`" in fence[2]):
            self.close_table()
            return self.skip_code(i, fence[1], fence[2])
        heading = _ATX.match(line) if first == "#" else None
        if heading:
            self.add_heading(len(heading[1]), heading[2] or "")
            return i + 1
        if prev_paragraph is not None and first in "=-" and _SETEXT.match(line):
            self.add_heading(1 if "=" in line else 2, self.lines[prev_paragraph])
            return i + 1
        if first in "-*_" and _RULE.match(line):
            self.close_table()
            self.close_lists(-1)
            return i + 1
        if "|" in line:
            delimiter = self.delimiter_after(i)
            if delimiter is not None:
                self.close_table()
                self.close_lists(_indent(line))
                self.open_table(i)
                return delimiter + 1
            if self.table is not None:
                self.table["rows"].append(DocRow(cells=self.cells(line), loc=self.loc(i)))
                return i + 1
        self.close_table()
        self.text_line(i, prev_item_text)
        return i + 1

    # -- code ------------------------------------------------------------

    def skip_code(self, i: int, opener: str, info: str = "") -> int:
        closing = re.compile(r"\s*" + re.escape(opener[0]) + "{" + str(len(opener)) + r",}\s*$")
        words = info.strip().strip("{}.").lower().split()
        program = bool(words) and words[0] in PROGRAM_LANGUAGES
        j = i + 1
        while j < len(self.lines) and not closing.match(self.lines[j]):
            if not program:
                self.code_lines.append(j)
            j += 1
        return j + 1

    # -- headings --------------------------------------------------------

    def add_heading(self, level: int, raw: str) -> None:
        self.close_table()
        self.close_lists(-1)
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, heading_text(raw)))

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.headings)

    # -- tables ----------------------------------------------------------

    def delimiter_after(self, i: int) -> Optional[int]:
        """Index of the delimiter row making line i a table header, if there is one."""
        j = i + 1
        while j < len(self.lines) and self.lines[j].strip() == "|":
            j += 1
        if j >= len(self.lines) or "|" not in self.lines[j] or "-" not in self.lines[j]:
            return None
        cells = split_row(self.lines[j])
        if len(cells) != len(split_row(self.lines[i])):
            return None
        return j if all(_DELIMITER_CELL.match(c) for c in cells) else None

    def open_table(self, i: int) -> None:
        self.table = {"header": i, "headers": self.cells(self.lines[i]), "rows": []}

    def cells(self, line: str) -> tuple[str, ...]:
        cells = [cell_text(c) for c in split_row(line)]
        if self.table is not None:  # rows take the header's width, as GFM renders them
            width = len(self.table["headers"])
            cells = (cells + [""] * width)[:width]
        return tuple(cells)

    def close_table(self) -> None:
        t, self.table = self.table, None
        if t is None:
            return
        heading = self.headings[-1][1] if self.headings else ""
        self.tables.append(DocTable(path=self.path, heading=heading, section=self.section,
                                    headers=t["headers"], rows=tuple(t["rows"]),
                                    loc=self.loc(t["header"])))

    # -- lists and paragraphs --------------------------------------------

    def text_line(self, i: int, prev_item_text: bool) -> None:
        line = self.lines[i]
        indent = _indent(line)
        item = _ORDERED.match(line)
        if item:
            self.add_item(i, item)
            self.item_text = True
        elif _BULLET.match(line):
            self.close_lists(indent)  # a bullet beside a numbered item ends that list
        elif prev_item_text and self.open_lists:
            self.open_lists[-1].texts[-1].append(line.strip())  # the item's text goes on
            self.item_text = True
        else:
            self.close_lists(indent)  # deeper lines are more of an item; others end lists
            if not self.open_lists:
                self.paragraph = i

    def add_item(self, i: int, m: re.Match) -> None:
        indent = _indent(m[1])
        while self.open_lists and indent < self.open_lists[-1].indent:
            self.finish(self.open_lists.pop())
        if not self.open_lists or indent >= self.open_lists[-1].content:
            marker_end = len(m.string[: m.end(3)].expandtabs(4))
            content = len(m.string[: m.start(4)].expandtabs(4)) if m[4] else marker_end + 1
            heading = self.headings[-1][1] if self.headings else ""
            self.open_lists.append(_OpenList(indent=indent, content=content, heading=heading,
                                             section=self.section))
        current = self.open_lists[-1]
        current.items.append(DocListItem(number=int(m[2]), text="", loc=Loc(
            path=self.path, line=i + 1, column=len(m[1]) + 1)))
        current.texts.append([m[4] or ""])

    def close_lists(self, indent: int) -> None:
        """Ends the lists whose items cannot hold a line starting at `indent` (-1: all)."""
        while self.open_lists and (indent < 0 or indent < self.open_lists[-1].content):
            self.finish(self.open_lists.pop())

    def finish(self, open_list: _OpenList) -> None:
        items = tuple(
            item.model_copy(update={"text": inline_text(" ".join(t for t in texts if t))})
            for item, texts in zip(open_list.items, open_list.texts)
        )
        self.lists.append(DocList(path=self.path, heading=open_list.heading,
                                  section=open_list.section, items=items, loc=items[0].loc))


def _indent(line: str) -> int:
    prefix = line[: len(line) - len(line.lstrip())]
    return len(prefix.expandtabs(4))


# ---------------------------------------------------------------- inline text


def split_row(line: str) -> list[str]:
    """Cells of a pipe-table line, outer pipes dropped, `\\|` kept as a literal pipe."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    if "\\|" not in body:
        return body.split("|")  # no escaped pipe (most rows): every pipe parts two cells
    return _split_escaped(body)


def _split_escaped(body: str) -> list[str]:
    cells, current, k = [], [], 0
    while k < len(body):
        ch = body[k]
        if ch == "\\" and body[k + 1:k + 2] == "|":
            current.append("|")
            k += 2
            continue
        if ch == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
        k += 1
    cells.append("".join(current))
    return cells


def cell_text(cell: str) -> str:
    """A cell as read: markup stripped, `<br>` kept as a line break."""
    if "<" not in cell:
        return inline_text(cell).strip()
    return "\n".join(inline_text(part) for part in _BR.split(cell)).strip()


_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
_LINKS = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image: its alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link: its text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference link
    (re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]+:[^>\s]+)>"), r"\1"),  # autolink
    (re.compile(r"</?(?:b|i|em|strong|code|sup|sub|span|kbd|u|s|del|mark)(?:\s[^>]*)?>", re.I), ""),
)
_EMPHASIS = (
    re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S),
    re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", re.S),
    re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.S),
    re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])", re.S),
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.S),
)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def inline_text(text: str) -> str:
    """Plain text of inline markdown: code spans, links, emphasis and escapes resolved."""
    if not _MARKUP.search(text):
        return " ".join(text.split())  # nothing any rewrite below would touch (most cells)
    return _rewritten(text)


def _rewritten(text: str) -> str:
    held: list[str] = []

    def hold(literal: str) -> str:  # code and escaped characters stay out of the rewrites
        held.append(literal)
        return f"\ue000{len(held) - 1}\ue001"

    text = text.replace("\ue000", "").replace("\ue001", "")
    text = _CODE_SPAN.sub(lambda m: hold(m[2].strip() or m[2]), text)
    text = _ESCAPED.sub(lambda m: hold(m[1]), text)
    text = _BR.sub(" ", text)
    for pattern, repl in _LINKS:
        text = pattern.sub(repl, text)
    for _ in range(3):  # nested emphasis (`***x***`, `**_x_**`) unwraps in a few rounds
        before = text
        for pattern in _EMPHASIS:
            text = pattern.sub(r"\1", text)
        if text == before:
            break
    text = re.sub("\ue000(\\d+)\ue001", lambda m: held[int(m[1])], text)
    return " ".join(text.split())


# A character each rewrite of `inline_text` needs: code spans, escapes, `<br>` and tags, links,
# emphasis, and its own placeholders.
_MARKUP = re.compile("[`\\\\<\\[*~\ue000\ue001]|(?<!\\w)_")  # `_x_`, `__x__` open after no word character


def heading_text(raw: str) -> str:
    """A heading's words: markup and emoji dropped."""
    text = inline_text(raw)
    kept = text if text.isascii() else "".join(ch for ch in text if not _is_emoji(ch))
    return " ".join(kept.split())


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) == "So"
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or code in (0x200D, 0xFE0E, 0xFE0F, 0x20E3)  # joiner, presentation selectors, keycap
    )


# ---------------------------------------------------------------- mentions


def _mentions(path: str, lines: list[str], code_lines: list[int]) -> list[TextMention]:
    found: list[TextMention] = []
    code = set(code_lines)
    for i, line in enumerate(lines):
        if i in code:
            m = _ASSIGNMENT.match(line)
            if m and not m[2].lstrip().startswith(("$(", "`")):  # command output, not config
                found.append(_mention(_assignment_text(line[m.start(1):]), m[1], path, i + 1, m.start(1) + 1))
        if "://" not in line:
            continue
        for start, url in urls(line):
            found.append(_mention(url, None, path, i + 1, start + 1))
    found.sort(key=lambda t: (t.loc.line, t.loc.column))
    return found


# The fields `_mention` sets, in order; if the model changes, the ordinary constructors are used.
# (`model_fields` also builds the classes, which `_mention` instantiates without __init__)
_FAST = list(TextMention.model_fields) == ["text", "key", "loc"] and LOC_FAST


def _mention(text: str, key: Optional[str], path: str, line: int, column: int,
             new=object.__new__, set_=object.__setattr__) -> TextMention:
    """`TextMention(text=text, key=key, loc=Loc(...))`, built field by field: the frozen
    dataclasses' keyword `__init__` costs about three times as much, for each URL of a doc."""
    if not _FAST:
        return TextMention(text=text, key=key, loc=Loc(path=path, line=line, column=column))
    loc = new_loc(path, line, column)
    mention = new(TextMention)
    set_(mention, "text", text)
    set_(mention, "key", key)
    set_(mention, "loc", loc)
    return mention


def _assignment_text(text: str) -> str:
    key, value = text.split("=", 1)
    stripped = value.lstrip()
    if not stripped.startswith(("'", '"')):
        return text.split(" #", 1)[0].rstrip()
    end = stripped.find(stripped[0], 1)
    if end > 0:  # `KEY="value"  # comment`: the value ends at its closing quote
        return f"{key}={value[:len(value) - len(stripped)]}{stripped[:end + 1]}"
    return text.rstrip()


def urls(line: str) -> list[tuple[int, str]]:
    """(0-based column, URL) of every `scheme://...` in a line, trailing punctuation dropped."""
    out = []
    pos = 0
    while True:
        m = _SCHEME.search(line, pos)
        if not m:
            return out
        body = _URL_BODY.match(line, m.end())
        url = _trim_url(line[m.start():body.end()] if body else "")
        pos = body.end() if body else m.end()
        if len(url) > len(m[0]):
            out.append((m.start(), url))


def _trim_url(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last)):
            url = url[:-1]
        else:
            break
    return url

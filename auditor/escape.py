"""Escaping for outputs read by people and by machines that act on text.

A scanned file controls names and values that reach the reports: a raw ESC byte drives the
terminal (OSC 52 writes the clipboard, `ESC[2J` clears the screen), a newline followed by
`::error ...` becomes a GitHub Actions workflow command when the report is in a CI log. Every
text output shows control characters as visible escapes, and no line it prints can begin with
`::`.
"""
from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides that
# reorder or split what a terminal or a log viewer shows. Tab is kept; newline is escaped
# (callers split lines themselves before escaping a field).
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_CONTROLS_KEEP_NL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
# What JSON writers leave raw with ensure_ascii=False but a terminal or a strict UTF-8 reader
# cannot take: C1 controls, separators, bidi overrides, and lone surrogates (file names that are
# not UTF-8, `"\udfff"` escapes in scanned JSON). Written as `\uXXXX` escapes instead.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _escape_one(m: "re.Match[str]") -> str:
    ch = m[0]
    code = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape): show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character (and lone surrogate: a file name that is not UTF-8)
    shown as a visible escape: `\\x1b`, `\\n`, `\\xff`."""
    return (_CONTROLS_KEEP_NL if keep_newlines else _CONTROLS).sub(_escape_one, text)


def json_safe(text: str) -> str:
    """Serialized JSON (`ensure_ascii=False`) with the characters of `_JSON_UNSAFE` escaped."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def neutralise_line(line: str) -> str:
    """A line of a text report that cannot be a GitHub workflow command: the runner reads a line
    whose text, leading blanks trimmed, starts with `::` (or the older `##[`) as a command; its
    first character is then shown escaped (`\x3a:error ...`)."""
    stripped = line.lstrip()
    if stripped.startswith(("::", "##[")):
        lead = len(line) - len(stripped)
        return f"{line[:lead]}\\x{ord(stripped[0]):02x}{stripped[1:]}"
    return line


def safe_text_line(text: str) -> str:
    """One field of a text report: controls escaped, and no workflow command at its start."""
    return neutralise_line(escape_controls(text))

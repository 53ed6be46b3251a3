"""Compare auditor's nginx lexer with crossplane's on real files (not a test: the trees are local).

    python scripts/compare_nginx_lexer.py /work/corpus /work/holdout*

Every `*.conf`, `*.conf.template` and file with `nginx` in its path under the folders is lexed
both ways: `auditor.loaders.nginx.lexer.lex` against `crossplane.lexer._lex_file_object` (token,
line, quoted), the loader's tokens (`syntax._tokens` against `syntax._tokens_crossplane`:
columns and errors too) and `parse_text`'s trees and problems (its one-pass reading of plain
files against crossplane's tokens). Prints the files compared and
every difference; exit status 1 if any.
"""
from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

from crossplane.lexer import _lex_file_object

from auditor.loaders.nginx import syntax
from auditor.loaders.nginx.lexer import lex, needs_crossplane

MAX_BYTES = 4 << 20


def candidates(root: Path):
    for path in sorted(root.rglob("*")):
        if ".git" in path.parts or not path.is_file() or path.is_symlink():
            continue
        name = path.name.lower()
        if name.endswith((".conf", ".conf.template")) or "nginx" in str(path.relative_to(root)).lower():
            yield path


def outcome(tokens) -> list:
    out = []
    try:
        out.extend(tokens)
    except Exception as exc:  # noqa: BLE001 - compared
        out.append((type(exc).__name__, str(exc), getattr(exc, "line", None), getattr(exc, "column", None)))
    return out


def parsed(text: str, crossplane: bool) -> tuple:
    if not crossplane:
        tree, problem = syntax.parse_text("x.conf", text)
        return dump(tree), problem
    with mock.patch.object(syntax, "_tokens", syntax._tokens_crossplane), \
            mock.patch.object(syntax, "_plain", lambda text: False):
        tree, problem = syntax.parse_text("x.conf", text)
    return dump(tree), problem


def dump(tree):
    return None if tree is None else [(s.name, s.args, s.line, s.column, dump(s.block)) for s in tree]


def main(folders: list[str]) -> int:
    compared = lua = plain = differ = 0
    for folder in folders:
        for path in candidates(Path(folder)):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if len(data) > MAX_BYTES or b"\x00" in data:
                continue
            text = data.decode("utf-8", errors="replace")
            compared += 1
            problems = []
            plain += syntax._plain(text) and syntax._build_plain("x.conf", text, 200) is not None
            if needs_crossplane(text):
                lua += 1
            elif [(t, l, q) for t, l, _c, q, _e in lex(text)] != list(_lex_file_object([text])):
                problems.append("lex")
            if outcome(syntax._tokens(text)) != outcome(syntax._tokens_crossplane(text)):
                problems.append("tokens")
            if parsed(text, False) != parsed(text, True):
                problems.append("parse_text")
            if problems:
                differ += 1
                print(f"DIFFERENT ({', '.join(problems)}): {path}")
    print(f"{compared} files compared ({lua} through crossplane's Lua block lexer, {plain} read in one pass), "
          f"{differ} different")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

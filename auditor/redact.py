"""Masking of secret values: the one place every output goes through before showing a value.

What is a secret (key names, token formats, placeholders) is decided in
`auditor.knowledge.secrets`; this module only hides it. When in doubt it masks: a masked
setting costs some readability, a shown secret cannot be taken back.

`Masker` is the mechanism every output applies last (findings, snippets, every report and graph
format, baselines): it knows every secret value of the graph, of any length, and masks

- distinctive values (long, or mixing letters, digits and signs) wherever they occur, also
  glued to other text (`-pS3cr3t!` in a MySQL healthcheck);
- word-like values (`taiga`) only where they stand as a whole value, not inside a longer name
  (`taiga-db`, `taiga.example.com` keep their name);
- the password of every `scheme://user:password@host`, whatever characters it holds;
- every known token format (`ghp_...`, `AKIA...`).
"""
from __future__ import annotations

import html
import json
import re
import string
from typing import Iterable, Iterator, Optional

from .knowledge.secrets import find_tokens, has_token, is_placeholder, is_setting, key_kind


def mask(value: str) -> str:
    """`admin123` -> `ad****23`; short values are fully masked so nothing leaks."""
    if len(value) <= 6:
        return "*" * 4
    keep = 2 if len(value) < 16 else 3
    return f"{value[:keep]}****{value[-keep:]}"


# ---------------------------------------------------------------- URL userinfo

_LETTERS = frozenset(string.ascii_letters)
_SCHEME_CHARS = _LETTERS | frozenset(string.digits + "+.-")
# A URL runs to the first blank; the userinfo to the last `@` of that run that a host follows
# (passwords hold `@`, `/`, `?`, `#`, `+`, `=` unescaped). Masking more than the password of an
# odd line is the price of never showing one.
_URL_END = re.compile(r"[\s<>`]")
_HOST_START = re.compile(r"[A-Za-z0-9\[_$%{]")


def _userinfo(text: str) -> Iterator[tuple[int, int, str, str, str]]:
    """(start, end, scheme with `://`, user, password) of every `scheme://user:password@`; `end`
    is just after the `@`. Linear: each `://` is looked at once, schemes are walked backwards."""
    low = 0
    p = text.find("://")
    while p >= 0:
        if text.find("@", p) < 0:
            return  # no `@` from here on: no userinfo (most URLs)
        r = p
        while r > low and text[r - 1] in _SCHEME_CHARS:
            r -= 1
        start = next((i for i in range(r, p) if text[i] in _LETTERS), -1)
        found = _split_userinfo(text, p + 3) if start >= 0 else None
        if found is None:
            p = text.find("://", p + 3)
            continue
        at, user, pw = found
        yield start, at + 1, text[start:p + 3], user, pw
        low = at + 1
        p = text.find("://", low)


def _split_userinfo(text: str, begin: int) -> Optional[tuple[int, str, str]]:
    """(offset of the `@`, user, password) of the authority starting at `begin`, or None."""
    m = _URL_END.search(text, begin)
    end = m.start() if m else len(text)
    at = text.rfind("@", begin, end)
    while at > begin:
        if _HOST_START.match(text, at + 1) is None and at + 1 < len(text) and text[at + 1] not in ":/":
            at = text.rfind("@", begin, at)  # `@` not followed by a host: look further left
            continue
        break
    if at <= begin:
        return None
    colon = text.find(":", begin, at)
    if colon < 0:
        return None
    user, pw = text[begin:colon], text[colon + 1:at]
    if "/" in user or not pw:
        return None
    slash = text.find("/", begin)
    if 0 <= slash < at and text[colon + 1:slash].isdigit():
        return None  # `host:8080/path/@x`: a port, and an `@` in the path
    return at, user, pw


def redact_url_passwords(text: str) -> str:
    """Replace the password of every `scheme://user:pass@` in `text` with a mask."""
    if "://" not in text:
        return text
    out, pos = [], 0
    for start, end, scheme, user, _pw in _userinfo(text):
        out.append(text[pos:start])
        out.append(f"{scheme}{user}:{'*' * 4}@")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def url_userinfo(url: str) -> Optional[tuple[str, str]]:
    """(user, password) written in `url`, any characters allowed in the password, or None."""
    for _start, _end, _scheme, user, pw in _userinfo(url):
        return user, pw
    return None


# ---------------------------------------------------------------- source lines (heuristics)

# A loose net for key names, on top of `key_kind`: redaction errs on the side of masking.
_LOOSE_SECRET = re.compile(r"pass|pwd|secret|token|api[_\-]?key|apikey|private|credential|auth", re.I)
# `KEY=value`, `KEY: value`, `"key": "value"`, `KEY => value`, and markdown table cells
# `| **KEY** | value |`. A `:` separates only when a blank or a quote follows (YAML):
# `./password:ro` is a path and a mount option, not an assignment. An opening quote without its
# closing one (a line that failed to parse) runs to the end of the line.
# A key starts at the first ASCII letter or `_` of a word (`(?<!...)` + `pre`): trying it from
# every letter of a long word would be quadratic.
_ASSIGNMENT = re.compile(
    r"(?<![\w.\-])(?P<pre>(?:[^\WA-Za-z_]|[.\-])*)(?P<key>[A-Za-z_][\w.\-]*)(?P<close>[*`'\"]*)"
    r"(?P<sep>\s*(?:=>|=|:(?=[\s\"']|$)|\|)\s*)(?P<open>[*`]*)"
    r"(?:(?P<q>[\"'])(?P<qval>[^\"'\n]*)(?:(?P=q)|$)|(?P<val>\$\{[^}\n]*\}|[^\s\"'`|]+))"
)


def _secret_assignment(key: str, value: str) -> bool:
    if not value or is_placeholder(value):
        return False
    if key_kind(key) is not None:
        return True
    return bool(_LOOSE_SECRET.search(key)) and "://" not in value and not is_setting(value)


def _mask_assignments(text: str, depth: int = 0) -> str:
    def one(m: re.Match) -> str:
        value = m["qval"] if m["q"] else m["val"]
        if value is None or not value or is_placeholder(value):  # `${VAR:?message}` included
            return m[0]
        if not _secret_assignment(m["key"], value):
            # The value may hold assignments of its own: `"Description": "token=abc"`, `a=token=abc`;
            # past a few levels (`a=a=a=...`), the value is masked whole: when in doubt, mask.
            start = (m.start("qval") if m["q"] else m.start("val")) - m.start()
            inner = _mask_assignments(value, depth + 1) if depth < 4 else mask(value)
            return m[0][:start] + inner + m[0][start + len(value):]
        closing = m["q"] if m["q"] and m.end() > m.end("qval") else ""  # unclosed: none
        shown = f"{m['q']}{mask(value)}{closing}" if m["q"] else mask(value)
        return f"{m['pre']}{m['key']}{m['close']}{m['sep']}{m['open']}{shown}"

    return _ASSIGNMENT.sub(one, text)


# Command-line flags followed by a credential: `--requirepass X`, `--password=X`, `--api-token X`.
_FLAG = re.compile(r"(?<![\w-])(?P<flag>--?[A-Za-z][\w-]*)(?P<sep>=|[ \t]+)(?P<value>[^\s\"'`,\]\[]+)")
_SECRET_FLAGS = frozenset({"requirepass", "masterauth"})  # redis-server, beside key_kind's names
# MySQL's glued password: `mysql -uroot -pS3cret`, `mysqladmin ping -p$$PW`.
_GLUED_P = re.compile(r"(?<![\w-])-p(?P<value>[^\s\"'`,\]\[]+)")
# An Authorization-like header value: `Bearer abc`, `Basic dXNlcjpwYXNz`, `token abc`.
_AUTH_VALUE = re.compile(r"(?i)\b(?P<scheme>bearer|basic|token|digest|apikey)(?P<sep>\s+)(?P<value>[^\s\"'`;,}]+)")


def _mask_flags(text: str) -> str:
    def one(m: re.Match) -> str:
        name, value = m["flag"].lstrip("-"), m["value"]
        if value.startswith("-") or is_placeholder(value):
            return m[0]
        if name.lower() in _SECRET_FLAGS or key_kind(name) is not None:
            return f"{m['flag']}{m['sep']}{mask(value)}"
        return m[0]

    if "-" not in text:
        return text
    text = _FLAG.sub(one, text)
    if "mysql" in text.lower() or "mariadb" in text.lower():
        text = _GLUED_P.sub(lambda m: m[0] if is_placeholder(m["value"]) else f"-p{mask(m['value'])}", text)
    return text


def _mask_auth_values(text: str) -> str:
    return _AUTH_VALUE.sub(
        lambda m: m[0] if is_placeholder(m["value"]) else f"{m['scheme']}{m['sep']}{mask(m['value'])}", text)


def redact_tokens(text: str) -> str:
    """Mask every known token format (`ghp_...`, `AKIA...`, private key headers) in `text`."""
    spans = sorted(find_tokens(text))  # which looks for them all in one pass first
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue  # overlaps a span already masked
        out.append(text[pos:start])
        out.append(mask(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


_TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-+/=.:]{15}")

_last_line: tuple[str, str] = ("", "")


def redact_line(line: str) -> str:
    """A source line safe to show: URL passwords, known tokens, values of secret-named keys, of
    secret-named command-line flags and of Authorization-like headers masked."""
    global _last_line
    if _last_line[0] == line:  # findings come sorted: many on one (long, minified) line in a row
        return _last_line[1]
    shown = redact_tokens(_mask_auth_values(_mask_flags(_mask_assignments(redact_url_passwords(line)))))
    _last_line = (line, shown)
    return shown


# A line that failed to parse may hide its secret anywhere: after a secret-sounding word, every
# distinctive word (long, or mixing letters with digits or signs) is masked.
_SECRET_WORD = re.compile(r"(?i)pass|pwd|secret|token|api[_\-]?key|apikey|private|credential|auth|bearer")
_WORD = re.compile(r"[^\s\"'`=:|,;{}()\[\]<>]+")


def redact_broken_line(line: str) -> str:
    """`redact_line` for a line a parser rejected: what the key=value shapes miss is masked too."""
    shown = redact_line(line)
    m = _SECRET_WORD.search(shown)
    if m is None:
        return shown
    head, tail = shown[:m.end()], shown[m.end():]
    return head + _WORD.sub(lambda w: mask(w[0]) if distinctive(w[0]) and "****" not in w[0] else w[0], tail)


# ---------------------------------------------------------------- known values


def distinctive(value: str) -> bool:
    """A value unlikely to occur by chance inside ordinary text: long, or mixing letters with
    digits or signs. Such values are masked wherever they occur; others only as whole values."""
    if len(value) >= 12:
        return True
    if len(value) < 6:
        return False
    classes = (any(c.islower() for c in value) + any(c.isupper() for c in value)
               + any(c.isdigit() for c in value) + any(not c.isalnum() for c in value))
    return classes >= 2 and not value.isalpha()


_PREFIX = 96  # longer values are looked for by their first characters, then masked whole
_WORD_CHARS = "A-Za-z0-9_"
# A word-like value is whole when no letter, digit or `_` touches it, nor a `-`/`.` that joins it
# to one (`taiga-db`, `taiga.example.com`).
_BEFORE = rf"(?<![{_WORD_CHARS}])(?<![{_WORD_CHARS}][-.])"
_AFTER = rf"(?![{_WORD_CHARS}])(?![-.][{_WORD_CHARS}])"


# What JSON, HTML or GitHub's workflow commands write differently (controls are not printable).
_ESCAPED_BY_SOME = re.compile(r"[\"\\&<>'%]")


def _escaped_forms(value: str) -> set[str]:
    """`value` as each output writes it: JSON strings, GitHub workflow commands, HTML, and the
    control-character escapes of the text reports."""
    from .escape import escape_controls

    if value.isascii() and value.isprintable() and _ESCAPED_BY_SOME.search(value) is None:
        return {value}  # printable ASCII that no output escapes: one form (most values)
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             html.escape(value), html.escape(value, quote=False), escape_controls(value),
             value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")}
    return {f for f in forms if f}


def _trie_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of `words`, longest first, as a trie: the engine
    follows one branch per character instead of trying every word at every position."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alternatives = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)  # nests only at branch points: at most _PREFIX deep


# Where a message gives a name as a name: `service 'db'`, `project 'shop'`, and a segment of a
# path (`examples/chevereto/compose.yaml`).
_NAME_SLOT = re.compile(r"(?:service|project|container|network|volume|host|image|upstream)s? '\Z")


class Masker:
    """Masks known secret values, URL passwords and token formats in any text; see the module.

    `names` are the structural names of the inputs (services, containers, projects, networks,
    folders and files): a secret equal to one (`chevereto` as the password of service
    `chevereto`) is still masked wherever it stands as a value, but not where a message gives it
    as that name (`service 'chevereto'`, `examples/chevereto/`): the name is public, and blanking it
    blanks what the message is about."""

    def __init__(self, values: Iterable[str] = (), names: Iterable[str] = ()):
        self._names = frozenset(n for n in names if n)
        anywhere: set[str] = set()
        whole: set[str] = set()
        self._long: dict[str, list[str]] = {}
        for value in {v for v in values if v and v.strip()}:
            for form in _escaped_forms(value):
                if len(form) > _PREFIX:
                    self._long.setdefault(form[:_PREFIX], []).append(form)
                    anywhere.add(form[:_PREFIX])
                elif distinctive(value):
                    anywhere.add(form)
                else:
                    whole.add(form)
        for forms in self._long.values():
            forms.sort(key=len, reverse=True)
        parts = []
        if anywhere:
            parts.append(f"(?P<any>{_trie_pattern(anywhere)})")
        if whole:
            parts.append(f"{_BEFORE}(?P<whole>{_trie_pattern(whole)}){_AFTER}")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self._pattern is not None:
            text = self._known(text)
        if "://" in text:
            text = redact_url_passwords(text)
        # No known token is shorter than 15 characters of its alphabet: most messages have no
        # such run, and skip the token formats.
        return redact_tokens(text) if _TOKEN_RUN.search(text) or "PRIVATE KEY" in text else text

    def _known(self, text: str) -> str:
        out, pos = [], 0
        scanned = path_start = 0  # where the run of the current match starts, found left to right
        for m in self._pattern.finditer(text):
            start, end = m.span()
            if start < pos:
                continue
            found = m[0]
            if found in self._names:
                edge = max(text.rfind(c, scanned, start) for c in _PATH_EDGE)
                path_start, scanned = (edge + 1 if edge >= 0 else path_start), start
                if _as_name(text, start, end, path_start):
                    continue
            if len(found) == _PREFIX and found in self._long:
                end = start + next((len(f) for f in self._long[found] if text.startswith(f, start)), _PREFIX)
            out.append(text[pos:start])
            out.append(mask(text[start:end]))
            pos = end
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)

    def document(self, value, keep: frozenset = frozenset()):
        """Every string of a JSON-like document masked, except dict keys and the fields in `keep`
        (paths, fingerprints: masking them would break what reads the document)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: v if k in keep else self.document(v, keep) for k, v in value.items()}
        if isinstance(value, list):
            return [self.document(v, keep) for v in value]
        return value


def _as_name(text: str, start: int, end: int, path_start: int) -> bool:
    """Whether text[start:end] stands where a message gives a name: quoted after `service`,
    `project`, ... (`service 'db'`), or a whole segment of a path relative to the checked root
    (`a/db/compose.yaml`; an absolute path names another machine's files, not the repository's).
    `path_start`: where the blank-free run holding text[start:end] starts."""
    if text[end:end + 1] == "'" and _NAME_SLOT.search(text, max(0, start - 16), start):
        return True
    before, after = text[start - 1:start], text[end:end + 1]
    if not (before == "/" or after == "/") or before in _NAME_GLUE or after in _NAME_GLUE:
        return False
    return not text.startswith("/", path_start)


_NAME_GLUE = frozenset(string.ascii_letters + string.digits + "_-.:@")
_PATH_EDGE = frozenset(" \t\r\n'\"`([")


class Scrubber:
    """Masks every occurrence of known values in any text, substrings included.

    For `auditor snapshot`, which strips a container's environment values out of captured text
    before writing it. Reports use `Masker` (whole values for word-like ones). Values shorter
    than `min_length` are left alone.
    """

    def __init__(self, values: Iterable[str], min_length: int = 8):
        kept = sorted({v for v in values if len(v) >= max(min_length, 1)}, key=len, reverse=True)
        # Values by their first `width` characters, longest first: at each position of a text
        # one dict lookup finds the values that may start there (an alternation of every value
        # would try each of them at each position: values x characters).
        self._width = len(kept[-1]) if kept else 0
        self._by_head: dict[str, list[str]] = {}
        for v in kept:
            self._by_head.setdefault(v[:self._width], []).append(v)

    def __call__(self, text: str) -> str:
        """`text` with each value masked: leftmost first, the longest value starting there."""
        heads, width = self._by_head, self._width
        if not heads or len(text) < width:
            return text
        out: list[str] = []
        last = i = 0
        end = len(text) - width
        while i <= end:
            candidates = heads.get(text[i:i + width])
            if candidates is not None:
                found = next((v for v in candidates if text.startswith(v, i)), None)
                if found is not None:
                    out.append(text[last:i])
                    out.append(mask(found))
                    i = last = i + len(found)
                    continue
            i += 1
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)


def secret_values(pairs: Iterable[tuple[Optional[str], str]]) -> set[str]:
    """The secrets among (key, value) pairs: values of secret-named keys, known tokens, and URL
    passwords; placeholders and references left out."""
    found: set[str] = set()
    for key, value in dict.fromkeys(pairs):  # a file repeating one line a million times is judged once
        v = value.strip()
        if not v:
            continue
        url = "://" in v
        keyed = not url and bool(key) and key_kind(key) is not None
        # No known token format is shorter than 15 characters (a Slack token): a short value
        # that is neither under a secret name nor a URL holds nothing, placeholder or not.
        if not (keyed or url or len(v) >= 10):
            continue
        if len(v) > _LONG and is_placeholder(v):  # cheaper than the token formats on a long value
            continue
        secret = (keyed and not is_setting(v)) or (len(v) >= 10 and has_token(v))
        passwords = [pw for _start, _end, _scheme, _user, pw in _userinfo(v)] if url and "@" in v else []
        # A placeholder holds no secret; asked last, of the few values that hold a candidate.
        if not (secret or passwords) or is_placeholder(v):
            continue
        if secret:
            found.add(v)
        found.update(pw for pw in passwords if not is_placeholder(pw))
    return found


_LONG = 4096  # past this, the token formats search format by format (see knowledge.secrets)

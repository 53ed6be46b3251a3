"""Variable interpolation as docker compose (compose-go) performs it, as a pure function.

`$$` is a literal `$`; `$VAR` and `${VAR}` are replaced (unset: "" and reported as missing);
`${VAR:-d}` / `${VAR-d}` default when unset-or-empty / unset; `${VAR:+r}` / `${VAR+r}` replace
when set-and-non-empty / set; `${VAR:?msg}` / `${VAR?msg}` fail when unset-or-empty / unset.

compose-go quirks kept on purpose, since the aim is to see what compose sees:
- the text after an operator is interpolated even when unused, so its errors and missing
  variables count (`${SET-${UNSET:?x}}` fails);
- `$` not followed by `$`, a name or `{` stays literal (`$1`, `cost $`);
- `${` not followed by `NAME}` or `NAME<op>...}` on the same line is an error (`${}`, `${A`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

__all__ = ["Result", "interpolate", "NAME"]

NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")

# The `.*` after an operator is greedy up to the last `}` of the line, as in compose-go; the
# matching brace is then found by counting `${` openings and the remainder interpolated again.
_PATTERN = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<named>[_a-zA-Z][_a-zA-Z0-9]*)"
    r"|\{(?:(?P<braced>[_a-zA-Z][_a-zA-Z0-9]*(?::?[-+?].*)?)\}|(?P<invalid>)))"
)
_OPERATOR = re.compile(r"([_a-zA-Z][_a-zA-Z0-9]*)(:?[-+?])?")
_MAX_NESTING = 64
# Characters one interpolated value may grow to: `"${BIG}${BIG}..."` with a 4 MiB BIG must not
# cost gigabytes. Past it the value is an error, like compose's own failures.
MAX_RESULT = 64 * 1024


@dataclass
class Result:
    value: str
    missing: list[str] = field(default_factory=list)  # used without a default while unset
    errors: list[str] = field(default_factory=list)  # compose would refuse the file
    # `${VAR:?msg}` unset: compose refuses to start until the deployer sets it; the value is
    # unknown, not broken (name, message)
    required: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.required


class _Failed(Exception):
    pass


class _Run:
    def __init__(self, env: Mapping[str, str], template: str, max_result: int = MAX_RESULT):
        self.env = env
        self.max_result = max_result
        self.template = template
        self.missing: list[str] = []
        self.errors: list[str] = []
        self.required: list[tuple[str, str]] = []
        self.size = 0

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def substitute(self, text: str, depth: int) -> str:
        if "$" not in text:
            return text
        if depth > _MAX_NESTING:
            self.error(f"interpolation nested more than {_MAX_NESTING} levels deep")
            return ""
        # A failure loses the whole value (compose stops at its first error): _Failed leaves
        # `sub` at once, so a line of a million `${` costs one scan, not one per `${`.
        return _PATTERN.sub(lambda match: self.one(match.group(0), depth), text)

    def one(self, matched: str, depth: int) -> str:
        rest = ""
        close = _closing_brace(matched)
        if close >= 0:
            matched, rest = matched[: close + 1], matched[close + 1:]
        m = _PATTERN.match(matched)
        if m is None or m.group("invalid") is not None:
            # The value is not quoted: it may be a secret (and megabytes long).
            self.error("invalid interpolation format (a literal $ is written $$)")
            raise _Failed
        if m.group("escaped"):
            return "$"
        name = m.group("named")
        if name:
            return self.lookup(name)
        braced = m.group("braced") or ""
        op = _OPERATOR.match(braced)
        assert op is not None  # the pattern guarantees a name first
        name, operator = op.group(1), op.group(2)
        if not operator:
            return self.lookup(name)
        # the argument is interpolated before the operator is applied, as compose-go does
        argument = self.substitute(braced[op.end():], depth + 1)
        value = self.env.get(name)
        if operator in (":?", "?"):
            if value is None or (operator == ":?" and value == ""):
                if (name, argument) not in self.required:
                    self.required.append((name, argument))
                raise _Failed
        elif operator == ":-":
            value = argument if not value else value
        elif operator == "-":
            value = argument if value is None else value
        elif operator == ":+":
            value = argument if value else ""
        elif operator == "+":
            value = argument if value is not None else ""
        return self.grown(value or "") + self.substitute(rest, depth + 1)

    def lookup(self, name: str) -> str:
        value = self.env.get(name)
        if value is None:
            if name not in self.missing:
                self.missing.append(name)
            return ""
        return self.grown(value)

    def grown(self, value: str) -> str:
        self.size += len(value)
        if self.size > self.max_result:
            self.error(f"interpolated value over {self.max_result} characters; not read")
            raise _Failed
        return value


def _closing_brace(text: str) -> int:
    """Index of the `}` closing the first `${`, counting nested `${`; -1 when unbalanced."""
    depth = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "}":
            depth -= 1
            if depth == 0:
                return i
        elif ch == "$" and text.startswith("${", i):
            depth += 1
            i += 1
        i += 1
    return -1


def interpolate(text: str, env: Mapping[str, str], max_result: int = MAX_RESULT) -> Result:
    """`text` with variables replaced from `env` (never the process environment).

    On an error the value is "" for the failing part; `errors` says why. A result growing past
    `max_result` characters is an error too.
    """
    run = _Run(env, text, max_result)
    try:
        value = run.substitute(text, 0)
    except _Failed:
        value = ""
    except RecursionError:  # defensive: nesting is bounded above
        run.error("interpolation nested too deeply")
        value = ""
    return Result(value=value, missing=run.missing, errors=run.errors, required=run.required)

"""User configuration: `[tool.auditor]` in pyproject.toml or `.auditor.toml`, found upwards.

Read into plain frozen objects by a strict reader when the file is exactly of the schema's types;
anything else goes through the pydantic schema of `auditor.config_schema`, which coerces or
explains (pydantic is imported only then). `auditor/schemas/config.schema.json` is generated from
that schema (`python -m auditor.config --schema > auditor/schemas/config.schema.json`, a test keeps
them equal).
Every problem (an unknown key, a wrong type, a rule or option that does not exist) is a
`ConfigError` naming the file, the line and the key, which the cli turns into exit 2.

Paths and globs in the file are relative to the folder that holds it; keys may be written with
`-` or `_` (`per-file-ignores` or `per_file_ignores`).
"""
from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path
from typing import Any, Literal, Optional, get_args, get_origin

from .model import Frozen

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Severity = Literal["error", "warning", "note"]
FailOn = Literal["error", "warning", "note", "never"]
_SEVERITIES = frozenset(get_args(Severity))
_FAIL_ON = frozenset(get_args(FailOn))

# The objects a run reads. Their fields, types and defaults are those of the pydantic schema in
# `auditor.config_schema` (tests/test_config.py compares them): pydantic is imported only to
# describe a file the strict reader below does not take as it stands, or to print the schema.


class ComposeSection(Frozen):
    env_files: tuple[str, ...] = (".env",)


class RuleSection(Frozen):
    severity: Optional[str] = None
    options: dict[str, Any] = dataclasses.field(default_factory=dict)


class HostsSection(Frozen):
    public_addresses: tuple[str, ...] = ()
    external: tuple[str, ...] = ()
    groups: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    independent: tuple[str, ...] = ()


class DocsSection(Frozen):
    synonyms: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


class LimitsSection(Frozen):
    max_file_bytes: int = 5 * 1024 * 1024
    max_files: int = 20_000


class Config(Frozen):
    """The `[tool.auditor]` table of pyproject.toml, or the whole of `.auditor.toml`."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    fail_on: Optional[str] = None
    baseline: Optional[str] = None
    per_file_ignores: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    rules: dict[str, RuleSection] = dataclasses.field(default_factory=dict)
    compose: ComposeSection = ComposeSection()
    hosts: HostsSection = HostsSection()
    docs: DocsSection = DocsSection()
    limits: LimitsSection = LimitsSection()
    # where it was read from, and the root its globs were rebased to: not part of its value
    _source: Optional[Path] = dataclasses.field(default=None, compare=False, repr=False,
                                                metadata={"exclude": True})
    _root: Optional[Path] = dataclasses.field(default=None, compare=False, repr=False,
                                              metadata={"exclude": True})

    @classmethod
    def model_validate(cls, data: Any) -> "Config":
        """A configuration from a table, as the schema validates it (pydantic's ValidationError
        when it does not)."""
        strict = _strict_config(data)
        if strict is not None:
            return strict
        from . import config_schema

        return _from_schema(config_schema.Config.model_validate(data))

    @property
    def source(self) -> Optional[Path]:
        """The file this configuration was read from (None: the defaults)."""
        return self._source

    def baseline_path(self) -> Optional[Path]:
        """The configured baseline, relative to the configuration file's folder.

        The configuration may come with the scanned tree, so its baseline must stay inside that
        folder: `baseline = "/home/me/.bashrc"` or `"../../x"` is a configuration error, not a
        file `auditor baseline` would overwrite (or `check` would read)."""
        if not self.baseline:
            return None
        from .writer import inside

        base = self._source.parent if self._source else Path.cwd()
        path = base / self.baseline
        if "\0" in self.baseline or not inside(path, base):
            where = f"{self._source}: " if self._source else ""
            raise ConfigError(f"{where}baseline must name a file inside {base}; give other paths with "
                              "--baseline / -o on the command line")
        return path

    def for_root(self, root: Path) -> "Config":
        """This configuration with its globs made relative to the scanned `root`.

        Globs are written relative to the configuration file's folder; findings and discovered
        files are relative to the scanned root. When the root is a subfolder of the config's
        folder, a glob that starts with that subfolder loses the prefix; other globs (`*.env`,
        `**/docs/*`) apply as written.
        """
        if self._root is not None or self._source is None:
            return self
        base = self._source.parent.resolve()
        try:
            prefix = Path(root).resolve().relative_to(base).as_posix()
        except ValueError:
            prefix = "."
        if prefix == ".":
            rebased = self
        else:
            def fix(pattern: str) -> str:
                p = pattern[2:] if pattern.startswith("./") else pattern
                return p[len(prefix) + 1:] if p.startswith(prefix + "/") else pattern

            rebased = self.model_copy(update={
                "include": tuple(fix(p) for p in self.include),
                "exclude": tuple(fix(p) for p in self.exclude),
                "per_file_ignores": {fix(k): v for k, v in self.per_file_ignores.items()},
                "hosts": self.hosts.model_copy(update={
                    "groups": {k: tuple(fix(p) for p in v) for k, v in self.hosts.groups.items()},
                    "independent": tuple(fix(p) for p in self.hosts.independent),
                }),
            })
        return rebased.model_copy(update={"_source": self._source, "_root": Path(root)})


def _strings(value: Any) -> Optional[tuple[str, ...]]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _string_lists(value: Any) -> Optional[dict[str, tuple[str, ...]]]:
    if not isinstance(value, dict):
        return None
    out = {k: _strings(v) for k, v in value.items()}
    return out if all(isinstance(k, str) and v is not None for k, v in out.items()) else None  # type: ignore[misc]


def _section(cls: type, value: Any, readers: dict) -> Any:
    """A section from a table whose every key is known and every value already of its type
    (None: anything else, left to pydantic, which coerces or explains)."""
    if not isinstance(value, dict) or not set(value) <= set(readers):
        return None
    fields = {}
    for key, raw in value.items():
        read = readers[key](raw)
        if read is None:
            return None
        fields[key] = read
    return cls(**fields)


def _positive_int(value: Any) -> Optional[int]:
    return value if type(value) is int and value > 0 else None


def _one_of(allowed: frozenset) -> Any:
    return lambda value: value if isinstance(value, str) and value in allowed else None


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _rule_section(value: Any) -> Optional[RuleSection]:
    options = lambda v: dict(v) if isinstance(v, dict) and all(isinstance(k, str) for k in v) else None  # noqa: E731
    return _section(RuleSection, value, {"severity": _one_of(_SEVERITIES), "options": options})


def _rules(value: Any) -> Optional[dict[str, RuleSection]]:
    if not isinstance(value, dict):
        return None
    out = {k: _rule_section(v) for k, v in value.items()}
    return out if all(isinstance(k, str) and v is not None for k, v in out.items()) else None  # type: ignore[misc]


_CONFIG_READERS: dict = {
    **{name: _strings for name in ("include", "exclude", "select", "ignore", "extend_select")},
    "fail_on": _one_of(_FAIL_ON),
    "baseline": _text,
    "per_file_ignores": _string_lists,
    "rules": _rules,
    "compose": lambda v: _section(ComposeSection, v, {"env_files": _strings}),
    "hosts": lambda v: _section(HostsSection, v, {"public_addresses": _strings, "external": _strings,
                                                  "groups": _string_lists, "independent": _strings}),
    "docs": lambda v: _section(DocsSection, v, {"synonyms": _string_lists}),
    "limits": lambda v: _section(LimitsSection, v, {"max_file_bytes": _positive_int, "max_files": _positive_int}),
}


def _strict_config(data: Any) -> Optional[Config]:
    """The configuration when `data` is already exactly of the schema's types (what TOML gives
    for a valid file); None for anything else."""
    return _section(Config, data, _CONFIG_READERS)


def _from_schema(model: Any) -> Config:
    """The plain configuration of a validated pydantic one."""
    dumped = model.model_dump()
    return Config(**{
        **dumped,
        "rules": {k: RuleSection(**v) for k, v in dumped["rules"].items()},
        "compose": ComposeSection(**dumped["compose"]), "hosts": HostsSection(**dumped["hosts"]),
        "docs": DocsSection(**dumped["docs"]), "limits": LimitsSection(**dumped["limits"]),
    })


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names file, line and key."""


def json_schema() -> dict:
    from .config_schema import json_schema

    return json_schema()


def render_schema() -> str:
    """The text of `auditor/schemas/config.schema.json`."""
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- finding and loading


MAX_CONFIG_BYTES = 1024 * 1024


def _read_found(path: Path) -> bytes:
    from .reader import read_confined

    data, problem = read_confined(path.parent, path.name, MAX_CONFIG_BYTES)
    if data is None:
        reason = {"outside": "a link out of its folder; not read", "not regular": "not a regular file",
                  "too large": f"larger than {MAX_CONFIG_BYTES} bytes"}.get(problem or "", problem)
        raise OSError(reason)
    return data


def _pyproject_has_auditor(path: Path) -> bool:
    try:
        data = tomllib.loads(_read_found(path).decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "auditor" in data["tool"]


def _usable(path: Path) -> bool:
    """A regular file, or a link to one that stays in the same folder."""
    import os

    try:
        real = Path(os.path.realpath(path))
        return path.is_file() and real.parent == Path(os.path.realpath(path.parent))
    except (OSError, ValueError):
        return False


def has_config(folder: Path) -> bool:
    """Does `folder` hold an auditor configuration (a stack of its own)?"""
    pyproject = folder / "pyproject.toml"
    return (folder / ".auditor.toml").is_file() or (pyproject.is_file() and _pyproject_has_auditor(pyproject))


def find_config(start: Path) -> Optional[Path]:
    """`.auditor.toml`, or a pyproject.toml with [tool.auditor], in `start` or a parent.

    In one folder `.auditor.toml` wins over pyproject.toml; the nearest folder wins. A link to
    a file outside its folder is not a configuration (it would read a file the tree points at)."""
    start = Path(start).resolve()
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / ".auditor.toml"
        if _usable(candidate):
            return candidate
        pyproject = folder / "pyproject.toml"
        if _usable(pyproject) and _pyproject_has_auditor(pyproject):
            return pyproject
    return None


def load_config(path: Optional[Path], *, named: bool = False) -> Config:
    """The configuration in `path`. `named`: the user gave it (`--config`), so links are followed;
    otherwise it was found beside the scanned files and is read only if it is a regular file whose
    links stay inside its folder. Either way, at most MAX_CONFIG_BYTES of a regular file."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        if named:
            from .reader import read_user_file

            raw = read_user_file(path, MAX_CONFIG_BYTES)
        else:
            raw = _read_found(path)
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"{path}: cannot be read as TOML: {reason}") from None
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        prefix = ("tool", "auditor")
        tool = data.get("tool", {})
        data = tool.get("auditor", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.auditor] must be a table")
    data = _normalise(data)
    locate = _Locator(text, prefix)
    config = _strict_config(data)
    if config is None:
        from pydantic import ValidationError

        try:
            config = Config.model_validate(data)
        except ValidationError as exc:
            raise ConfigError("\n".join(_describe(path, locate, e) for e in exc.errors())) from None
    config = _check_rules(config, path, locate)
    return config.model_copy(update={"_source": Path(path).resolve()})


_SECTIONS = {"compose", "hosts", "docs", "limits"}


def _normalise(data: dict) -> dict:
    """`kebab-case` keys of the model's own tables become `snake_case` (user keys are kept)."""
    out: dict = {}
    for key, value in data.items():
        k = key.replace("-", "_") if isinstance(key, str) else key
        if k in _SECTIONS and isinstance(value, dict):
            value = {str(sk).replace("-", "_"): sv for sk, sv in value.items()}
        elif k == "rules" and isinstance(value, dict):
            value = {rid: ({str(sk).replace("-", "_"): sv for sk, sv in rv.items()} if isinstance(rv, dict) else rv)
                     for rid, rv in value.items()}
        out[k] = value
    return out


def _model_at(loc: tuple) -> Any:
    """The schema's model class of the table at `loc` (a pydantic error location), if there is one."""
    from pydantic import BaseModel

    from .config_schema import Config as Schema

    model: type[BaseModel] = Schema
    parts = [p for p in loc]
    while parts:
        name = parts.pop(0)
        field = model.model_fields.get(str(name))
        if field is None:
            return None
        ann = field.annotation
        if get_origin(ann) is dict:
            if not parts:
                return None
            parts.pop(0)  # the user's own key (a rule id, a glob)
            ann = get_args(ann)[1]
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return None
    return model


def _describe(path: Path, locate: "_Locator", error: dict) -> str:
    loc = tuple(error.get("loc", ()))
    keys = tuple(str(p) for p in loc if not isinstance(p, int))
    at = _at(path, locate.line(keys))
    dotted = _dotted(keys) or "(top level)"
    if error.get("type") == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(model.model_fields) if model else []
        import difflib

        hint = difflib.get_close_matches(keys[-1].replace("-", "_"), allowed, n=1)
        table = _dotted(keys[:-1])
        where = f"[{table}] " if table else ""
        msg = f"{at}: {where}unknown key {keys[-1]!r}"
        if hint:
            msg += f" (did you mean {hint[0]!r}?)"
        elif allowed:
            msg += f" (expected one of: {', '.join(allowed)})"
        return msg
    return f"{at}: {dotted}: {error.get('msg', 'invalid value')}"


def _dotted(keys: tuple[str, ...]) -> str:
    return ".".join(k if re.fullmatch(r"[A-Za-z0-9_\-]+", k) else json.dumps(k, ensure_ascii=False) for k in keys)


def _at(path: Path, line: Optional[int]) -> str:
    return f"{path}:{line}" if line else str(path)


def _check_rules(config: Config, path: Path, locate: "_Locator") -> Config:
    """Rule ids, names, prefixes and options must exist: a typo silently doing nothing is worse."""
    from .registry import lookup

    errors: list[str] = []

    def tokens_ok(tokens, keys: tuple[str, ...]) -> None:
        for t in tokens:
            if not lookup(t):
                errors.append(f"{_at(path, locate.line(keys))}: {_dotted(keys)}: {t!r} names no rule "
                              f"(an id, a name or a family prefix; see `auditor rules`)")

    for field in ("select", "ignore", "extend_select"):
        tokens_ok(getattr(config, field), (field,))
    for glob, tokens in config.per_file_ignores.items():
        tokens_ok(tokens, ("per_file_ignores", glob))

    by_id: dict[str, RuleSection] = {}
    for name, section in config.rules.items():
        found = lookup(name)
        line = locate.line(("rules", name))
        if len(found) != 1 or (found[0].id != name.upper() and name.lower() not in (found[0].name, *found[0].aliases)):
            errors.append(f"{_at(path, line)}: [rules.{name}] names no single rule (use an id or a name; "
                          f"see `auditor rules`)")
            continue
        r = found[0]
        if r.id in by_id:
            errors.append(f"{_at(path, line)}: [rules.{name}] configures {r.id} a second time")
            continue
        for option in section.options:
            if option not in r.options:
                known = ", ".join(sorted(r.options)) or "none"
                errors.append(f"{_at(path, locate.line(('rules', name, 'options', option)))}: "
                              f"[rules.{name}.options] {r.id} has no option {option!r} (its options: {known})")
        by_id[r.id] = section
    from .knowledge.docs_vocabulary import COLUMN_SYNONYMS

    for role in config.docs.synonyms:
        if role not in COLUMN_SYNONYMS:
            import difflib

            hint = difflib.get_close_matches(role, list(COLUMN_SYNONYMS), n=1)
            errors.append(f"{_at(path, locate.line(('docs', 'synonyms', role)))}: [docs.synonyms] unknown role "
                          f"{role!r}" + (f" (did you mean {hint[0]!r}?)" if hint else
                                         f" (roles: {', '.join(sorted(COLUMN_SYNONYMS))})"))
    if errors:
        raise ConfigError("\n".join(errors))
    return config.model_copy(update={"rules": by_id})


# ---------------------------------------------------------------- where a key is written

_KEY = r'(?:[A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_HEADER = re.compile(rf"^\s*\[\[?\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_PART = re.compile(_KEY)


def _split_key(text: str) -> tuple[str, ...]:
    out = []
    for m in _PART.finditer(text):
        part = m.group(0)
        if part[:1] in ('"', "'"):
            part = part[1:-1]
        out.append(part.replace("-", "_"))
    return tuple(out)


class _Locator:
    """Line numbers of TOML keys, by their full dotted path (tables, dotted keys, inline tables)."""

    def __init__(self, text: str, prefix: tuple[str, ...] = ()):
        self.prefix = prefix
        self.lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        in_string: Optional[str] = None
        for number, line in enumerate(text.splitlines(), 1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _HEADER.match(line)
            if header:
                table = _split_key(header.group(1))
                self.lines.setdefault(table, number)
                continue
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            key = table + _split_key(assign.group(1))
            self.lines.setdefault(key, number)
            rest = line[assign.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
            # keys of an inline table on the same line: `EXP005 = { severity = "note" }`
            for inner in re.finditer(rf"[{{,]\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=", rest):
                self.lines.setdefault(key + _split_key(inner.group(1)), number)

    def line(self, keys: tuple[str, ...]) -> Optional[int]:
        want = self.prefix + tuple(k.replace("-", "_") for k in keys)
        for n in range(len(want), len(self.prefix) - 1, -1):
            if want[:n] in self.lines:
                return self.lines[want[:n]]
        return None


def main(argv: Optional[list[str]] = None) -> int:
    """`python -m auditor.config --schema`: print the configuration's JSON Schema;
    `python -m auditor.config --check FILE`: validate a configuration file."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--schema"]:
        sys.stdout.write(render_schema())
        return 0
    if args[:1] == ["--check"] and len(args) == 2:
        try:
            load_config(Path(args[1]))
        except ConfigError as exc:
            print(f"auditor: configuration error: {exc}", file=sys.stderr)
            return 2
        return 0
    print("usage: python -m auditor.config --schema | --check FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

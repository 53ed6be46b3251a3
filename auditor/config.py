"""User configuration: `[tool.auditor]` in pyproject.toml or `.auditor.toml`, found upwards.

Validated by a pydantic model (the JSON Schema in `schemas/` is generated from it); an unknown
key is a `ConfigError` naming the key and the file, which the cli turns into exit 2.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Severity = Literal["error", "warning", "note"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComposeSection(_Section):
    env_files: tuple[str, ...] = Field(
        default=(".env",),
        description="Env files that feed compose interpolation, relative to each project's "
        "directory (what `docker compose --env-file` would be given).",
    )


class RuleSection(_Section):
    severity: Optional[Severity] = None
    options: dict[str, object] = Field(default_factory=dict)


class HostsSection(_Section):
    public_addresses: tuple[str, ...] = Field(
        default=(), description="Public IPs or hostnames of the host that runs the stack."
    )
    external: tuple[str, ...] = Field(
        default=(), description="Hostnames served elsewhere, never by this repo's nginx."
    )


class DocsSection(_Section):
    synonyms: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Extra docs column headers per fact (e.g. host_port)."
    )


class LimitsSection(_Section):
    max_file_bytes: int = 5 * 1024 * 1024
    max_files: int = 20_000


class Config(_Section):
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    fail_on: Optional[Literal["error", "warning", "note", "never"]] = None
    per_file_ignores: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    rules: dict[str, RuleSection] = Field(default_factory=dict)
    compose: ComposeSection = ComposeSection()
    hosts: HostsSection = HostsSection()
    docs: DocsSection = DocsSection()
    limits: LimitsSection = LimitsSection()


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names file and key."""


def find_config(start: Path) -> Optional[Path]:
    """`.auditor.toml`, or a pyproject.toml with [tool.auditor], in `start` or a parent."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / ".auditor.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data.get("tool"), dict) and "auditor" in data["tool"]:
                return pyproject
    return None


def load_config(path: Optional[Path]) -> Config:
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot be read as TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("auditor", {})
    data = {k.replace("-", "_"): v for k, v in data.items()}
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        line = _line_of_key(text, str(first["loc"][-1]) if first["loc"] else "")
        at = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{at}: {where}: {first['msg']}") from None


def _line_of_key(text: str, key: str) -> Optional[int]:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith((key, key.replace("_", "-"))) and "=" in stripped:
            return number
    return None

"""The configuration's schema as pydantic models: the JSON Schema and the messages of invalid files.

Imported only when needed (`--schema`, or a file the strict reader in `auditor.config` does not
accept as it stands): pydantic and its model building cost more than a whole small check. The
plain objects a run uses are in `auditor.config`; a test keeps the two field by field equal.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "note"]
FailOn = Literal["error", "warning", "note", "never"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComposeSection(_Section):
    env_files: tuple[str, ...] = Field(
        default=(".env",),
        description="Env files that feed compose interpolation, relative to each project's "
        "directory (what `docker compose --env-file` would be given).",
    )


class RuleSection(_Section):
    severity: Optional[Severity] = Field(default=None, description="Replaces the rule's default severity.")
    options: dict[str, Any] = Field(
        default_factory=dict, description="The rule's options (see `auditor explain ID`); unknown names are errors."
    )


class HostsSection(_Section):
    public_addresses: tuple[str, ...] = Field(
        default=(), description="Public IPs or hostnames of the host that runs the stack (URL004, EXP rules)."
    )
    external: tuple[str, ...] = Field(
        default=(), description="Hostnames served elsewhere: a URL to one of them is never judged "
        "against this repo's nginx, even when a server_name matches (URL002).",
    )
    groups: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Named hosts, each with the folders (or globs) whose compose projects and nginx "
        "configurations run on it together, e.g. server = [\".\", \"monitoring\"]. Without it, "
        "projects of different folders share a host only on evidence (a host nginx routing to both, "
        "a network joined by name, a shared env file, one docs file describing both).",
    )
    independent: tuple[str, ...] = Field(
        default=(), description="Folders (or globs) of examples that each run alone: nothing "
        "inferred puts a project there on a host with another project.",
    )


class DocsSection(_Section):
    synonyms: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Extra docs table column headers per role (host_port, container_port, port, service, "
        "container, route, destination, destination_port, domain, listen_port, variable, value), "
        "e.g. host_port = [\"Port Hôte\"]: the docs-drift rule (DRF001) then reads such columns.",
    )


class LimitsSection(_Section):
    max_file_bytes: int = Field(default=5 * 1024 * 1024, gt=0, description="Larger files are skipped (AUD002).")
    max_files: int = Field(default=20_000, gt=0, description="At most this many input files are read.")


class Config(_Section):
    """The `[tool.auditor]` table of pyproject.toml, or the whole of `.auditor.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="auditor configuration")

    include: tuple[str, ...] = Field(
        default=(), description="Only files matching one of these globs are read.")
    exclude: tuple[str, ...] = Field(
        default=(), description="Files (path or file name) matching these globs are not read.")
    select: tuple[str, ...] = Field(
        default=(), description="Only these rules: ids, names or family prefixes (default: all).")
    ignore: tuple[str, ...] = Field(
        default=(), description="Never these rules: ids, names or family prefixes.")
    extend_select: tuple[str, ...] = Field(
        default=(), description="Add these rules to the selection.")
    fail_on: Optional[FailOn] = Field(
        default=None, description="Lowest severity that makes the exit code 1 (default error).")
    baseline: Optional[str] = Field(
        default=None, description="Baseline file (from `auditor baseline`): its findings are not reported."
    )
    per_file_ignores: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Glob → rules (ids, names or prefixes) not reported in matching files."
    )
    rules: dict[str, RuleSection] = Field(
        default_factory=dict, description="Per rule (id or name): severity and options."
    )
    compose: ComposeSection = ComposeSection()
    hosts: HostsSection = HostsSection()
    docs: DocsSection = DocsSection()
    limits: LimitsSection = LimitsSection()


def json_schema() -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **Config.model_json_schema()}

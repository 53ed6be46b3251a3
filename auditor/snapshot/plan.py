"""What to capture: the compose projects, nginx instances and security groups the repository
declares, read from its graph. Only these are asked about, so the snapshot holds the state of
this stack, not of everything else the host or account runs."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..graph.model import Graph

_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
# Names written as expressions (Terraform `var.x`, `${...}`, CloudFormation `!Ref`) are not the
# group's name in the account.
_LITERAL_NAME = re.compile(r"^[A-Za-z0-9 ._\-:/()#@\[\]+=&;{}!$*]{1,255}$")


@dataclass(frozen=True)
class ComposeService:
    project: str  # the compose project name (`com.docker.compose.project`)
    service: str
    container_name: str = ""


@dataclass
class Plan:
    projects: list[str] = field(default_factory=list)
    nginx_on_host: bool = False  # an nginx config of the repo runs on the host (or nobody says where)
    nginx_in: list[ComposeService] = field(default_factory=list)  # ... or in these compose services
    group_ids: list[str] = field(default_factory=list)
    group_names: list[str] = field(default_factory=list)  # groups known by name only


def plan_of(graph: Graph) -> Plan:
    plan = Plan()
    plan.projects = sorted({p.name for p in graph.projects if p.name})
    services: dict[str, ComposeService] = {}
    for config in graph.nginx:
        s = graph.service(config.runs_in) if config.runs_in else None
        project = graph.project_of(config.runs_in) if config.runs_in else None
        if s is None or project is None or config.runs_in_host_network:
            plan.nginx_on_host = True
        else:
            services[f"{project.name}/{s.name}"] = ComposeService(project.name, s.name, s.container_name or "")
    plan.nginx_in = [services[k] for k in sorted(services)]
    ids = {r.group_id for r in graph.sg_rules if _GROUP_ID.match(r.group_id)}
    named = {r.group_name for r in graph.sg_rules
             if not _GROUP_ID.match(r.group_id) and r.group_name and _literal(r.group_name)}
    plan.group_ids = sorted(ids)
    plan.group_names = sorted(named)
    return plan


def _literal(name: str) -> bool:
    return bool(_LITERAL_NAME.match(name)) and "${" not in name and not name.startswith(
        ("var.", "local.", "aws_", "module.", "data.", "!"))

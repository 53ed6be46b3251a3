"""Compose's merge semantics: files in canonical per-service form (`_Partial`), the `!reset`
and `!override` markers, merging one file onto the previous ones, and freezing the result into
model objects (repeated entries folded as compose folds them)."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from ...model import Dependency, Healthcheck, PortMapping, Service, ServiceNetwork

class _Reset:
    """`!reset`: the field (or service) is removed by the file that says so."""


_RESET = _Reset()


class _Override:
    """`!override`: the value replaces the earlier one instead of merging with it."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value



class _Partial:
    """A file's (or several merged files') content in canonical form."""

    __slots__ = ("name", "services", "networks", "volumes", "secrets", "shared_networks")

    def __init__(self) -> None:
        self.name: Optional[str] = None
        self.services: dict[str, Any] = {}  # name -> fields dict, or _RESET
        self.networks: dict[str, None] = {}
        self.volumes: dict[str, None] = {}
        self.secrets: dict[str, None] = {}
        # networks other projects can join: `external: true` or an explicit `name:` (real name),
        # each with whether this project creates it (`name:` without `external`)
        self.shared_networks: dict[str, bool] = {}

    def merge(self, other: "_Partial") -> None:
        if other.name:
            self.name = other.name
        for name, svc in other.services.items():
            if svc is _RESET:
                self.services.pop(name, None)
            elif isinstance(svc, _Override):
                self.services[name] = _strip_markers(svc.value)
            elif name in self.services and self.services[name] is not _RESET:
                self.services[name] = _merge_service(self.services[name], svc)
            else:
                self.services[name] = _strip_markers(svc)
        self.networks.update(other.networks)
        self.volumes.update(other.volumes)
        self.secrets.update(other.secrets)
        self.shared_networks.update(other.shared_networks)



# ================================================================ merging


def _strip_markers(svc: dict) -> dict:
    """A service first seen: `!override` values are plain values, `!reset` fields absent."""
    return {k: (v.value if isinstance(v, _Override) else v) for k, v in svc.items() if v is not _RESET}


def _merge_service(base: dict, over: dict) -> dict:
    """compose's merge of service `over` onto `base` (neither is modified)."""
    merged = dict(base)
    for key, value in over.items():
        if key == "_loc":
            continue
        if value is _RESET:
            merged.pop(key, None)
        elif isinstance(value, _Override) or key not in merged:
            merged[key] = value.value if isinstance(value, _Override) else value
        else:
            merged[key] = _MERGERS.get(key, _replace)(merged[key], value)
    return merged


def _replace(_old: Any, new: Any) -> Any:
    return new


def _append(old: list, new: list) -> list:
    return old + new


def _update(old: dict, new: dict) -> dict:
    return {**old, **new}


def _merge_depends(old: dict, new: dict) -> dict:
    out = dict(old)
    for name, entry in new.items():
        out[name] = {**out[name], **entry} if name in out else entry
    return out


def _merge_healthcheck(old: dict, new: dict) -> dict:
    return {**old, **new}


def _merge_networks(old: dict, new: dict) -> dict:
    out = dict(old)
    for name, entry in new.items():
        if name in out:
            merged = {**out[name], **entry}
            if "aliases" in out[name] and "aliases" in entry:
                merged["aliases"] = out[name]["aliases"] + entry["aliases"]
            out[name] = merged
        else:
            out[name] = entry
    return out


_MERGERS = {
    "build": _update,
    "profiles": _append,
    "ports": _append,
    "expose": _append,
    "depends_on": _merge_depends,
    "healthcheck": _merge_healthcheck,
    "environment": _update,
    "env_file": _append,
    "networks": _merge_networks,
    "volumes": _append,
    "secrets": _append,
}


# ================================================================ freezing


def _unique(items: Iterable[Any], key=lambda x: x) -> list:
    """compose's unicity: a repeated key keeps the first position and the last value."""
    out: list = []
    where: dict[Any, int] = {}
    for item in items:
        k = key(item)
        if k in where:
            out[where[k]] = item
        else:
            where[k] = len(out)
            out.append(item)
    return out


_FOLD_PER_PORT = 1024


def _unique_ports(ports: list[PortMapping]) -> list[PortMapping]:
    """Ports folded as compose folds them, per container port (an unset host IP is 0.0.0.0)."""
    def keys(p: PortMapping) -> list[tuple]:
        published = p.published_range
        out = []
        t0, t1 = p.target_range
        if t1 - t0 >= _FOLD_PER_PORT:
            # A wide range is folded only with an identical entry: port by port, 120 entries of
            # `1-65535` would cost millions of keys (and gigabytes).
            return [(p.host_ip or "0.0.0.0", published, (t0, t1), p.protocol)]
        for i in range(t1 - t0 + 1):
            pub = None if published is None else (
                published if t0 == t1 else (p.host_port(t0 + i),) * 2)
            out.append((p.host_ip or "0.0.0.0", pub, t0 + i, p.protocol))
        return out

    out: list[PortMapping] = []
    where: dict[tuple, int] = {}  # per-port key -> index in out
    whole: dict[tuple, int] = {}  # all keys of an entry -> its index
    for p in ports:
        ks = tuple(keys(p))
        if ks in whole:
            out[whole[ks]] = p  # the same ports again: last wins, first position
        elif all(k in where for k in ks):
            continue  # each of its ports is already published the same way by other entries
        else:
            whole[ks] = len(out)
            for k in ks:
                where.setdefault(k, len(out))
            out.append(p)
    return out


def _freeze_service(name: str, project_id: str, f: dict) -> Service:
    deps = []
    for dep_name, entry in (f.get("depends_on") or {}).items():
        deps.append(Dependency(
            service=dep_name, condition=entry.get("condition", "service_started"),
            required=entry.get("required", True), restart=entry.get("restart", False), loc=entry["_loc"],
        ))
    health = None
    hc = f.get("healthcheck")
    if hc is not None:
        test = tuple(hc.get("test", ()))
        health = Healthcheck(test=test, disable=bool(hc.get("disable")) or test[:1] == ("NONE",), loc=hc["_loc"])
    networks = tuple(
        ServiceNetwork(name=n, aliases=tuple(dict.fromkeys(e.get("aliases", ()))), ipv4_address=e.get("ipv4_address"))
        for n, e in (f.get("networks") or {}).items()
    )
    build = f.get("build")
    return Service(
        name=name,
        project=project_id,
        image=f.get("image"),
        build=(build.get("context") or ".") if isinstance(build, dict) else None,
        container_name=f.get("container_name"),
        hostname=f.get("hostname"),
        profiles=tuple(dict.fromkeys(f.get("profiles") or ())),
        ports=tuple(_unique_ports(f.get("ports") or [])),
        expose=tuple(dict.fromkeys(f.get("expose") or ())),
        depends_on=tuple(deps),
        healthcheck=health,
        environment=tuple((f.get("environment") or {}).values()),
        env_files=tuple(_unique(f.get("env_file") or [], key=lambda e: e.path)),
        networks=networks,
        network_mode=f.get("network_mode"),
        volumes=tuple(_unique(f.get("volumes") or [], key=lambda m: m.target)),
        secrets=tuple(dict.fromkeys(f.get("secrets") or ())),
        command=tuple(f.get("command") or ()),
        loc=f["_loc"],
    )


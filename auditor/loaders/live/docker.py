"""Running containers and their published ports, from Docker's own JSON output.

- `docker compose ps --format json`: a JSON array (Compose before 2.21) or one object per line
  (JSON Lines, since 2.21); ports in `Publishers` (`PublishedPort` 0: exposed only), else in the
  `Ports` text.
- `docker ps --format json` / `'{{json .}}'`: one object per line, `Names`, `Labels` and `Ports`
  as text (`0.0.0.0:8000->8000/tcp, :::8000->8000/tcp`).
- `docker inspect`: an array of objects; bindings in `NetworkSettings.Ports` (what is bound now),
  or `HostConfig.PortBindings` for a container that is not running.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from ...model import LiveContainer, LivePort, LoadProblem, Loc
from ..source.json import JsonDoc, PosDict

_PORTS_TEXT = re.compile(
    r"^(?:(?P<ip>\[[0-9A-Fa-f:.]*\]|[0-9A-Fa-f:.]*?):)?(?P<pub>\d+)(?:-(?P<pub_end>\d+))?"
    r"->(?P<target>\d+)(?:-(?P<target_end>\d+))?/(?P<proto>tcp|udp|sctp)$")
_PORT_KEY = re.compile(r"^(?P<port>\d+)(?:/(?P<proto>tcp|udp|sctp))?$")
_MAX_RANGE = 1024


def _problem(message: str, loc: Loc) -> LoadProblem:
    return LoadProblem(rule="AUD001", message=f"live snapshot: {message}", loc=loc)


def parse_containers(path: str, docs: list[JsonDoc]) -> tuple[list[LiveContainer], list[LoadProblem], str]:
    """Containers of the documents; the format recognised ("ps", "inspect") or "" for none."""
    items: list[tuple[JsonDoc, Any]] = []
    for doc in docs:
        value = doc.value
        items.extend((doc, v) for v in (value if isinstance(value, list) else [value]))
    objects = [(d, v) for d, v in items if isinstance(v, PosDict)]
    if not items:
        return [], [], ""
    if any(("NetworkSettings" in v or "HostConfig" in v) for _, v in objects):
        kind = "inspect"
    elif any(k in v for _, v in objects for k in ("Publishers", "Service", "Names", "Ports", "State")):
        kind = "ps"
    else:
        return [], [], ""
    containers: list[LiveContainer] = []
    problems: list[LoadProblem] = []
    for doc, v in items:
        if not isinstance(v, PosDict):
            problems.append(_problem("a container entry should be an object", doc.loc(v) if v is not None
                                     else Loc(path=path)))
            continue
        c = _inspect(doc, v, problems) if kind == "inspect" else _ps(doc, v, problems)
        if c is not None:
            containers.append(c)
    return containers, problems, kind


def _text(doc: JsonDoc, obj: PosDict, key: str, problems: list[LoadProblem]) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    problems.append(_problem(f"{key} should be a string", doc.member_loc(obj, key)))
    return ""


def _labels_text(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        k, sep, v = part.partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


# ---------------------------------------------------------------- compose ps / docker ps


def _ps(doc: JsonDoc, obj: PosDict, problems: list[LoadProblem]) -> Optional[LiveContainer]:
    name = _text(doc, obj, "Name", problems) or _text(doc, obj, "Names", problems).split(",")[0]
    labels = obj.get("Labels")
    labels = _labels_text(labels) if isinstance(labels, str) else (labels if isinstance(labels, dict) else {})
    service = _text(doc, obj, "Service", problems) or str(labels.get("com.docker.compose.service", ""))
    project = _text(doc, obj, "Project", problems) or str(labels.get("com.docker.compose.project", ""))
    if not name and not service:
        problems.append(_problem("container without Name or Service", doc.loc(obj)))
        return None
    state = _text(doc, obj, "State", problems).lower()
    ports: list[LivePort] = []
    publishers = obj.get("Publishers")
    if publishers is not None:
        if not isinstance(publishers, list):
            problems.append(_problem("Publishers should be a list", doc.member_loc(obj, "Publishers")))
        else:
            for i, p in enumerate(publishers):
                port = _publisher(doc, obj, i, p, problems)
                if port is not None:
                    ports.append(port)
    else:
        ports.extend(_ports_text(doc, obj, problems))
    return LiveContainer(name=name or service, service=service, project=project, state=state,
                         ports=tuple(_unique(ports)), loc=doc.loc(obj))


def _publisher(doc: JsonDoc, parent: PosDict, i: int, p: Any, problems: list[LoadProblem]) -> Optional[LivePort]:
    if not isinstance(p, PosDict):
        problems.append(_problem("a Publishers entry should be an object", doc.item_loc(parent, "Publishers", i)))
        return None
    published, target = p.get("PublishedPort"), p.get("TargetPort")
    for key, value in (("PublishedPort", published), ("TargetPort", target)):
        if not _port_number(value, zero=key == "PublishedPort"):
            problems.append(_problem(f"{key} should be a port number", doc.member_loc(p, key)))
            return None
    if published == 0:
        return None  # exposed, not published
    protocol = str(p.get("Protocol") or "tcp").lower()
    if protocol not in ("tcp", "udp", "sctp"):
        problems.append(_problem("Protocol should be tcp, udp or sctp", doc.member_loc(p, "Protocol")))
        return None
    url = p.get("URL")
    return LivePort(host_ip=url.strip("[]") if isinstance(url, str) else "", published=published,
                    target=target, protocol=protocol, loc=doc.loc(p))  # type: ignore[arg-type]


def _ports_text(doc: JsonDoc, obj: PosDict, problems: list[LoadProblem]) -> list[LivePort]:
    text = obj.get("Ports")
    if text is None or text == "":
        return []
    if not isinstance(text, str):
        problems.append(_problem("Ports should be a string", doc.member_loc(obj, "Ports")))
        return []
    loc = doc.member_loc(obj, "Ports")
    out: list[LivePort] = []
    for part in (p.strip() for p in text.split(",")):
        if not part or "->" not in part:
            continue  # `8000/tcp`: exposed only
        m = _PORTS_TEXT.match(part)
        if m is None:
            problems.append(_problem(f"port {part[:60]!r} not understood", loc))
            continue
        pub, target = int(m["pub"]), int(m["target"])
        pub_end = int(m["pub_end"] or pub)
        if not (0 < pub <= pub_end <= 65535 and 0 < target <= 65535) or pub_end - pub > _MAX_RANGE:
            problems.append(_problem(f"port {part[:60]!r} out of range", loc))
            continue
        ip = (m["ip"] or "").strip("[]")
        for k in range(pub_end - pub + 1):
            out.append(LivePort(host_ip=ip, published=pub + k, target=target + k,
                                protocol=m["proto"], loc=loc))  # type: ignore[arg-type]
    return out


# ---------------------------------------------------------------- docker inspect


def _inspect(doc: JsonDoc, obj: PosDict, problems: list[LoadProblem]) -> Optional[LiveContainer]:
    name = _text(doc, obj, "Name", problems).lstrip("/")
    config = obj.get("Config") if isinstance(obj.get("Config"), PosDict) else PosDict()
    labels = config.get("Labels") if isinstance(config.get("Labels"), dict) else {}
    state_obj = obj.get("State")
    state = ""
    if isinstance(state_obj, PosDict):
        state = str(state_obj.get("Status") or ("running" if state_obj.get("Running") else "")).lower()
    if not name:
        problems.append(_problem("container without Name", doc.loc(obj)))
        return None
    network = obj.get("NetworkSettings")
    host = obj.get("HostConfig")
    bound = network.get("Ports") if isinstance(network, PosDict) else None
    declared = host.get("PortBindings") if isinstance(host, PosDict) else None
    source = bound if state in ("running", "") and isinstance(bound, PosDict) else declared
    ports: list[LivePort] = []
    if source is not None and not isinstance(source, PosDict):
        problems.append(_problem("port bindings should be an object", doc.loc(obj)))
    elif source is not None:
        for key, bindings in source.items():
            ports.extend(_bindings(doc, source, key, bindings, problems))
    return LiveContainer(name=name, service=str(labels.get("com.docker.compose.service", "")),
                         project=str(labels.get("com.docker.compose.project", "")), state=state,
                         ports=tuple(_unique(ports)), loc=doc.loc(obj))


def _bindings(doc: JsonDoc, parent: PosDict, key: str, bindings: Any,
              problems: list[LoadProblem]) -> list[LivePort]:
    m = _PORT_KEY.match(key)
    if m is None or not 0 < int(m["port"]) <= 65535:
        problems.append(_problem(f"port key {key[:40]!r} should look like 8000/tcp", doc.loc(parent)))
        return []
    if bindings is None:
        return []  # exposed, not published
    if not isinstance(bindings, list):
        problems.append(_problem(f"bindings of {key[:40]} should be a list", doc.member_loc(parent, key)))
        return []
    out = []
    for b in bindings:
        if not isinstance(b, PosDict):
            problems.append(_problem(f"a binding of {key[:40]} should be an object", doc.member_loc(parent, key)))
            continue
        host_port = b.get("HostPort")
        text = str(host_port) if isinstance(host_port, (str, int)) and not isinstance(host_port, bool) else None
        if text == "":
            continue  # an ephemeral port that is not bound (container not running)
        if text is None or not (text.isascii() and text.isdigit()) or not 0 < int(text) <= 65535:
            problems.append(_problem("HostPort should be a port number", doc.loc(b)))
            continue
        ip = b.get("HostIp")
        out.append(LivePort(host_ip=ip.strip("[]") if isinstance(ip, str) else "", published=int(text),
                            target=int(m["port"]), protocol=(m["proto"] or "tcp"), loc=doc.loc(b)))  # type: ignore[arg-type]
    return out


def _port_number(value: Any, zero: bool = False) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (0 if zero else 1) <= value <= 65535


def _unique(ports: list[LivePort]) -> list[LivePort]:
    seen = set()
    out = []
    for p in ports:
        k = (p.host_ip, p.published, p.target, p.protocol)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out

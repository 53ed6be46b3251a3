"""One compose file's services read into canonical fields: every short syntax turned into its
long form, every element keeping its location, wrong shapes reported as AUD001."""
from __future__ import annotations

import math
import re
import shlex
from decimal import Decimal
from typing import Any, Callable, Optional, Protocol, TypeVar

from ...model import EnvEntry, EnvFileRef, Loc, Mount, PortMapping
from ...reader import Reader
from ..source.yaml import YList, YMap
from .merge import _RESET, _Override, _Partial
from .ports import parse_port

T = TypeVar("T")

CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")
MOUNT_TYPES = ("bind", "volume", "tmpfs", "npipe", "cluster", "image")
_TRUE = {"y", "yes", "true", "on"}
_FALSE = {"n", "no", "false", "off"}
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")


def env_value(value: Any) -> Optional[str]:
    """A YAML scalar as compose turns it into an environment string (true -> "true", 1.0 -> "1")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return value
    return None


def _go_float(f: float) -> str:
    """Go's %v for a float64: shortest digits, exponent form below 1e-4 or from 1e6 (1e+06)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign, digit_tuple, exp = Decimal(repr(f)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    exp += len(digit_tuple) - len(digits)
    point = len(digits) - 1 + int(exp)  # decimal exponent of the first digit
    prefix = "-" if sign else ""
    if point < -4 or point >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if point < 0 else '+'}{abs(point):02d}"
    if point < 0:
        return f"{prefix}0.{'0' * (-point - 1)}{digits}"
    whole, frac = digits[: point + 1].ljust(point + 1, "0"), digits[point + 1:]
    return f"{prefix}{whole}{'.' + frac if frac else ''}"



def _shared_networks(networks: dict) -> list[tuple[str, bool]]:
    """Real names of the networks another project can share: declared `external` (the
    legacy `external: {name: x}` too) or given an explicit `name:`; each with whether this
    project creates it (a `name:` without `external`). A `name:` that interpolates to nothing
    names no network anybody can know."""
    out = []
    for key, spec in networks.items():
        if not isinstance(spec, dict):
            continue
        external, name = spec.get("external"), spec.get("name")
        if isinstance(external, dict) and isinstance(external.get("name"), str):
            name = external["name"]
        if isinstance(name, str) and not name:
            continue
        if external is True or isinstance(external, dict) or isinstance(name, str):
            owned = not (external is True or isinstance(external, dict))
            out.append((str(name) if isinstance(name, str) and name else str(key), owned))
    return out


class ProjectContext(Protocol):
    """What reading one file needs from the project being loaded (project.py's `_ProjectLoad`):
    its reader, where problems go, and loading an `include` into the file's partial result."""

    reader: Reader

    def problem(self, rule: str, message: str, loc: Loc) -> None: ...

    def include(self, entry: Any, loc: Loc, base_dir: str, into: _Partial) -> None: ...


class _FileReader:
    """Reads one interpolated document into a `_Partial`, reporting wrong shapes as AUD001."""

    def __init__(self, load: ProjectContext, path: str, base_dir: str):
        self.load = load
        self.reader = load.reader
        self.path = path
        self.base_dir = base_dir

    def bad(self, message: str, loc: Loc) -> None:
        if self.load.unset_at(loc):
            # built from a variable that is unset until deploy time (`${CODE}:/var/www` with
            # CODE in .env.example): ENV002 names the variable; its shape is not known yet
            return
        self.load.problem("AUD001", message, loc)

    def document(self, doc: YMap) -> _Partial:
        partial = _Partial()
        name = doc.get("name")
        if isinstance(name, (str, int)) and not isinstance(name, bool) and str(name):
            partial.name = str(name)
        for section, target in (("networks", partial.networks), ("volumes", partial.volumes),
                                ("secrets", partial.secrets)):
            value = doc.get(section)
            if isinstance(value, dict):
                target.update((str(k), None) for k in value)
                if section == "networks":
                    partial.shared_networks.update(_shared_networks(value))
            elif value is not None:
                self.bad(f"`{section}` must be a mapping", doc.value_loc(section))
        if "services" in doc:
            services = doc["services"]
            if isinstance(services, YMap):
                for key, svc in services.items():
                    self.service(partial, services, key, svc)
            else:
                self.bad("`services` must be a mapping of service names to definitions", doc.value_loc("services"))
        includes = doc.get("include")
        if isinstance(includes, YList):
            for i, entry in enumerate(includes):
                self.load.include(entry, includes.item_loc(i), self.base_dir, partial)
        elif includes is not None:
            self.bad("`include` must be a list", doc.value_loc("include"))
        return partial

    def service(self, partial: _Partial, services: YMap, key: Any, svc: Any) -> None:
        name = str(key)
        loc = services.key_loc(key)
        tag = services.value_tag(key)
        if tag == "!reset":
            partial.services[name] = _RESET
            return
        if not isinstance(svc, YMap):
            self.bad(f"service {name!r} must be a mapping", loc)
            return
        fields: dict[str, Any] = {"_loc": loc}
        partial.services[name] = _Override(fields) if tag == "!override" else fields
        for field, value in svc.items():
            reader = _FIELDS.get(field)
            if reader is None:
                continue
            vtag = svc.value_tag(field)
            if vtag == "!reset":
                fields[field] = _RESET
                continue
            parsed = reader(self, svc, field, value)
            if field == "extends":
                field = "_extends"  # applied after merging, never merged itself
            if parsed is not None:
                fields[field] = _Override(parsed) if vtag == "!override" else parsed

    # -- field readers (each returns the canonical value or None to skip) ------

    def string(self, svc: YMap, field: str, value: Any) -> Optional[str]:
        if value is None:
            return None
        text = env_value(value)
        if text is None:
            self.bad(f"`{field}` must be a string", svc.value_loc(field))
        return text

    def build(self, svc: YMap, field: str, value: Any) -> Optional[dict]:
        if isinstance(value, str):
            return {"context": value}
        if isinstance(value, YMap):
            context = value.get("context")
            return {"context": context} if isinstance(context, str) else {}
        if value is not None:
            self.bad("`build` must be a path or a mapping", svc.value_loc(field))
        return None

    def _list(self, svc: YMap, field: str, value: Any,
              entry: Callable[[Any, YList, int], Optional[T]]) -> Optional[list[T]]:
        """A list field: None when absent (or reported when not a list), else what `entry`
        reads of each item, in order; an item it returns None for is left out (it reports why)."""
        if value is None:
            return None
        if not isinstance(value, YList):
            self.bad(f"`{field}` must be a list", svc.value_loc(field))
            return None
        return [found for i, item in enumerate(value) if (found := entry(item, value, i)) is not None]

    def strings(self, svc: YMap, field: str, value: Any) -> Optional[list[str]]:
        def entry(item: Any, items: YList, i: int) -> Optional[str]:
            text = env_value(item)
            if text is None or isinstance(item, bool):
                self.bad(f"`{field}` entries must be strings", items.item_loc(i))
                return None
            return text
        return self._list(svc, field, value, entry)

    def ports(self, svc: YMap, field: str, value: Any) -> Optional[list[PortMapping]]:
        def entry(item: Any, items: YList, i: int) -> Optional[PortMapping]:
            loc = items.item_loc(i)
            raw = items.raw(i)
            port = parse_port(item, loc, raw if raw is not None else ("" if isinstance(item, dict) else None))
            if not isinstance(port, str):
                return port
            if not _broken_by_values(raw):
                self.bad(port, loc)
            return None
        return self._list(svc, field, value, entry)

    def expose(self, svc: YMap, field: str, value: Any) -> Optional[list[int]]:
        def entry(item: Any, items: YList, i: int) -> Optional[tuple[int, int]]:
            span = _expose_span(item)
            if span is None:
                self.bad(f"invalid `expose` entry {item!r}", items.item_loc(i))
            return span
        spans = self._list(svc, field, value, entry)
        return None if spans is None else _union(spans)

    def depends_on(self, svc: YMap, field: str, value: Any) -> Optional[dict]:
        if value is None:
            return None
        out: dict[str, dict] = {}
        if isinstance(value, YList):
            for i, item in enumerate(value):
                if not isinstance(item, str) or not item:
                    self.bad("`depends_on` entries must be service names", value.item_loc(i))
                    continue
                out[item] = {"condition": "service_started", "required": True, "_loc": value.item_loc(i)}
            return out
        if not isinstance(value, YMap):
            self.bad("`depends_on` must be a list or a mapping", svc.value_loc(field))
            return None
        for key, spec in value.items():
            loc = value.key_loc(key)
            if not isinstance(key, str) or not key:
                self.bad("`depends_on` keys must be service names", loc)
                continue
            if spec is None:
                out[key] = {"_loc": loc}
                continue
            if not isinstance(spec, YMap):
                self.bad(f"`depends_on.{key}` must be a mapping", value.value_loc(key))
                continue
            entry: dict[str, Any] = {"_loc": loc}
            condition = spec.get("condition")
            if condition is not None:
                if condition not in CONDITIONS:
                    self.bad(f"unknown depends_on condition {condition!r} (one of {', '.join(CONDITIONS)})",
                             spec.value_loc("condition"))
                else:
                    entry["condition"] = condition
            for flag in ("required", "restart"):
                if flag in spec:
                    parsed = _bool(spec[flag])
                    if parsed is None:
                        self.bad(f"`{flag}` must be true or false", spec.value_loc(flag))
                    else:
                        entry[flag] = parsed
            out[key] = entry
        return out

    def healthcheck(self, svc: YMap, field: str, value: Any) -> Optional[dict]:
        if value is None:
            return None
        if not isinstance(value, YMap):
            self.bad("`healthcheck` must be a mapping", svc.value_loc(field))
            return None
        out: dict[str, Any] = {"_loc": svc.key_loc(field)}
        test = value.get("test")
        if isinstance(test, str):
            out["test"] = ("CMD-SHELL", test)
        elif isinstance(test, YList):
            out["test"] = tuple(env_value(t) or "" for t in test)
        elif test is not None:
            self.bad("`healthcheck.test` must be a string or a list", value.value_loc("test"))
        if "disable" in value:
            disable = _bool(value["disable"])
            if disable is None:
                self.bad("`healthcheck.disable` must be true or false", value.value_loc("disable"))
            else:
                out["disable"] = disable
        return out

    def environment(self, svc: YMap, field: str, value: Any) -> Optional[dict[str, EnvEntry]]:
        if value is None:
            return None
        out: dict[str, EnvEntry] = {}
        if isinstance(value, YMap):
            for key, v in value.items():
                loc = value.key_loc(key)
                text = env_value(v)
                if v is not None and text is None:
                    self.bad(f"environment value of {key!r} must be a scalar", value.value_loc(key))
                    continue
                out[str(key)] = EnvEntry(key=str(key), value=text, loc=loc)
            return out
        if isinstance(value, YList):
            for i, item in enumerate(value):
                loc = value.item_loc(i)
                text = env_value(item)
                key, eq, val = (text or "").partition("=")
                if not key:
                    self.bad("`environment` entries must be KEY=VALUE strings", loc)
                    continue
                out[key] = EnvEntry(key=key, value=val if eq else None, loc=loc)
            return out
        self.bad("`environment` must be a mapping or a list", svc.value_loc(field))
        return None

    def env_file(self, svc: YMap, field: str, value: Any) -> Optional[list[EnvFileRef]]:
        if value is None:
            return None
        if isinstance(value, str):
            return [self._env_ref(value, True, svc.value_loc(field))]
        if not isinstance(value, YList):
            self.bad("`env_file` must be a path or a list", svc.value_loc(field))
            return None
        out = []
        for i, item in enumerate(value):
            loc = value.item_loc(i)
            if isinstance(item, str):
                out.append(self._env_ref(item, True, loc))
            elif isinstance(item, YMap) and isinstance(item.get("path"), str):
                required = _bool(item.get("required", True))
                if required is None:
                    self.bad("`required` must be true or false", item.value_loc("required"))
                    required = True
                out.append(self._env_ref(item["path"], required, loc))
            else:
                self.bad("`env_file` entries must be paths or {path, required}", loc)
        return out

    def _env_ref(self, path: str, required: bool, loc: Loc) -> EnvFileRef:
        rel = self.reader.resolve(self.base_dir, path) if path else None
        return EnvFileRef(path=rel if rel is not None else path, required=required, loc=loc)

    def networks(self, svc: YMap, field: str, value: Any) -> Optional[dict[str, dict]]:
        if value is None:
            return None
        out: dict[str, dict] = {}
        if isinstance(value, YList):
            for i, item in enumerate(value):
                if isinstance(item, str) and item:
                    out[item] = {}
                else:
                    self.bad("`networks` entries must be network names", value.item_loc(i))
            return out
        if not isinstance(value, YMap):
            self.bad("`networks` must be a list or a mapping", svc.value_loc(field))
            return None
        for key, spec in value.items():
            entry: dict[str, Any] = {}
            if isinstance(spec, YMap):
                aliases = spec.get("aliases")
                if isinstance(aliases, YList):
                    entry["aliases"] = [a for a in (env_value(x) for x in aliases) if a]
                elif aliases is not None:
                    self.bad("`aliases` must be a list", spec.value_loc("aliases"))
                ipv4 = spec.get("ipv4_address")
                if isinstance(ipv4, str):
                    entry["ipv4_address"] = ipv4
            elif spec is not None:
                self.bad(f"`networks.{key}` must be a mapping", value.value_loc(key))
                continue
            out[str(key)] = entry
        return out

    def volumes(self, svc: YMap, field: str, value: Any) -> Optional[list[Mount]]:
        def entry(item: Any, items: YList, i: int) -> Optional[Mount]:
            loc = items.item_loc(i)
            mount = self._mount(item, loc)
            if isinstance(mount, str):
                self.bad(mount, loc)
                return None
            return mount
        return self._list(svc, field, value, entry)

    def _mount(self, spec: Any, loc: Loc) -> "Mount | str":
        if isinstance(spec, str):
            parts = spec.split(":")
            if len(parts) > 1 and _WINDOWS_DRIVE.match(spec):
                parts = [parts[0] + ":" + parts[1]] + parts[2:]
            if len(parts) == 1:
                source, target, mode = "", parts[0], ""
            elif len(parts) == 2:
                source, target, mode = parts[0], parts[1], ""
            elif len(parts) == 3:
                source, target, mode = parts
            else:
                return f"invalid volume {spec!r}: too many `:`"
            if not target:
                return f"invalid volume {spec!r}: no target"
            kind = "bind" if _is_path(source) else "volume"
            read_only = "ro" in mode.split(",")
        elif isinstance(spec, YMap):
            source = env_value(spec.get("source")) or ""
            target = env_value(spec.get("target")) or ""
            kind = spec.get("type") or ("bind" if _is_path(source) else "volume")
            if kind not in MOUNT_TYPES:
                return f"unknown volume type {kind!r}"
            if not target:
                return "volume has no target"
            read_only = bool(_bool(spec.get("read_only", False)))
        else:
            return f"invalid volume entry {spec!r}"
        inside = False
        if kind == "bind" and source and not source.startswith("~"):
            rel = self.reader.resolve(self.base_dir, source)
            if rel is not None:
                source, inside = (rel or "."), True
        return Mount(type=kind, source=source, target=target, read_only=read_only, inside_root=inside, loc=loc)

    def secrets(self, svc: YMap, field: str, value: Any) -> Optional[list[str]]:
        def entry(item: Any, items: YList, i: int) -> Optional[str]:
            source = item.get("source") if isinstance(item, YMap) else item
            if isinstance(source, str) and source:
                return source
            self.bad("`secrets` entries must be names or {source}", items.item_loc(i))
            return None
        return self._list(svc, field, value, entry)

    def command(self, svc: YMap, field: str, value: Any) -> Optional[tuple[str, ...]]:
        if value is None:
            return ()
        if isinstance(value, str):
            try:
                return tuple(shlex.split(value))
            except ValueError:
                return (value,)
        if isinstance(value, YList):
            return tuple(env_value(v) or "" for v in value)
        self.bad(f"`{field}` must be a string or a list", svc.value_loc(field))
        return None

    def extends(self, svc: YMap, field: str, value: Any) -> Optional[tuple]:
        loc = svc.value_loc(field)
        if isinstance(value, str):
            return (value, None, loc)
        if not isinstance(value, YMap) or not isinstance(value.get("service"), str):
            self.bad("`extends` needs a service name", loc)
            return None
        file = value.get("file")
        if file is None:
            return (value["service"], None, loc)
        if not isinstance(file, str) or not file:
            self.bad("`extends.file` must be a path", value.value_loc("file"))
            return None
        rel = self.reader.resolve(self.base_dir, file)
        if rel is None:
            self.load.problem("AUD002", f"`extends` file {file!r} points outside the root; not read", loc)
            return None
        if not self.reader.exists(rel):  # reported here, not at a path that does not exist
            self.load.problem("AUD001", f"`extends` file {file!r}: no such file", loc)
            return None
        return (value["service"], rel, loc)


_FIELDS = {
    "image": _FileReader.string,
    "container_name": _FileReader.string,
    "hostname": _FileReader.string,
    "network_mode": _FileReader.string,
    "build": _FileReader.build,
    "profiles": _FileReader.strings,
    "ports": _FileReader.ports,
    "expose": _FileReader.expose,
    "depends_on": _FileReader.depends_on,
    "healthcheck": _FileReader.healthcheck,
    "environment": _FileReader.environment,
    "env_file": _FileReader.env_file,
    "networks": _FileReader.networks,
    "volumes": _FileReader.volumes,
    "secrets": _FileReader.secrets,
    "command": _FileReader.command,
    "extends": _FileReader.extends,
}


def _bool(value: Any) -> Optional[bool]:
    """compose's cast of a (possibly interpolated) value to a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return None


def _is_path(source: str) -> bool:
    return bool(source) and (source[0] in "./~" or source.startswith("\\\\") or bool(_WINDOWS_DRIVE.match(source)))


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


_REFERENCE = re.compile(r"\$(?:\{[^{}]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def _broken_by_values(raw: Optional[str]) -> bool:
    """Whether a port entry fails only because of what its `${VAR}`s hold: with each
    reference standing for a port number it reads (`${CALLS_PORT}:${CALLS_PORT}/udp` with the
    variable unset). Its value is then unknown here, not malformed; ENV002 names the variable."""
    if not raw or "$" not in raw.replace("$$", ""):
        return False
    stand_in = _REFERENCE.sub("1", raw.replace("$$", "$"))
    return not isinstance(parse_port(stand_in), str)


def _union(spans: list[tuple[int, int]]) -> list[int]:
    """The ports of `spans` in written order, each once: `["1-65535"]` x 3000 is 65,535 ports,
    not 196 million (the spans already covered are skipped whole)."""
    import bisect

    starts: list[int] = []  # disjoint covered intervals, sorted
    ends: list[int] = []
    out: list[int] = []
    for first, last in spans:
        i = bisect.bisect_right(ends, first - 1)  # the first interval ending at or after `first`
        pos, j = first, i
        while j < len(starts) and starts[j] <= last:
            if starts[j] > pos:
                out.extend(range(pos, starts[j]))
            pos = max(pos, ends[j] + 1)
            j += 1
        if pos <= last:
            out.extend(range(pos, last + 1))
        # merge [first, last] with the intervals it touches (i .. j-1, and neighbours)
        lo, hi = first, last
        if i > 0 and ends[i - 1] == first - 1:
            i -= 1
        if j < len(starts) and starts[j] == last + 1:
            j += 1
        if i < j:
            lo, hi = min(lo, starts[i]), max(hi, ends[j - 1])
        starts[i:j], ends[i:j] = [lo], [hi]
    return out


def _expose_span(item: Any) -> Optional[tuple[int, int]]:
    if isinstance(item, int) and not isinstance(item, bool):
        return (item, item) if 0 < item <= 65535 else None
    if not isinstance(item, str):
        return None
    port = item.split("/", 1)[0]
    start, _, end = port.partition("-")
    if not _ascii_digits(start) or (end and not _ascii_digits(end)):  # `isdigit` alone takes `²`
        return None
    first, last = int(start), int(end or start)
    if not 0 < first <= last <= 65535 or last - first > 65535:
        return None
    return first, last



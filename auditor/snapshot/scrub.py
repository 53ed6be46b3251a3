"""What of a captured output may touch the disk.

Docker's JSON is cut down to a list of fields the drift comparison reads (names, state,
published ports, Compose's own labels): `Config.Env`, `Cmd`, `Entrypoint`, `Args`, mounts,
other labels (Traefik basic-auth hashes, tokens) never leave memory. What is kept is then
scrubbed of every value the containers' environments hold, and of the secrets of the
environment auditor runs in (AWS keys, tokens). Text outputs (`nginx -T`) keep their lines and
structure, with credentials masked: URL passwords, known token formats, secret-named
assignments, and the values of headers, params and variables whose names say they are secret.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from ..knowledge.secrets import key_kind
from ..redact import Masker, Scrubber, redact_line, secret_values

# Fields of `docker compose ps --format json` / `docker ps --format json` that are kept.
PS_FIELDS = ("ID", "Name", "Names", "Service", "Project", "State", "Status", "Health", "ExitCode",
             "Image", "Publishers", "Ports", "Labels", "CreatedAt", "RunningFor")
# `docker inspect`: kept fields, nested.
INSPECT_FIELDS: Mapping[str, Any] = {
    "Id": True, "Name": True, "Image": True, "Created": True,
    "State": {"Status": True, "Running": True, "ExitCode": True, "StartedAt": True, "FinishedAt": True,
              "Health": {"Status": True}},
    "Config": {"Image": True, "Labels": True, "ExposedPorts": True},
    "HostConfig": {"NetworkMode": True, "PortBindings": True},
    "NetworkSettings": {"Ports": True},
}
_LABEL_PREFIX = "com.docker.compose."
# Where a value is Docker's own structure (ports, ids), not text a secret could hide in.
_STRUCTURAL = frozenset({"Publishers", "Ports", "PortBindings", "ExposedPorts", "ID", "Id", "Name", "Names",
                         "Service", "Project", "ExitCode", "Running"})
_MIN_SECRET = 6  # shorter environment values (`3000`, `true`) are words, not secrets


class Secrets:
    """Values that must not be written: grows as outputs reveal them (container environments).

    Two nets: `text` masks every value of a container's environment, for Docker's own fields
    (which have no business repeating one); `secret` masks the values that are secrets by their
    key's name, a token format or a URL password, for text that is configuration in its own right
    (`nginx -T`), where masking an ordinary value (`http://api:8080`, also set in some
    container's environment) would fake a drift."""

    def __init__(self, environ: Mapping[str, str]):
        self.secrets: set[str] = set(secret_values(environ.items()))
        self.values: set[str] = set(self.secrets)
        self._rebuild()

    def _rebuild(self) -> None:
        # Secrets go through the reports' own Masker (any length, whole values for word-like
        # ones); the other environment values are stripped as substrings from Docker's fields.
        self._values = Scrubber(self.values - self.secrets, min_length=_MIN_SECRET)
        self._secret = Masker(self.secrets)

    def add_environment(self, entries: Iterable[str]) -> None:
        """A container's `KEY=value` list: every value may be a secret."""
        pairs = [tuple(e.partition("=")[::2]) for e in entries if isinstance(e, str)]
        values = {v for _k, v in pairs if len(v) >= _MIN_SECRET} - self.values
        secrets = set(secret_values(pairs)) - self.secrets
        if values or secrets:
            self.values |= values | secrets
            self.secrets |= secrets
            self._rebuild()

    def text(self, text: str) -> str:
        return self._secret(self._values(text))

    def secret(self, text: str) -> str:
        return self._secret(text)


# ---------------------------------------------------------------- docker


def environment_of(container: Any) -> list[str]:
    """`Config.Env` of a `docker inspect` object (empty when absent or malformed)."""
    config = container.get("Config") if isinstance(container, dict) else None
    env = config.get("Env") if isinstance(config, dict) else None
    return [e for e in env if isinstance(e, str)] if isinstance(env, list) else []


def ps_entry(obj: Any, secrets: Secrets) -> Any:
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key in PS_FIELDS:
        if key not in obj:
            continue
        value = obj[key]
        if key == "Labels":
            value = _labels(value, secrets)
        out[key] = _scrub_value(key, value, secrets)
    return out


def inspect_entry(obj: Any, secrets: Secrets) -> Any:
    return _keep(obj, INSPECT_FIELDS, secrets) if isinstance(obj, dict) else obj


def _keep(obj: dict, spec: Mapping[str, Any], secrets: Secrets) -> dict:
    out = {}
    for key, sub in spec.items():
        if key not in obj:
            continue
        value = obj[key]
        if key == "Labels":
            out[key] = _labels(value, secrets)
        elif isinstance(sub, dict):
            if isinstance(value, dict):
                out[key] = _keep(value, sub, secrets)
        else:
            out[key] = _scrub_value(key, value, secrets)
    return out


def _labels(value: Any, secrets: Secrets) -> Any:
    """Compose's own labels only (project, service, working dir...), none named like a secret."""
    if isinstance(value, dict):
        return {k: secrets.text(v) if isinstance(v, str) else v for k, v in value.items()
                if isinstance(k, str) and _kept_label(k)}
    if isinstance(value, str):
        return ",".join(f"{k}={secrets.text(v)}" for k, v in _split_labels(value) if _kept_label(k))
    return None


def _kept_label(key: str) -> bool:
    return key.startswith(_LABEL_PREFIX) and key_kind(key) is None


def _split_labels(text: str) -> list[tuple[str, str]]:
    """`k=v,k=v` as Docker prints it; a part without `=` continues the value before it (Compose's
    `config_files` label is itself a comma-separated list)."""
    out: list[list[str]] = []
    for part in text.split(","):
        k, sep, v = part.partition("=")
        if sep and re.fullmatch(r"[\w.\-/]+", k.strip()):
            out.append([k.strip(), v])
        elif out:
            out[-1][1] += "," + part
    return [(k, v) for k, v in out]


def _scrub_value(key: str, value: Any, secrets: Secrets) -> Any:
    if key in _STRUCTURAL:
        return value
    if isinstance(value, str):
        return secrets.text(value)
    if isinstance(value, list):
        return [_scrub_value("", v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(k, v, secrets) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- nginx -T

# Directives that set a named header, parameter or variable to a value: the value is masked
# when the name says it is secret (`proxy_set_header Authorization "Basic ..."`).
_NAMED_VALUE = re.compile(
    r"^(?P<head>\s*(?:proxy_set_header|grpc_set_header|add_header|add_trailer|fastcgi_param|uwsgi_param|"
    r"scgi_param|set|env)\s+)(?P<name>[^\s;]+)(?P<sep>\s+)(?P<value>\"[^\"]*\"|'[^']*'|[^\s;]+)")
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
                             "x-auth-token", "x-access-token"})


def nginx_dump(text: str, secrets: Secrets) -> str:
    return "\n".join(_nginx_line(line, secrets) for line in text.split("\n"))


def _nginx_line(line: str, secrets: Secrets) -> str:
    m = _NAMED_VALUE.match(line)
    if m:
        name = m["name"].lstrip("$").strip("\"'")
        if name.lower() in _SECRET_HEADERS or key_kind(name) is not None:
            value = m["value"]
            quote = value[0] if value[:1] in ("'", '"') else ""
            line = (f"{m['head']}{m['name']}{m['sep']}{quote}****{quote}" + line[m.end():])
    return secrets.secret(redact_line(line))

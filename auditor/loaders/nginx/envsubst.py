"""Templates of the official nginx image, rendered as its entrypoint renders them.

At start, `/docker-entrypoint.d/20-envsubst-on-templates.sh` of the `nginx` image runs envsubst on
every `$NGINX_ENVSUBST_TEMPLATE_DIR/**/*$NGINX_ENVSUBST_TEMPLATE_SUFFIX` (default
`/etc/nginx/templates/*.template`), with the variables of the container's environment (those
whose names match `$NGINX_ENVSUBST_FILTER`, when set), and writes the result to
`$NGINX_ENVSUBST_OUTPUT_DIR` (default `/etc/nginx/conf.d`) without the suffix. envsubst is given
the list of defined variables, so `$host` and any `${VAR}` the environment does not define stay
as written: nginx variables, or values unknown here.

The environment is the compose service's: its `env_file:` files, then `environment:` over them.
An empty value counts as no value (compose interpolates an unset `${VAR}` to ""), so the
template keeps `${VAR}`, an unknown value. A value's line breaks become blanks, so every line of
the rendered text stays where the template wrote it.
"""
from __future__ import annotations

import posixpath
import re
from typing import Mapping, Optional

from ...model import Service
from ...reader import Reader

_OFFICIAL = ("nginx", "nginx-unprivileged")
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def runs_official_image(service: Service) -> bool:
    """The service runs the official nginx image (any tag, registry or mirror), as published."""
    if not service.image or service.build is not None:
        return False
    name = service.image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return last in _OFFICIAL


def environment(reader: Reader, service: Service) -> dict[str, str]:
    """The container's environment as compose sets it: env files, then `environment:`; only
    non-empty values (an empty one is most often an unset variable, unknown here)."""
    from ..env import load_env

    env: dict[str, str] = {}
    for ref in service.env_files:
        try:
            found, _problems = load_env(reader, ref.path)
        except Exception:  # noqa: BLE001 - its own loader reports it; here it only adds nothing
            continue
        env.update((v.key, v.value) for v in found.vars)
    for e in service.environment:
        if e.value is not None:
            env[e.key] = e.value
    return {k: v for k, v in env.items() if v != ""}


def template_output(target: str, env: Mapping[str, str]) -> Optional[str]:
    """Where the entrypoint writes the template mounted at `target`, or None when `target` is no
    template it renders."""
    folder = posixpath.normpath(env.get("NGINX_ENVSUBST_TEMPLATE_DIR", "/etc/nginx/templates"))
    suffix = env.get("NGINX_ENVSUBST_TEMPLATE_SUFFIX", ".template")
    out = posixpath.normpath(env.get("NGINX_ENVSUBST_OUTPUT_DIR", "/etc/nginx/conf.d"))
    target = posixpath.normpath(target)
    if not suffix or not target.startswith(folder.rstrip("/") + "/") or not target.endswith(suffix):
        return None
    return posixpath.join(out, target[len(folder) + 1:-len(suffix)])


def render(text: str, env: Mapping[str, str]) -> str:
    """`text` with each `$VAR`/`${VAR}` the environment defines replaced by its value."""
    pattern = env.get("NGINX_ENVSUBST_FILTER", "")
    try:
        keep = re.compile(pattern) if pattern else None
    except re.error:
        keep = None  # awk would have refused it too: nothing filtered out
    defined = {k: v.replace("\r", " ").replace("\n", " ") for k, v in env.items()
               if keep is None or keep.search(k)}

    def one(m: re.Match) -> str:
        value = defined.get(m[1] or m[2])
        return m[0] if value is None else value

    return _VARIABLE.sub(one, text)

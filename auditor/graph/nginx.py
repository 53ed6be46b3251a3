"""Which running nginx a configuration belongs to, as the graph answers it.

Two questions, two answers, both here:

- whose sockets it listens on (`instance_key`): all host sites load into the one host nginx,
  and an nginx in a service on the host network listens on the host's sockets too, so both are
  the host's instance (key ""); a configuration mounted into any other compose service is that
  service's instance (key: the service key). Routing, exposure and live drift use this one.
- which nginx process loads it (`process_key`): a service on the host network still runs its
  own nginx, whose server names never clash with the host nginx's (NGX002 uses this one).
"""
from __future__ import annotations

from ..model import NginxConfig

HOST = ""


def instance_key(config: NginxConfig) -> str:
    """"" for the host's sockets, else the key of the compose service it runs in."""
    return HOST if config.on_host else config.runs_in or HOST


def process_key(config: NginxConfig) -> str:
    """"" for the host's own nginx, else the key of the compose service whose nginx loads it."""
    return HOST if config.runs_in is None else config.runs_in

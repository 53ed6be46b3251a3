"""One fixer per rule: `(findings of that rule, context) -> fixes and refusals`.

FIXERS maps rule ids to them; a rule without a fixer has nothing to propose. Each fixer's
module says which of its fixes are safe (behaviour kept) and which are unsafe (behaviour
changes, offered only with --unsafe-fixes)."""
from __future__ import annotations

from typing import Callable, Iterable, Union

from ..edits import Fix, Refusal
from .base import Context
from .compose import bind_loopback, healthcheck
from .env import dead_assignments
from .nginx import tls_protocols, websocket_upgrade
from .proxy import retarget
from .secrets import move_to_env
from .urls import service_name

Fixer = Callable[[list, Context], Iterable[Union[Fix, Refusal]]]

FIXERS: dict[str, Fixer] = {
    "ENV001": dead_assignments,
    "EXP001": bind_loopback,
    "EXP004": bind_loopback,
    "NGX001": retarget,
    "NGX003": tls_protocols,
    "ORD003": healthcheck,
    "SEC001": move_to_env,
    "URL003": websocket_upgrade,
    "URL004": service_name,
}

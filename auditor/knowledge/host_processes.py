"""Listeners every host has that no stack repo declares: the system's own daemons.

DRF002 reports a listener of `ss -ltnp` that nothing in the repo declares, unless its process is
one of these (or, when `ss` ran without `-p` and names no process, its port is one of
SYSTEM_PORTS or its address one of SYSTEM_ADDRESSES). Extend freely; the rule's `ignore_processes` option adds more per project.
"""
from __future__ import annotations

SYSTEM_PROCESSES = frozenset({
    # remote access and agents
    "sshd", "amazon-ssm-agent", "ssm-agent-worker", "google_guest_agent", "waagent", "tailscaled",
    # name resolution, time, mail
    "systemd-resolve", "systemd-resolved", "dnsmasq", "unbound", "named", "chronyd", "ntpd",
    "master", "postfix", "exim4", "sendmail",
    # system services
    "systemd", "init", "rpcbind", "rpc.statd", "cupsd", "avahi-daemon", "snapd", "containerd",
    "dockerd",
})

# When `ss -ltn` names no process: ports and addresses assumed to be the system's (SSH, and the
# stub resolvers of systemd-resolved).
SYSTEM_PORTS = frozenset({22})
SYSTEM_ADDRESSES = frozenset({"127.0.0.53", "127.0.0.54"})

"""Making the Service IP range local to this node, so nothing sent to a ClusterIP leaves it.

    start ──► check_can_manage_routes() (root? `ip` installed?) ── no ──► RouteError, refuse to start
          ──► install_local_route(cidr): `ip route add local <cidr> dev lo table local proto 232`
              already there with proto 232 and no live kube-proxy holding the range's lock file:
              left by a kube-proxy that crashed; adopted as ours
              already there otherwise: someone else's; used as is and left in place at exit
    stop  ──► remove_local_route(cidr), only when the route is ours

With the range routed `local`, the kernel treats every address in it as its own:
kube-proxy can bind a listener to any ClusterIP, and a packet to a ClusterIP
nobody listens on is refused here instead of being sent to a gateway.
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

IP_COMMAND_TIMEOUT_SECONDS = 10.0
CAP_NET_ADMIN = 12  # bit number in the capability sets (linux/capability.h)
# Routing protocol number marking the routes kube-proxy adds (unassigned in iproute2's rt_protos).
ROUTE_PROTOCOL = "232"
IPROUTE_INSTALL_HINT = "apt-get install -y iproute2"

LOCK_DIRECTORY = Path("/run/lock")

log = logging.getLogger(__name__)
# Lock files held for the life of the process: a kube-proxy that dies releases its range.
_held_locks: dict[str, int] = {}


class RouteError(RuntimeError):
    """The local route for the Service range cannot be managed; kube-proxy must not start."""


def ip_binary() -> str | None:
    return shutil.which("ip") or next((p for p in ("/usr/sbin/ip", "/sbin/ip") if os.access(p, os.X_OK)), None)


def has_net_admin() -> bool:
    """Whether this process may change routes: CAP_NET_ADMIN in its effective capabilities."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) & (1 << CAP_NET_ADMIN))
    except (OSError, ValueError):
        pass
    return os.geteuid() == 0  # no /proc to ask: root is the best guess


def check_can_manage_routes(cidr: str) -> None:
    ipaddress.IPv4Network(cidr, strict=False)  # a typo in the flag fails here, before any change
    if ip_binary() is None:
        raise RouteError(
            f"cannot make the Service range {cidr} local: the `ip` command (iproute2) is not installed; "
            f"fix: {IPROUTE_INSTALL_HINT}"
        )
    if not has_net_admin():
        raise RouteError(
            f"cannot make the Service range {cidr} local: `ip route add local {cidr} dev lo table local` "
            "needs root (CAP_NET_ADMIN); run kube-proxy as root, or give its container NET_ADMIN"
        )


def _run_ip(*args: str) -> subprocess.CompletedProcess[str]:
    binary = ip_binary()
    if binary is None:
        raise RouteError(f"the `ip` command is not installed; fix: {IPROUTE_INSTALL_HINT}")
    return subprocess.run(
        [binary, *args], capture_output=True, text=True, timeout=IP_COMMAND_TIMEOUT_SECONDS, check=False
    )


def find_local_route(cidr: str) -> dict | None:
    """The `local <cidr> dev lo` entry of the local routing table, if there is one."""
    network = ipaddress.IPv4Network(cidr, strict=False)
    result = _run_ip("-4", "-j", "route", "show", "table", "local")
    if result.returncode != 0:
        raise RouteError(f"`ip route show table local` failed: {result.stderr.strip()}")
    for route in json.loads(result.stdout or "[]"):
        destination = route.get("dst", "")
        if route.get("type") != "local" or route.get("dev") != "lo":
            continue
        if "/" not in destination:
            destination += "/32"
        if ipaddress.IPv4Network(destination, strict=False) == network:
            return route
    return None


def local_route_exists(cidr: str) -> bool:
    return find_local_route(cidr) is not None


def claim_range(network: str) -> bool:
    """Take the range's lock file (held until exit); False when a live kube-proxy holds it."""
    if network in _held_locks:
        return True
    directory = LOCK_DIRECTORY if os.access(LOCK_DIRECTORY, os.W_OK) else Path(tempfile.gettempdir())
    path = directory / f"kubemini-kube-proxy-{network.replace('/', '_')}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _held_locks[network] = fd
    return True


def install_local_route(cidr: str) -> bool:
    """Add the route; True when it is ours (and so is to be removed at exit)."""
    network = str(ipaddress.IPv4Network(cidr, strict=False))
    exclusive = claim_range(network)
    existing = find_local_route(network)
    if existing is not None:
        if exclusive and str(existing.get("protocol")) == ROUTE_PROTOCOL:
            log.info("adopting the local route for %s left by an earlier kube-proxy", network)
            return True
        log.info("local route for the Service range %s is already present; using it as is", network)
        return False
    result = _run_ip("route", "add", "local", network, "dev", "lo", "table", "local", "proto", ROUTE_PROTOCOL)
    if result.returncode != 0:
        raise RouteError(
            f"`ip route add local {network} dev lo table local` failed: {result.stderr.strip() or result.returncode}"
        )
    log.info("installed local route for the Service range %s", network)
    return exclusive


def remove_local_route(cidr: str) -> None:
    network = str(ipaddress.IPv4Network(cidr, strict=False))
    result = _run_ip("route", "del", "local", network, "dev", "lo", "table", "local", "proto", ROUTE_PROTOCOL)
    if result.returncode != 0 and local_route_exists(network):
        log.warning("could not remove the local route for %s: %s", network, result.stderr.strip())
    else:
        log.info("removed local route for the Service range %s", network)

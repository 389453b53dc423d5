"""Hairpin mode on a pod's bridge port, so a pod can reach itself through its own Service.

    sandbox pid ──► /proc/<pid>/root/sys/class/net/eth0/iflink (the host end's ifindex)
        ──► /sys/class/net/<veth>/ifindex matches ──► /sys/class/net/<veth>/brport/hairpin_mode = 1
Without it the bridge never sends a frame back out of the port it came in on, so a DNATed packet
from a pod to one of its own Service's ClusterIPs that lands on that same pod is dropped (the
kubelet's `--hairpin-mode=hairpin-veth` upstream). Best effort: a sandbox without a bridge port
(host network, `none`) is left as it is.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)
SYS_NET = Path("/sys/class/net")


def host_interface_of(pid: int, *, proc: Path = Path("/proc"), sys_net: Path = SYS_NET) -> str | None:
    try:
        peer = int((proc / str(pid) / "root/sys/class/net/eth0/iflink").read_text().strip())
    except (OSError, ValueError):
        return None
    for interface in sys_net.iterdir():
        try:
            if int((interface / "ifindex").read_text().strip()) == peer:
                return interface.name
        except (OSError, ValueError):
            continue
    return None


def enable_hairpin(pid: int, *, proc: Path = Path("/proc"), sys_net: Path = SYS_NET) -> bool:
    interface = host_interface_of(pid, proc=proc, sys_net=sys_net)
    if interface is None:
        return False
    mode = sys_net / interface / "brport" / "hairpin_mode"
    try:
        if mode.read_text().strip() != "1":
            mode.write_text("1")
    except OSError as error:
        log.debug("cannot set hairpin mode on %s: %s", interface, error)
        return False
    return True

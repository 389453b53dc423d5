"""Two "nodes" and their "pods" as network namespaces of the test's own, wired like machines on a LAN.

    node ns A ──veth eth0 172.30.<n>.2/24 ══ eth0 172.30.<n>.3/24── node ns B     (the underlay)
      └ vpod 10.244.1.1/24 ══ eth0 10.244.1.2 (pod ns A)   └ vpod 10.244.2.1/24 ══ eth0 10.244.2.2 (pod ns B)
Each node forwards (ip_forward=1, in its own namespace only); each pod's default route is its node.
Nothing here touches the machine's own namespace but for the names of the namespaces; `remove()`
deletes them all (and with them every device and route inside), also when a test failed.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from dataclasses import dataclass, field

PING_DEADLINE_SECONDS = 15.0


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


@dataclass
class FakeNode:
    name: str
    netns: str
    pod_netns: str
    ip: str
    pod_cidr: str

    @property
    def pod_ip(self) -> str:
        return self.pod_cidr.replace(".0/24", ".2")

    def node_object(self, *, mac: str | None = None) -> dict:
        annotations = {"kubemini.io/vxlan-vtep-mac": mac} if mac else {}
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": self.name, "annotations": annotations},
            "spec": {"podCIDR": self.pod_cidr, "podCIDRs": [self.pod_cidr]},
            "status": {"addresses": [{"type": "InternalIP", "address": self.ip}]},
        }


@dataclass
class Topology:
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    nodes: list[FakeNode] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)

    def _netns(self, name: str) -> str:
        full = f"kmpn-{self.tag}-{name}"
        run("ip", "netns", "add", full)
        self.namespaces.append(full)
        run("ip", "-n", full, "link", "set", "lo", "up")
        return full

    def build(self, count: int = 2, *, subnet: int = 30, pod_cidrs: tuple[str, ...] = ()) -> Topology:
        """Two nodes joined by a veth pair, each with one pod namespace behind it."""
        assert count == 2, "two nodes: one veth pair"
        cidrs = pod_cidrs or tuple(f"10.244.{index + 1}.0/24" for index in range(count))
        for index in range(count):
            netns = self._netns(f"n{index}")
            pod_netns = self._netns(f"p{index}")
            node = FakeNode(f"pn-{self.tag}-{index}", netns, pod_netns, f"172.{subnet}.0.{index + 2}", cidrs[index])
            self.nodes.append(node)
        a, b = self.nodes
        run("ip", "-n", a.netns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", b.netns)
        for node in self.nodes:
            run("ip", "-n", node.netns, "addr", "add", f"{node.ip}/24", "dev", "eth0")
            run("ip", "-n", node.netns, "link", "set", "eth0", "up")
            run("ip", "netns", "exec", node.netns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            gateway = node.pod_cidr.replace(".0/24", ".1")
            run(
                "ip",
                "-n",
                node.netns,
                "link",
                "add",
                "vpod",
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                node.pod_netns,
            )
            run("ip", "-n", node.netns, "addr", "add", f"{gateway}/24", "dev", "vpod")
            run("ip", "-n", node.netns, "link", "set", "vpod", "up")
            run("ip", "-n", node.pod_netns, "addr", "add", f"{node.pod_ip}/24", "dev", "eth0")
            run("ip", "-n", node.pod_netns, "link", "set", "eth0", "up")
            run("ip", "-n", node.pod_netns, "route", "add", "default", "via", gateway)
        return self

    def remove(self) -> None:
        for netns in reversed(self.namespaces):
            run("ip", "netns", "del", netns, check=False)
        self.namespaces.clear()


def ping(from_netns: str, address: str, *, count: int = 1) -> bool:
    # busybox ping: iputils is not installed on this machine
    argv = ("ip", "netns", "exec", from_netns, "busybox", "ping", "-c", str(count), "-W", "1", address)
    return run(*argv, check=False).returncode == 0


def wait_for_ping(from_netns: str, address: str) -> None:
    deadline = time.monotonic() + PING_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if ping(from_netns, address):
            return
    raise AssertionError(f"no ping reply from {address} in {from_netns} within {PING_DEADLINE_SECONDS}s")

"""What the kernel of one node should hold for the pod network, from the list of Nodes (pure).

    nodes, this node's name, backend
        ──► this node: its IPv4 pod CIDR and InternalIP (nothing is wanted before both are known;
            a loopback InternalIP, as a one-machine kubelet reports, counts as none)
        ──► peers: every other node with an IPv4 pod CIDR and an InternalIP (vxlan: and a VTEP MAC in
            its annotation), other than this node's own IP or CIDR
        host-gw ──► route <peer cidr> via <peer InternalIP>                (the nodes share a link)
        vxlan   ──► device kubemini.1 (VNI 1, UDP 8472, local = InternalIP, address = own CIDR's .0/32)
                    per peer: FDB <peer MAC> → <peer InternalIP>, neighbour <peer CIDR's .0> → <peer MAC>,
                    route <peer cidr> via <peer CIDR's .0> dev kubemini.1 onlink
The VTEP MAC is derived from the node's pod CIDR (stable across device re-creation and restarts)
and published on the Node, as flannel publishes its backend data.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemini.api.pod_cidrs import internal_ip, ipv4_pod_cidr, vtep_address

BACKENDS = ("none", "host-gw", "vxlan")
VXLAN_DEVICE = "kubemini.1"
VXLAN_VNI = 1
VXLAN_PORT = 8472  # flannel's, the Linux kernel's default VXLAN port
VXLAN_OVERHEAD_BYTES = 50
UNDERLAY_MTU = 1500
VTEP_MAC_ANNOTATION = "kubemini.io/vxlan-vtep-mac"
MAC_PATTERN = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


@dataclass(frozen=True, order=True)
class Route:
    dst: str
    gateway: str
    dev: str | None = None  # None: the kernel picks the link to the gateway (host-gw)
    onlink: bool = False


@dataclass(frozen=True, order=True)
class Neighbour:
    ip: str
    mac: str


@dataclass(frozen=True, order=True)
class FdbEntry:
    mac: str
    dst: str


@dataclass(frozen=True)
class VxlanDevice:
    name: str
    vni: int
    port: int
    local: str
    address: str  # this node's VTEP address, /32
    mac: str
    mtu: int = UNDERLAY_MTU - VXLAN_OVERHEAD_BYTES


@dataclass(frozen=True)
class NetworkState:
    device: VxlanDevice | None = None
    routes: frozenset[Route] = field(default_factory=frozenset)
    neighbours: frozenset[Neighbour] = field(default_factory=frozenset)
    fdb: frozenset[FdbEntry] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Peer:
    name: str
    cidr: str
    ip: str
    mac: str | None


def vtep_mac(cidr: ipaddress.IPv4Network) -> str:
    """A locally administered unicast MAC from the pod CIDR's network address: 0e:6b:<4 bytes>."""
    return ":".join(f"{byte:02x}" for byte in (0x0E, 0x6B, *cidr.network_address.packed))


def node_name(node: Mapping[str, Any]) -> str:
    return str((node.get("metadata") or {}).get("name", ""))


def published_mac(node: Mapping[str, Any]) -> str | None:
    value = ((node.get("metadata") or {}).get("annotations") or {}).get(VTEP_MAC_ANNOTATION)
    return value.lower() if isinstance(value, str) and MAC_PATTERN.match(value.lower()) else None


def routable_ip(node: Mapping[str, Any]) -> str | None:
    """The node's IPv4 InternalIP, unless it is loopback (a one-machine kubelet): no other node reaches that."""
    ip = internal_ip(node)
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return None
    return ip if address.version == 4 and not address.is_loopback else None


def peers_of(nodes: Iterable[Mapping[str, Any]], *, self_name: str) -> list[Peer]:
    nodes = list(nodes)
    own = next((n for n in nodes if node_name(n) == self_name), None)
    own_cidr = ipv4_pod_cidr(own) if own else None
    own_ip = routable_ip(own) if own else None
    peers = []
    for node in nodes:
        name, cidr, ip = node_name(node), ipv4_pod_cidr(node), routable_ip(node)
        if name == self_name or cidr is None or ip is None or ip == own_ip:
            continue
        if own_cidr is not None and cidr.overlaps(own_cidr):
            continue  # a CIDR that is ours too (a stale Node, a hand-set clash): never route it away
        peers.append(Peer(name, str(cidr), ip, published_mac(node)))
    return sorted(peers, key=lambda p: p.name)


def desired_state(nodes: Iterable[Mapping[str, Any]], *, self_name: str, backend: str) -> NetworkState:
    nodes = list(nodes)
    if backend == "none":
        return NetworkState()
    own = next((n for n in nodes if node_name(n) == self_name), None)
    own_cidr = ipv4_pod_cidr(own) if own else None
    own_ip = routable_ip(own) if own else None
    if own_cidr is None or own_ip is None:
        return NetworkState()
    peers = peers_of(nodes, self_name=self_name)
    if backend == "host-gw":
        return NetworkState(routes=frozenset(Route(p.cidr, p.ip) for p in peers))
    device = VxlanDevice(
        VXLAN_DEVICE, VXLAN_VNI, VXLAN_PORT, own_ip, address=vtep_address(own_cidr), mac=vtep_mac(own_cidr)
    )
    reachable = [p for p in peers if p.mac is not None]
    vtep = {p.name: vtep_address(ipaddress.ip_network(p.cidr)) for p in reachable}
    return NetworkState(
        device=device,
        routes=frozenset(Route(p.cidr, vtep[p.name], VXLAN_DEVICE, onlink=True) for p in reachable),
        neighbours=frozenset(Neighbour(vtep[p.name], str(p.mac)) for p in reachable),
        fdb=frozenset(FdbEntry(str(p.mac), p.ip) for p in reachable),
    )

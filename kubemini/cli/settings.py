"""The ports a cluster runs on, remembered between `up`, `status` and `down`.

`up` resolves them as: flags given now > what the last `up` in this data
directory used > defaults, and saves the result in `run/cluster.json`.
Reusing the saved ports means a plain `kubemini up` restarts the same cluster
its data (etcd) belongs to, and `status`/`down` need no flags at all.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK_ADDRESS = "127.0.0.1"
# Every node's /24 comes from here (node IPAM); flannel's and kubeadm's usual range.
DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
POD_NETWORK_BACKENDS = ("host-gw", "vxlan")

# Kubernetes' own defaults where one exists, so habits and docs carry over.
DEFAULT_PORTS: dict[str, int] = {
    "apiserver": 6443,
    "etcd": 2379,
    "etcd-peer": 2380,
    "scheduler": 10259,
    "controller-manager": 10257,
    "kubelet": 10250,
    "kube-proxy": 10256,
    # ingress-nginx's health port; HTTP/HTTPS traffic is on 80/443 (or 8081/8443), see the README.
    "ingress-controller": 10254,
    "metrics-server": 4443,
    # The Kubernetes Dashboard's plain-HTTP port; the dashboard serves its UI and /healthz there.
    "dashboard": 9090,
}


def default_node_name() -> str:
    """The kubelet's own default: KUBEMINI_NODE_NAME, else the hostname."""
    return os.environ.get("KUBEMINI_NODE_NAME") or socket.gethostname().lower()


@dataclass(frozen=True)
class ClusterSettings:
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    # Every listener is on loopback: nothing kubemini serves is reachable from
    # other machines.
    bind_address: str = LOOPBACK_ADDRESS
    # The Node this cluster's kubelet registers; `down --purge` removes only its containers.
    node_name: str = field(default_factory=default_node_name)
    # Machines in all: this one plus `nodes - 1` node containers (`up --nodes N`).
    nodes: int = 1
    # The address other machines reach the apiserver on; None: loopback only.
    advertise_address: str | None = None
    cluster_cidr: str = DEFAULT_CLUSTER_CIDR
    pod_network: str = "host-gw"

    @property
    def apiserver_bind_address(self) -> str:
        """Where the apiserver listens: every address once other machines must reach it."""
        return "0.0.0.0" if self.advertise_address else self.bind_address

    @property
    def advertised_server_url(self) -> str:
        """The URL a joining machine uses."""
        return f"https://{self.advertise_address or self.bind_address}:{self.port('apiserver')}"

    def port(self, name: str) -> int:
        return self.ports.get(name, DEFAULT_PORTS[name])

    @property
    def server_url(self) -> str:
        return f"https://{self.bind_address}:{self.port('apiserver')}"

    @property
    def dashboard_url(self) -> str:
        return f"http://{self.bind_address}:{self.port('dashboard')}/"

    @property
    def etcd_url(self) -> str:
        return f"http://{self.bind_address}:{self.port('etcd')}"

    @property
    def etcd_peer_url(self) -> str:
        return f"http://{self.bind_address}:{self.port('etcd-peer')}"

    def with_ports(self, overrides: dict[str, int]) -> ClusterSettings:
        return dataclasses.replace(self, ports={**self.ports, **overrides})


def parse_port_override(text: str) -> tuple[str, int]:
    """`NAME=PORT` from `--component-port`, checked against the known names."""
    name, sep, port_text = text.partition("=")
    if not sep or name not in DEFAULT_PORTS:
        known = ", ".join(sorted(DEFAULT_PORTS))
        raise ValueError(f"expected NAME=PORT with NAME one of: {known}; got {text!r}")
    port = int(port_text)
    if not 0 < port < 65536:
        raise ValueError(f"port out of range in {text!r}")
    return name, port


def load_settings(path: Path) -> ClusterSettings | None:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    ports = {str(name): int(port) for name, port in document.get("ports", {}).items()}
    return ClusterSettings(
        ports={**DEFAULT_PORTS, **ports},
        bind_address=document.get("bindAddress", LOOPBACK_ADDRESS),
        node_name=document.get("nodeName") or default_node_name(),
        nodes=int(document.get("nodes", 1)),
        advertise_address=document.get("advertiseAddress"),
        cluster_cidr=document.get("clusterCIDR", DEFAULT_CLUSTER_CIDR),
        pod_network=document.get("podNetwork", "host-gw"),
    )


def save_settings(path: Path, settings: ClusterSettings) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "ports": settings.ports,
        "bindAddress": settings.bind_address,
        "nodeName": settings.node_name,
        "nodes": settings.nodes,
        "advertiseAddress": settings.advertise_address,
        "clusterCIDR": settings.cluster_cidr,
        "podNetwork": settings.pod_network,
    }
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    partial.replace(path)

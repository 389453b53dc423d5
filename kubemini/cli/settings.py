"""The ports a cluster runs on, remembered between `up`, `status` and `down`.

`up` resolves them as: flags given now > what the last `up` in this data
directory used > defaults, and saves the result in `run/cluster.json`.
Reusing the saved ports means a plain `kubemini up` restarts the same cluster
its data (etcd) belongs to, and `status`/`down` need no flags at all.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK_ADDRESS = "127.0.0.1"

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
        return ClusterSettings(
            ports={**self.ports, **overrides}, bind_address=self.bind_address, node_name=self.node_name
        )


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
    )


def save_settings(path: Path, settings: ClusterSettings) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"ports": settings.ports, "bindAddress": settings.bind_address, "nodeName": settings.node_name}
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    partial.replace(path)

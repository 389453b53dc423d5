"""`kubemini join`: make this machine a node of a cluster, with only a bootstrap token and the CA's hash.

    kubemini join --server https://<addr>:6443 --token <id>.<secret> --ca-cert-hash sha256:<hash>
    ──► discover_cluster(): kube-public/cluster-info, its JWS signature checked with the token,
        its CA checked against the hash (kubeadm's discovery) ──► <home>/pki/ca.crt
    ──► <home>/kubeconfigs/bootstrap-kubelet.conf (the token) and <home>/join.json (for --resume)
    ──► kubelet --bootstrap-kubeconfig ... --kubeconfig <home>/kubeconfigs/kubelet.conf
        (TLS bootstrapping: a CSR auto-approved for the token, then the node's own certificate)
    ──► kube-proxy with that same node certificate, once the kubelet is healthy
    kubemini join --resume   the same processes again from join.json (a restarted node container)

The processes are detached with pid files in <home>/run, as `up` runs them, so `kubemini leave --local`
(and `status`) find them.
"""

from __future__ import annotations

import json
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from kubemini.cli.components import Component
from kubemini.cli.layout import ClusterHome
from kubemini.cli.settings import DEFAULT_CLUSTER_CIDR, ClusterSettings
from kubemini.cli.starting import StartupError, start_component
from kubemini.join.discovery import DiscoveryError, discover_cluster, write_bootstrap_kubeconfig

JOIN_DEADLINE_SECONDS = 90.0


@dataclass(frozen=True)
class JoinConfig:
    server: str
    node_name: str
    node_ip: str
    pod_network: str = "host-gw"
    cluster_cidr: str = DEFAULT_CLUSTER_CIDR
    kubelet_port: int = 10250
    proxy_port: int = 10256

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> JoinConfig:
        return cls(**json.loads(path.read_text()))


def join_config_path(home: ClusterHome) -> Path:
    return home.root / "join.json"


def source_address_towards(server: str) -> str:
    """This machine's address on the route to the server: what it advertises as its InternalIP.

    A UDP socket's connect() only picks the route; no packet is sent."""
    parts = urlsplit(server)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((parts.hostname or "127.0.0.1", parts.port or 6443))
        return probe.getsockname()[0]


def node_components(config: JoinConfig, home: ClusterHome) -> list[Component]:
    """The kubelet and kube-proxy of a joined node (pure: argv from the join config)."""
    kubelet_kubeconfig = str(home.component_kubeconfig("kubelet"))

    def kubelet_argv(settings: ClusterSettings, home: ClusterHome) -> list[str]:
        return [
            sys.executable, "-m", "kubelet",
            "--bootstrap-kubeconfig", str(home.component_kubeconfig("bootstrap-kubelet")),
            "--kubeconfig", kubelet_kubeconfig,
            "--node-name", config.node_name,
            "--node-ip", config.node_ip,
            # The apiserver reaches the kubelet (logs, exec) at the node's address.
            "--bind-address", "0.0.0.0",
            "--port", str(config.kubelet_port),
            "--root-dir", str(home.kubelet_dir),
            *pod_network_flags(config.pod_network, config.cluster_cidr),
        ]  # fmt: skip

    def proxy_argv(settings: ClusterSettings, home: ClusterHome) -> list[str]:
        return [
            sys.executable, "-m", "kube_proxy",
            "--kubeconfig", kubelet_kubeconfig,
            "--hostname-override", config.node_name,
            "--node-address", config.node_ip,
            "--bind-address", "127.0.0.1",
            "--port", str(config.proxy_port),
        ]  # fmt: skip

    return [
        Component(
            "kubelet", kubelet_argv, lambda s: f"http://127.0.0.1:{config.kubelet_port}/healthz", ("kubelet",),
            package="kubelet", needs_docker=True,
        ),
        Component(
            "kube-proxy", proxy_argv, lambda s: f"http://127.0.0.1:{config.proxy_port}/healthz", ("kube-proxy",),
            package="kube_proxy",
        ),
    ]  # fmt: skip


def pod_network_flags(backend: str, cluster_cidr: str) -> list[str]:
    """The kubelet's pod network on a node of a multi-machine cluster: its Docker network on the node's
    pod CIDR, and routes (host-gw) or VXLAN to every other node's."""
    return [
        "--pod-cidr-from-node", "--cluster-cidr", cluster_cidr, "--pod-network-backend", backend,
        # kube-proxy (the cluster DNS) starts right after the kubelet: pods wait for it, not use Docker's DNS.
        "--wait-for-cluster-dns",
    ]  # fmt: skip


def start_node(config: JoinConfig, home: ClusterHome, *, deadline_seconds: float, out: TextIO) -> None:
    settings = ClusterSettings(
        ports={"kubelet": config.kubelet_port, "kube-proxy": config.proxy_port}, node_name=config.node_name
    )
    for component in node_components(config, home):
        start_component(component, home=home, settings=settings, deadline_seconds=deadline_seconds, out=out)


def run_join(
    home: ClusterHome,
    *,
    server: str | None,
    token: str | None,
    ca_cert_hashes: list[str],
    node_name: str | None,
    node_ip: str | None,
    pod_network: str,
    cluster_cidr: str,
    resume: bool,
    discovery_timeout_seconds: float = 30.0,
    deadline_seconds: float = JOIN_DEADLINE_SECONDS,
    out: TextIO,
) -> int:
    home.create()
    try:
        if resume:
            config = JoinConfig.load(join_config_path(home))
        else:
            if not (server and token and ca_cert_hashes):
                print("error: --server, --token and --ca-cert-hash are required (or --resume)", file=out)
                return 2
            ca_pem = discover_cluster(server, token, ca_cert_hashes, timeout_seconds=discovery_timeout_seconds)
            (home.pki_dir).mkdir(parents=True, exist_ok=True)
            (home.pki_dir / "ca.crt").write_bytes(ca_pem)
            write_bootstrap_kubeconfig(home.component_kubeconfig("bootstrap-kubelet"), server, ca_pem, token)
            config = JoinConfig(
                server=server,
                node_name=node_name or socket.gethostname().lower(),
                node_ip=node_ip or source_address_towards(server),
                pod_network=pod_network,
                cluster_cidr=cluster_cidr,
            )
            config.save(join_config_path(home))
        print(f"joining {config.server} as node {config.node_name} ({config.node_ip})", file=out)
        start_node(config, home, deadline_seconds=deadline_seconds, out=out)
    except FileNotFoundError as error:
        print(f"error: nothing to resume: {error.filename} is missing (run `kubemini join` first)", file=out)
        return 1
    except (DiscoveryError, StartupError) as error:
        print(f"error: {error}", file=out)
        return 1
    print(f"node {config.node_name} joined; `kubectl get nodes` on the control plane shows it", file=out)
    return 0

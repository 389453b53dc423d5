"""Command-line flags of `python -m kubelet`, each with an environment fallback.

python -m kubelet --kubeconfig K --bind-address 127.0.0.1 --port 10250       # one node on Docker
python -m kubelet --runtime fake --nodes 50 --node-name-prefix hollow-       # 50 hollow nodes
python -m kubelet --bootstrap-kubeconfig B --kubeconfig K --node-name n1      # TLS bootstrapping (joined machine)
"""

from __future__ import annotations

import argparse
import os
import socket

from kubelet.crash_backoff import INITIAL_DELAY_SECONDS, MAX_DELAY_SECONDS
from kubelet.node_context import (
    CLUSTER_DNS,
    CLUSTER_DOMAIN,
    HEARTBEAT_PERIOD_SECONDS,
    PARALLEL_POD_STARTS,
    PAUSE_IMAGE,
    POD_NETWORK,
    RESYNC_PERIOD_SECONDS,
    KubeletSettings,
)
from kubelet.pod_network.agent import PodNetworkSettings
from kubelet.pod_network.desired import BACKENDS
from kubemini.component.options import add_common_flags


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kubelet", description="kubemini kubelet: pods → containers")
    add_common_flags(parser, default_port=10250, leader_election=False)
    parser.add_argument(
        "--node-name",
        default=_env("KUBEMINI_NODE_NAME", socket.gethostname().lower()),
        help="name of the Node to register (env KUBEMINI_NODE_NAME; default: the hostname)",
    )
    parser.add_argument(
        "--runtime",
        choices=("docker", "fake"),
        default=_env("KUBEMINI_RUNTIME", "docker"),
        help="docker: real containers; fake: hollow nodes, nothing runs (env KUBEMINI_RUNTIME)",
    )
    parser.add_argument(
        "--nodes",
        type=int,
        default=int(_env("KUBEMINI_HOLLOW_NODES", "0")),
        help="with --runtime fake: how many hollow nodes this process runs (env KUBEMINI_HOLLOW_NODES)",
    )
    parser.add_argument(
        "--node-name-prefix",
        default=_env("KUBEMINI_NODE_NAME_PREFIX", "hollow-"),
        help="hollow node names are <prefix>0, <prefix>1, ...",
    )
    parser.add_argument(
        "--node-ip",
        default=_env("KUBEMINI_NODE_IP", "127.0.0.1"),
        help="InternalIP the node advertises; the apiserver reaches the kubelet's logs endpoint there",
    )
    parser.add_argument("--node-labels", default=_env("KUBEMINI_NODE_LABELS", ""), help="extra labels k=v,k2=v2")
    parser.add_argument(
        "--pod-network",
        default=_env("KUBEMINI_POD_NETWORK", POD_NETWORK),
        help="Docker bridge network of pod sandboxes (created if absent)",
    )
    parser.add_argument(
        "--pod-cidr-from-node",
        action="store_true",
        default=_env("KUBEMINI_POD_CIDR_FROM_NODE", "") in ("1", "true"),
        help="wait for the Node's spec.podCIDR (node IPAM) and make --pod-network on that subnet, with "
        "Docker's masquerading off and the kubelet's KUBEMINI-POD-NET chain instead",
    )
    parser.add_argument(
        "--cluster-cidr",
        default=_env("KUBEMINI_CLUSTER_CIDR", "10.244.0.0/16"),
        help="every node's pod CIDRs together (the controller-manager's --cluster-cidr): pod traffic "
        "there keeps its source address, all else is masqueraded (default %(default)s)",
    )
    parser.add_argument(
        "--pod-network-backend",
        choices=BACKENDS,
        default=_env("KUBEMINI_POD_NETWORK_BACKEND", "none"),
        help="how pods reach other nodes' pod CIDRs: none (one machine), host-gw (a route via each "
        "node's InternalIP), vxlan (device kubemini.1, VNI 1, UDP 8472) (default %(default)s)",
    )
    parser.add_argument(
        "--cleanup-pod-network",
        action="store_true",
        help="remove this machine's pod-network routes, kubemini.1 and iptables chains, then exit",
    )
    parser.add_argument(
        "--cluster-dns",
        default=_env("KUBEMINI_CLUSTER_DNS", CLUSTER_DNS),
        help="nameserver of ClusterFirst pods: the DNS kube-proxy serves; empty disables (env KUBEMINI_CLUSTER_DNS)",
    )
    parser.add_argument("--cluster-domain", default=_env("KUBEMINI_CLUSTER_DOMAIN", CLUSTER_DOMAIN))
    parser.add_argument(
        "--wait-for-cluster-dns",
        action="store_true",
        help="a ClusterFirst pod's sandbox waits until the cluster DNS is served on this node (kube-proxy "
        "beside the kubelet), rather than starting with the engine's resolver",
    )
    parser.add_argument("--pause-image", default=_env("KUBEMINI_PAUSE_IMAGE", PAUSE_IMAGE))
    parser.add_argument(
        "--backoff-initial-seconds",
        type=float,
        default=float(_env("KUBEMINI_BACKOFF_INITIAL_SECONDS", str(INITIAL_DELAY_SECONDS))),
        help="first CrashLoopBackOff / ImagePullBackOff delay (Kubernetes: 10)",
    )
    parser.add_argument(
        "--backoff-max-seconds",
        type=float,
        default=float(_env("KUBEMINI_BACKOFF_MAX_SECONDS", str(MAX_DELAY_SECONDS))),
        help="longest back-off delay (Kubernetes: 300)",
    )
    parser.add_argument(
        "--resync-seconds",
        type=float,
        default=float(_env("KUBEMINI_RESYNC_SECONDS", str(RESYNC_PERIOD_SECONDS))),
        help="every pod is synced at least this often, events or not",
    )
    parser.add_argument(
        "--heartbeat-seconds",
        type=float,
        default=float(_env("KUBEMINI_HEARTBEAT_SECONDS", str(HEARTBEAT_PERIOD_SECONDS))),
        help="period of the Lease renewal and of the node status update",
    )
    parser.add_argument(
        "--parallel-pod-starts",
        type=int,
        default=int(_env("KUBEMINI_PARALLEL_POD_STARTS", str(PARALLEL_POD_STARTS))),
        help="how many new pods start at the same time (the others queue, first come first served)",
    )
    parser.add_argument(
        "--root-dir",
        default=_env("KUBEMINI_KUBELET_ROOT_DIR", ""),
        help="pod volumes and termination logs; Docker must see it at the same path (env KUBEMINI_KUBELET_ROOT_DIR; "
        "default: kubelet/ beside --kubeconfig, as `kubemini up` lays out its home, else $KUBEMINI_HOME/kubelet)",
    )
    parser.add_argument(
        "--remove-pods-on-exit",
        action="store_true",
        default=_env("KUBEMINI_REMOVE_PODS_ON_EXIT", "") in ("1", "true"),
        help="stop and remove this node's pod containers when the kubelet stops (docker compose down); "
        "off by default, so a restarted kubelet adopts its pods (env KUBEMINI_REMOVE_PODS_ON_EXIT)",
    )
    parser.add_argument(
        "--docker-workers",
        type=int,
        default=int(_env("KUBEMINI_DOCKER_WORKERS", "16")),
        help="threads for blocking Docker calls (bounds Docker concurrency)",
    )
    parser.add_argument(
        "--bootstrap-kubeconfig",
        default=_env("KUBEMINI_BOOTSTRAP_KUBECONFIG", "") or None,
        help="kubeconfig with a bootstrap token: when --kubeconfig has no valid client certificate, ask the "
        "cluster for one (a CSR for system:node:<node-name>) and write --kubeconfig with it",
    )
    parser.add_argument(
        "--cert-dir",
        default=_env("KUBEMINI_CERT_DIR", "") or None,
        help="where the bootstrapped client certificate and key are kept (default: <root-dir>/pki)",
    )
    return parser


def cert_dir(args: argparse.Namespace) -> str:
    return os.path.abspath(args.cert_dir) if args.cert_dir else os.path.join(root_dir(args), "pki")


def root_dir(args: argparse.Namespace) -> str:
    if args.root_dir:
        return os.path.abspath(args.root_dir)
    if getattr(args, "kubeconfig", None):
        return os.path.join(os.path.dirname(os.path.abspath(args.kubeconfig)), "kubelet")
    home = os.environ.get("KUBEMINI_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share", "kubemini")
    return os.path.join(home, "kubelet")


def parse_labels(text: str) -> dict[str, str]:
    labels = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        labels[key] = value
    return labels


def node_names(args: argparse.Namespace) -> list[str]:
    if args.runtime == "fake" and args.nodes > 0:
        return [f"{args.node_name_prefix}{index}" for index in range(args.nodes)]
    return [args.node_name]


def settings_from(args: argparse.Namespace, *, port: int) -> KubeletSettings:
    return KubeletSettings(
        host_ip=args.node_ip,
        port=port,
        pause_image=args.pause_image,
        pod_network=args.pod_network,
        backoff_initial_seconds=args.backoff_initial_seconds,
        backoff_max_seconds=args.backoff_max_seconds,
        resync_period_seconds=args.resync_seconds,
        heartbeat_period_seconds=args.heartbeat_seconds,
        parallel_pod_starts=args.parallel_pod_starts,
        node_labels=parse_labels(args.node_labels),
        hollow=args.runtime == "fake",
        cluster_dns=args.cluster_dns,
        cluster_domain=args.cluster_domain,
        wait_for_cluster_dns=args.wait_for_cluster_dns,
        root_dir=None if args.runtime == "fake" else root_dir(args),
        remove_pods_on_exit=args.remove_pods_on_exit,
    )


def pod_network_settings(args: argparse.Namespace) -> PodNetworkSettings | None:
    """None: the pod network stays as before (one machine, Docker's own bridge and NAT)."""
    if args.pod_network_backend == "none" and not args.pod_cidr_from_node:
        return None
    return PodNetworkSettings(
        backend=args.pod_network_backend, cluster_cidr=args.cluster_cidr, pod_cidr_from_node=args.pod_cidr_from_node
    )

"""`kubemini up --nodes N` on one machine: N-1 node containers joined with the real join path, like kind.

up:   ensure_node_network() ──► the host's gateway address is the apiserver's advertise address
      (before the PKI, so the serving certificate names it)
      … the control plane and this machine's node come up …
      for node i in 2..N, in parallel:
          run_node_container ──► wait_for_engine ──► load_images ──►
          `kubemini join --server https://<gateway>:<port> --token <new token> --ca-cert-hash <hash>`
          inside it (skipped when it joined before: its entrypoint resumes the join itself)
down: remove_node_containers(): containers, their Docker volumes and the node network
      (the Node objects stay in etcd with the rest of the cluster's data, and are reused by the next `up`)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TextIO

from kubemini.cli.nodes.containers import (
    NodeContainerError,
    NodeContainerSpec,
    exec_in_node,
    load_images,
    network_name,
    remove_node_containers,
    run_node_container,
    wait_for_engine,
)
from kubemini.cli.settings import ClusterSettings

NODE_HOME = "/var/lib/kubemini"  # KUBEMINI_HOME in the node image


def cluster_id(settings: ClusterSettings) -> str:
    """What names a cluster's node containers and network: its first node's name, unique per cluster."""
    return settings.node_name


def node_names(settings: ClusterSettings) -> list[str]:
    return [f"{cluster_id(settings)}-node-{index}" for index in range(2, settings.nodes + 1)]


def join_argv(settings: ClusterSettings, *, token: str, ca_cert_hash: str) -> list[str]:
    return [
        "kubemini", "join",
        "--server", settings.advertised_server_url,
        "--token", token,
        "--ca-cert-hash", ca_cert_hash,
        "--pod-network", settings.pod_network,
        "--cluster-cidr", settings.cluster_cidr,
    ]  # fmt: skip


def start_node_machine(settings: ClusterSettings, name: str, *, token: str, ca_cert_hash: str) -> str:
    spec = NodeContainerSpec(cluster=cluster_id(settings), name=name, network=network_name(cluster_id(settings)))
    run_node_container(spec)
    wait_for_engine(name)
    load_images(name)
    try:
        exec_in_node(name, ["test", "-f", f"{NODE_HOME}/join.json"])
        return f"  {name:<20} node container running (joined before)"
    except NodeContainerError:
        pass
    exec_in_node(name, join_argv(settings, token=token, ca_cert_hash=ca_cert_hash))
    return f"  {name:<20} node container joined"


def start_node_machines(settings: ClusterSettings, *, token: str, ca_cert_hash: str, out: TextIO) -> None:
    """Start and join every extra node; NodeContainerError names the first that failed."""
    names = node_names(settings)
    if not names:
        return
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = [
            pool.submit(start_node_machine, settings, name, token=token, ca_cert_hash=ca_cert_hash) for name in names
        ]
        for future in futures:
            print(future.result(), file=out)


def stop_node_machines(settings: ClusterSettings, out: TextIO) -> None:
    removed = remove_node_containers(cluster_id(settings))
    if removed:
        print(f"  removed node container(s) {', '.join(removed)}", file=out)

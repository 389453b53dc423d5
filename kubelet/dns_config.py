"""A pod's resolver settings, by `dnsPolicy`, as the kubelet hands them to the sandbox.

ClusterFirst (the default) points the pod at the cluster DNS that kube-proxy
serves on a ClusterIP, with Kubernetes' search path and `ndots:5`, so both
`web` and `web.<ns>.svc.cluster.local` resolve. Default keeps the engine's
resolver; None uses only `dnsConfig`. App containers share the sandbox's
network namespace and therefore its resolv.conf.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CLUSTER_FIRST_NDOTS = 5


@dataclass(frozen=True)
class PodDns:
    nameservers: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


def address_is_local(address: str) -> bool:
    """Whether `address` is local to this node (kube-proxy routes the Service range `local`).

    Pods are pointed at the cluster DNS only then: without that route a query
    to it would follow the default route off the machine.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True


def dns_policy(pod: Mapping[str, Any]) -> str:
    spec = pod.get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if spec.get("hostNetwork") and policy == "ClusterFirst":
        policy = "Default"  # Kubernetes: host-network pods use the node's resolver unless ClusterFirstWithHostNet
    return policy


def waits_for_cluster_dns(pod: Mapping[str, Any], *, cluster_dns: str) -> bool:
    """Whether this pod wants the cluster DNS and this node does not serve it yet."""
    wants = dns_policy(pod) in ("ClusterFirst", "ClusterFirstWithHostNet")
    return wants and bool(cluster_dns) and not address_is_local(cluster_dns)


def pod_dns(pod: Mapping[str, Any], *, cluster_dns: str, cluster_domain: str) -> PodDns:
    spec = pod.get("spec") or {}
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    policy = dns_policy(pod)
    nameservers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet") and cluster_dns and address_is_local(cluster_dns):
        nameservers = [cluster_dns]
        searches = [f"{namespace}.svc.{cluster_domain}", f"svc.{cluster_domain}", cluster_domain]
        options = [f"ndots:{CLUSTER_FIRST_NDOTS}"]
    config = spec.get("dnsConfig") or {}
    nameservers += [str(n) for n in config.get("nameservers") or []]
    searches += [str(s) for s in config.get("searches") or []]
    for option in config.get("options") or []:
        if isinstance(option, Mapping) and option.get("name"):
            value = option.get("value")
            options.append(f"{option['name']}:{value}" if value is not None else str(option["name"]))
    return PodDns(nameservers, searches, options)

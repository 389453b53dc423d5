"""A Node's pod CIDRs and the address arithmetic on them, shared by the apiserver, node IPAM and kubelets.

    Node.spec.podCIDRs (v1 mirrors its first entry in spec.podCIDR) ──► pod_cidrs(node)
    a pod CIDR ──► gateway_address (.1: the node's bridge), vtep_address (.0: flannel's VXLAN endpoint)
    a Node ──► internal_ip (status.addresses, type InternalIP): where other nodes route its pods

Upstream keeps only `podCIDRs` internally; v1's `podCIDR` is its first entry, so a
write of either is normalised here to both (`normalize_pod_cidrs`). Once set they
are immutable (`pod_cidr_update_problem`, with upstream's message).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
CIDR_EXAMPLE = "(e.g. 10.9.8.0/24 or 2001:db8::/64)"
IMMUTABLE_MESSAGE = 'node updates may not change podCIDR except from "" to valid'


def pod_cidrs(node: Mapping[str, Any]) -> list[str]:
    spec = node.get("spec") or {}
    cidrs = list(spec.get("podCIDRs") or [])
    if not cidrs and spec.get("podCIDR"):
        cidrs = [spec["podCIDR"]]
    return cidrs


def normalize_pod_cidrs(node: dict[str, Any]) -> None:
    """v1 conversion: the one given fills the other; both given must agree (validation says so)."""
    spec = node.get("spec")
    if not isinstance(spec, dict):
        return
    cidrs = spec.get("podCIDRs") or []
    if cidrs and not spec.get("podCIDR"):
        spec["podCIDR"] = cidrs[0]
    elif not cidrs and spec.get("podCIDR"):
        spec["podCIDRs"] = [spec["podCIDR"]]


def parse_cidr(text: str) -> IPNetwork | None:
    """A canonical CIDR (host bits zero), or None."""
    try:
        return ipaddress.ip_network(text, strict=True)
    except (TypeError, ValueError):
        return None


def pod_cidr_problems(cidrs: list[Any]) -> list[tuple[str, Any, str]]:
    """(path, value, detail) for each invalid entry of spec.podCIDRs, as upstream's ValidateNode."""
    problems: list[tuple[str, Any, str]] = []
    families: set[int] = set()
    for index, text in enumerate(cidrs):
        network = parse_cidr(text) if isinstance(text, str) else None
        if network is None:
            problems.append((f"spec.podCIDRs[{index}]", text, f"must be a valid CIDR value, {CIDR_EXAMPLE}"))
            continue
        families.add(network.version)
    if len(cidrs) > 1 and len(families) != len(cidrs) and not problems:
        problems.append(("spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family"))
    return problems


def pod_cidr_update_problem(new: Mapping[str, Any], old: Mapping[str, Any]) -> str | None:
    """Upstream's ValidateNodeUpdate: podCIDRs may only go from empty to set."""
    before = pod_cidrs(old)
    if not before:
        return None
    spec = new.get("spec") or {}
    if list(spec.get("podCIDRs") or []) != before or spec.get("podCIDR", before[0]) != before[0]:
        return IMMUTABLE_MESSAGE
    return None


def ipv4_pod_cidr(node: Mapping[str, Any]) -> ipaddress.IPv4Network | None:
    for text in pod_cidrs(node):
        network = parse_cidr(text)
        if isinstance(network, ipaddress.IPv4Network):
            return network
    return None


def gateway_address(cidr: IPNetwork) -> str:
    """The node's own address on its pod bridge: the CIDR's first host (.1)."""
    return str(cidr.network_address + 1)


def vtep_address(cidr: IPNetwork) -> str:
    """A node's VXLAN endpoint address, as flannel gives it: the network address of its pod CIDR (.0)."""
    return str(cidr.network_address)


def internal_ip(node: Mapping[str, Any]) -> str | None:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP" and address.get("address"):
            return str(address["address"])
    return None

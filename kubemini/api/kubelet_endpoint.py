"""Where a node's kubelet answers: its InternalIP and `status.daemonEndpoints.kubeletEndpoint.Port`.

Used by everything that calls a kubelet (the apiserver's log proxy, the metrics component's
scrapes). The address must be a plain IP address a kubelet can listen on (loopback on one machine,
the node's own address once machines join): names, unspecified and multicast addresses are refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any


class NoKubeletEndpoint(ValueError):
    """The node advertises no kubelet endpoint that can be dialled."""


def kubelet_endpoint(node: Mapping[str, Any]) -> tuple[str, int]:
    status = node.get("status") or {}
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    host = addresses.get("InternalIP") or ""
    port = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
    try:
        address = ipaddress.ip_address(host)
        dialable = not (address.is_unspecified or address.is_multicast)
    except ValueError:
        dialable = False
    if not port or not dialable:
        name = (node.get("metadata") or {}).get("name", "")
        raise NoKubeletEndpoint(f"node {name} advertises no kubelet endpoint ({host or '-'}:{port or '-'})")
    return host, int(port)

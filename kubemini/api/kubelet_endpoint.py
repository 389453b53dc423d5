"""Where a node's kubelet answers: its InternalIP and `status.daemonEndpoints.kubeletEndpoint.Port`.

Used by everything that calls a kubelet (the apiserver's log proxy, the metrics component's
scrapes). kubemini only ever dials a kubelet on loopback: any other address is refused here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any


class NoKubeletEndpoint(ValueError):
    """The node advertises no kubelet endpoint on loopback."""


def kubelet_endpoint(node: Mapping[str, Any]) -> tuple[str, int]:
    status = node.get("status") or {}
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    host = addresses.get("InternalIP") or ""
    port = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not port or not loopback:
        name = (node.get("metadata") or {}).get("name", "")
        raise NoKubeletEndpoint(f"node {name} advertises no kubelet endpoint on loopback ({host or '-'}:{port or '-'})")
    return host, int(port)

"""What a Service's endpoints are made of, the same for Endpoints and EndpointSlices.

    pod + service port ──► target_port (a number as is, a name looked up among the pod's ports)
    pod ──► pod_ip (status.podIP, else the first of status.podIPs)
    pod + service ──► endpoint_hostname (spec.hostname when spec.subdomain names the Service)
    service ──► is_headless (clusterIP None)
    a Service's EndpointSlices ──► traffic_endpoints (ready, else serving-terminating) / ready_addresses (DNS)

The Endpoints and EndpointSlice controllers and the endpoint-reading components use these only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def target_port(pod: Mapping[str, Any], service_port: Mapping[str, Any]) -> int | None:
    """The pod's port for this service port: a numeric targetPort as is, a named one looked up
    among the pod's container ports of the same protocol; None when the pod has no such name."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if not isinstance(target, str) or not target:
        return None
    if target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return int(port["containerPort"])
    return None


def pod_ip(pod: Mapping[str, Any]) -> str | None:
    status = pod.get("status") or {}
    if status.get("podIP"):
        return str(status["podIP"])
    for entry in status.get("podIPs") or []:
        if entry.get("ip"):
            return str(entry["ip"])
    return None


def endpoint_hostname(pod: Mapping[str, Any], service: Mapping[str, Any]) -> str | None:
    spec = pod.get("spec") or {}
    if spec.get("hostname") and spec.get("subdomain") == (service.get("metadata") or {}).get("name"):
        return str(spec["hostname"])
    return None


def is_headless(service: Mapping[str, Any]) -> bool:
    return (service.get("spec") or {}).get("clusterIP") == "None"


# -- reading EndpointSlices ---------------------------------------------------------------------

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def slices_of_service(slices: Iterable[Mapping[str, Any]], namespace: str, name: str) -> list[Mapping[str, Any]]:
    """The EndpointSlices labelled as the Service's (any manager: controller, mirroring, by hand)."""
    return [
        s
        for s in slices
        if (s.get("metadata") or {}).get("namespace") == namespace
        and ((s.get("metadata") or {}).get("labels") or {}).get(SERVICE_NAME_LABEL) == name
    ]


def _condition(endpoint: Mapping[str, Any], name: str, default: bool) -> bool:
    value = (endpoint.get("conditions") or {}).get(name)
    return default if value is None else bool(value)


def traffic_endpoints(
    slices: Iterable[Mapping[str, Any]], *, port_name: str, protocol: str, node: str | None = None
) -> list[tuple[str, int]]:
    """(IP, port) pairs a Service port sends traffic to, as kube-proxy picks them: the ready
    endpoints (an unset `ready` counts as ready); when none is ready, the serving ones that are
    terminating (KEP-1669), so connections drain instead of failing. IPv4 slices only. With
    `node` (a `Local` traffic policy), only the endpoints on that node count."""
    ready: set[tuple[str, int]] = set()
    draining: set[tuple[str, int]] = set()
    for endpoint_slice in slices:
        if endpoint_slice.get("addressType") != "IPv4":
            continue
        numbers = [
            int(p["port"])
            for p in endpoint_slice.get("ports") or []
            if (p.get("name") or "") == port_name and (p.get("protocol") or "TCP") == protocol and p.get("port")
        ]
        for endpoint in endpoint_slice.get("endpoints") or []:
            addresses = endpoint.get("addresses") or []
            if not addresses or not numbers or (node is not None and endpoint.get("nodeName") != node):
                continue
            if _condition(endpoint, "ready", True):
                target = ready
            elif _condition(endpoint, "serving", False) and _condition(endpoint, "terminating", False):
                target = draining
            else:
                continue
            target.update((str(addresses[0]), number) for number in numbers)
    return sorted(ready or draining)


def ready_addresses(slices: Iterable[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """(IP, hostname) of every ready endpoint, once per IP, in IP order: a headless Service's DNS answers."""
    found: dict[str, str | None] = {}
    for endpoint_slice in slices:
        if endpoint_slice.get("addressType") != "IPv4":
            continue
        for endpoint in endpoint_slice.get("endpoints") or []:
            addresses = endpoint.get("addresses") or []
            if addresses and _condition(endpoint, "ready", True):
                found.setdefault(str(addresses[0]), endpoint.get("hostname"))
    return [(ip, found[ip]) for ip in sorted(found, key=lambda ip: tuple(int(part) for part in ip.split(".")))]

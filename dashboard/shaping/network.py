"""Services, Ingresses and EndpointSlices ──► rows; the browser joins slices to their Service by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.shaping.common import base_row

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def _port_text(port: Mapping[str, Any]) -> str:
    text = f"{port.get('port')}"
    if port.get("nodePort"):
        text += f":{port['nodePort']}"
    return f"{text}/{port.get('protocol') or 'TCP'}"


def service_row(service: Mapping[str, Any]) -> dict[str, Any]:
    spec = service.get("spec") or {}
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return {
        **base_row(service),
        "type": spec.get("type") or "ClusterIP",
        "clusterIP": spec.get("clusterIP") or "",
        "externalIPs": list(spec.get("externalIPs") or []) + [i.get("ip") or i.get("hostname") for i in ingress],
        "ports": [_port_text(p) for p in spec.get("ports") or []],
        "selector": dict(spec.get("selector") or {}),
    }


def endpointslice_row(slice_: Mapping[str, Any]) -> dict[str, Any]:
    labels = (slice_.get("metadata") or {}).get("labels") or {}
    ports = [f"{p.get('name') or ''}:{p.get('port')}".lstrip(":") for p in slice_.get("ports") or []]
    endpoints = []
    for endpoint in slice_.get("endpoints") or []:
        conditions = endpoint.get("conditions") or {}
        target = endpoint.get("targetRef") or {}
        for address in endpoint.get("addresses") or []:
            endpoints.append(
                {
                    "address": address,
                    "ready": conditions.get("ready") is not False,
                    "terminating": bool(conditions.get("terminating")),
                    "pod": target.get("name") if target.get("kind") == "Pod" else "",
                    "node": endpoint.get("nodeName") or "",
                }
            )
    return {**base_row(slice_), "service": labels.get(SERVICE_NAME_LABEL) or "", "ports": ports, "endpoints": endpoints}


def _backend_text(backend: Mapping[str, Any]) -> str:
    service = backend.get("service") or {}
    port = service.get("port") or {}
    return f"{service.get('name')}:{port.get('number') or port.get('name')}" if service else "(resource)"


def ingress_row(ingress: Mapping[str, Any]) -> dict[str, Any]:
    spec = ingress.get("spec") or {}
    routes = []
    for rule in spec.get("rules") or []:
        for path in ((rule.get("http") or {}).get("paths")) or []:
            routes.append(
                {
                    "host": rule.get("host") or "*",
                    "path": path.get("path") or "/",
                    "backend": _backend_text(path.get("backend") or {}),
                    "service": ((path.get("backend") or {}).get("service") or {}).get("name") or "",
                }
            )
    if spec.get("defaultBackend"):
        backend = spec["defaultBackend"]
        routes.append(
            {
                "host": "*",
                "path": "(default)",
                "backend": _backend_text(backend),
                "service": (backend.get("service") or {}).get("name") or "",
            }
        )
    addresses = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return {
        **base_row(ingress),
        "className": spec.get("ingressClassName") or "",
        "routes": routes,
        "tlsHosts": [h for t in spec.get("tls") or [] for h in t.get("hosts") or []],
        "addresses": [a.get("ip") or a.get("hostname") for a in addresses],
    }

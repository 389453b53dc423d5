"""From the informer caches to one immutable RoutingTable, and the lookup every request makes.

    Ingresses of our class (oldest first) ──► primaries / canaries (canary annotation)
        primary rules   ──► hosts[host].paths (path type, path, Route); first Ingress wins a duplicate
        defaultBackend  ──► hosts[host].fallback for its own hosts, table.default_route for all others
        canary rules    ──► attached to the primary Route with the same host, path type and path
        spec.tls        ──► certificates[host] = the kubernetes.io/tls Secret's cert and key
    backend (Service + port name or number) ──► resolve_upstream(): the Service port, its
        EndpointSlices (label kubernetes.io/service-name), ready endpoints ──► (ip, port) pairs

A rebuild never mutates a table that requests are reading: the proxy swaps the
reference, so a request in flight finishes on the table it started with.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ingress_controller.canary import CanaryPolicy, canary_policy
from ingress_controller.endpoint_safety import address_allowed
from ingress_controller.path_matching import (
    EXACT,
    IMPLEMENTATION_SPECIFIC,
    PREFIX,
    best_path,
    host_group,
    request_path_of,
)

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
TLS_SECRET_TYPE = "kubernetes.io/tls"

Obj = Mapping[str, Any]
Endpoint = tuple[str, int]


@dataclass(frozen=True)
class Upstream:
    service: str  # namespace/name
    port: str  # as the Ingress names it: a number or a port name
    endpoints: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class Canary:
    ingress: str
    policy: CanaryPolicy
    upstream: Upstream


@dataclass(frozen=True)
class Route:
    ingress: str  # namespace/name of the Ingress the rule comes from
    upstream: Upstream
    canary: Canary | None = None


@dataclass(frozen=True)
class HostRules:
    paths: tuple[tuple[str, str, Route], ...] = ()  # (path type, path, route)
    fallback: Route | None = None


@dataclass(frozen=True)
class TlsCertificate:
    secret: str  # namespace/name
    cert_pem: bytes
    key_pem: bytes


@dataclass(frozen=True)
class RoutingTable:
    hosts: Mapping[str, HostRules] = field(default_factory=dict)
    default_route: Route | None = None
    certificates: Mapping[str, TlsCertificate] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def choose_route(table: RoutingTable, host: str, target: str) -> Route | None:
    """The Route for a request to `host` (normalized) and request target; None means 404."""
    group = host_group(table.hosts, host)
    if group is None:
        return table.default_route
    route = best_path(group.paths, request_path_of(target))
    return route or group.fallback or table.default_route


# -- building ---------------------------------------------------------------------------------


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _key(obj: Obj) -> str:
    return f"{_meta(obj).get('namespace', '')}/{_meta(obj).get('name', '')}"


def _age_order(obj: Obj) -> tuple[str, str]:
    return (str(_meta(obj).get("creationTimestamp") or ""), _key(obj))


def ready_endpoints(service_port: Obj, slices: Iterable[Obj]) -> list[Endpoint]:
    """(ip, port) of every ready IPv4 endpoint for one Service port, from its EndpointSlices."""
    wanted_name = service_port.get("name") or ""
    target = service_port.get("targetPort")
    found: set[Endpoint] = set()
    for endpoint_slice in slices:
        if endpoint_slice.get("addressType", "IPv4") != "IPv4":
            continue
        ports = endpoint_slice.get("ports") or []
        number = next((p.get("port") for p in ports if (p.get("name") or "") == wanted_name), None)
        if number is None and isinstance(target, int):
            number = next((p.get("port") for p in ports if p.get("port") == target), None)
        if not isinstance(number, int):
            continue
        for endpoint in endpoint_slice.get("endpoints") or []:
            # A missing `ready` means unknown, which consumers must treat as ready.
            if (endpoint.get("conditions") or {}).get("ready") is False:
                continue
            addresses = endpoint.get("addresses") or []
            if addresses and address_allowed(addresses[0]):
                found.add((addresses[0], number))
    return sorted(found)


def resolve_upstream(
    namespace: str,
    backend: Obj,
    *,
    services: Callable[[str], Obj | None],
    slices_for: Callable[[str, str], Iterable[Obj]],
) -> Upstream:
    service_ref = backend.get("service") or {}
    name = service_ref.get("name") or ""
    port_ref = service_ref.get("port") or {}
    port_text = str(port_ref.get("number") or port_ref.get("name") or "")
    upstream = Upstream(service=f"{namespace}/{name}", port=port_text)
    service = services(upstream.service)
    if service is None:
        return upstream
    for service_port in (service.get("spec") or {}).get("ports") or []:
        by_number = port_ref.get("number") is not None and service_port.get("port") == port_ref.get("number")
        by_name = bool(port_ref.get("name")) and service_port.get("name") == port_ref.get("name")
        if by_number or by_name:
            endpoints = ready_endpoints(service_port, slices_for(namespace, name))
            return Upstream(service=upstream.service, port=port_text, endpoints=tuple(endpoints))
    return upstream


def tls_certificate(secret: Obj | None) -> TlsCertificate | None:
    if secret is None or secret.get("type") != TLS_SECRET_TYPE:
        return None
    data = secret.get("data") or {}
    try:
        cert, key = base64.b64decode(data.get("tls.crt") or ""), base64.b64decode(data.get("tls.key") or "")
    except (binascii.Error, ValueError):
        return None
    return TlsCertificate(_key(secret), cert, key) if cert and key else None


def _path_type(path: Obj) -> str:
    path_type = path.get("pathType") or IMPLEMENTATION_SPECIFIC
    # ImplementationSpecific is matched as Prefix (documented in the README).
    return EXACT if path_type == EXACT else PREFIX


def build_routing_table(
    ingresses: Iterable[Obj],
    *,
    services: Callable[[str], Obj | None],
    slices_for: Callable[[str, str], Iterable[Obj]],
    secrets: Callable[[str], Obj | None],
) -> RoutingTable:
    """The table for these Ingresses (already filtered to our class)."""
    ordered = sorted(ingresses, key=_age_order)
    routes: dict[tuple[str, str, str], Route] = {}
    fallbacks: dict[str, Route] = {}
    default_route: Route | None = None
    certificates: dict[str, TlsCertificate] = {}
    problems: list[str] = []

    def upstream_for(namespace: str, backend: Obj) -> Upstream:
        return resolve_upstream(namespace, backend, services=services, slices_for=slices_for)

    canaries = []
    for ingress in ordered:
        policy = canary_policy(_meta(ingress).get("annotations"))
        if policy is not None:
            canaries.append((ingress, policy))
            continue
        namespace, spec, name = _meta(ingress).get("namespace", ""), ingress.get("spec") or {}, _key(ingress)
        default = spec.get("defaultBackend")
        own_default = Route(name, upstream_for(namespace, default)) if default else None
        if own_default is not None and default_route is None:
            default_route = own_default
        for rule in spec.get("rules") or []:
            host = (rule.get("host") or "").lower()
            if own_default is not None:
                fallbacks.setdefault(host, own_default)
            for path in (rule.get("http") or {}).get("paths") or []:
                key = (host, _path_type(path), path.get("path") or "/")
                if key in routes:
                    problems.append(f"{name}: {key[0] or '*'}{key[2]} already routed by {routes[key].ingress}")
                    continue
                routes[key] = Route(name, upstream_for(namespace, path.get("backend") or {}))
        for entry in spec.get("tls") or []:
            secret_key = f"{namespace}/{entry.get('secretName') or ''}"
            certificate = tls_certificate(secrets(secret_key))
            if certificate is None:
                problems.append(f"{name}: TLS Secret {secret_key} missing or not of type {TLS_SECRET_TYPE}")
                continue
            for host in entry.get("hosts") or []:
                certificates.setdefault(host.lower(), certificate)

    for ingress, policy in canaries:
        namespace, name = _meta(ingress).get("namespace", ""), _key(ingress)
        for rule in (ingress.get("spec") or {}).get("rules") or []:
            host = (rule.get("host") or "").lower()
            for path in (rule.get("http") or {}).get("paths") or []:
                key = (host, _path_type(path), path.get("path") or "/")
                primary = routes.get(key)
                if primary is None:
                    problems.append(f"{name}: canary for {host or '*'}{key[2]} has no primary Ingress")
                elif primary.canary is None:
                    canary = Canary(name, policy, upstream_for(namespace, path.get("backend") or {}))
                    routes[key] = Route(primary.ingress, primary.upstream, canary)

    hosts: dict[str, HostRules] = {}
    for host in sorted({key[0] for key in routes} | set(fallbacks)):
        paths = tuple((t, p, route) for (h, t, p), route in routes.items() if h == host)
        hosts[host] = HostRules(paths=paths, fallback=fallbacks.get(host))
    return RoutingTable(hosts=hosts, default_route=default_route, certificates=certificates, problems=tuple(problems))

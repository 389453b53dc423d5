"""The proxy's desired state, rebuilt from the Service and EndpointSlice caches on every sync.

    Services ──────┐
                   ├─► build_service_ports() ──► {ServicePortName: ServicePort(cluster IP, port, nodePort,
    EndpointSlices ┘                                  protocol, affinity, endpoints)}
                         desired_listeners() ──► {ListenerKey(ip, port, protocol): ServicePortName}

A service port is listened for on its ClusterIP:port; NodePort and LoadBalancer
Services also on <node address>:nodePort, and LoadBalancer ones on <node address>:port
(the address their `status.loadBalancer.ingress` names, as k3s' ServiceLB does).
`internalTrafficPolicy: Local` keeps ClusterIP traffic on this node's endpoints;
`externalTrafficPolicy: Local` does the same for NodePort and LoadBalancer traffic
(`external_endpoints`, used by the listeners `is_external` names). Headless and
ExternalName Services get no listeners. Which slice endpoints carry traffic
(ready ones; serving-terminating ones only when none is ready) is
kubemini/api/service_endpoints.py's `traffic_endpoints`. Pure functions, no I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kube_proxy.load_balancing import DEFAULT_AFFINITY_SECONDS, Endpoint
from kubemini.api.service_endpoints import SERVICE_NAME_LABEL, slices_of_service, traffic_endpoints
from kubemini.client.informer import Informer
from kubemini.client.log_once import UNINTERPRETABLE, LogOnce

log = logging.getLogger(__name__)
_failures = LogOnce(log)

PROXIED_PROTOCOLS = ("TCP", "UDP")
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


@dataclass(frozen=True, order=True)
class ServicePortName:
    namespace: str
    name: str
    port: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}:{self.port}"

    @property
    def service(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, order=True)
class ListenerKey:
    ip: str
    port: int
    protocol: str

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}/{self.protocol}"


@dataclass(frozen=True)
class ServicePort:
    name: ServicePortName
    protocol: str
    cluster_ip: str
    port: int
    node_port: int | None = None
    load_balancer: bool = False
    affinity_seconds: float | None = None
    endpoints: tuple[Endpoint, ...] = field(default=())
    # NodePort / LoadBalancer traffic under `externalTrafficPolicy: Local`: this node's endpoints
    # only; None when external traffic goes where ClusterIP traffic goes.
    external_endpoints: tuple[Endpoint, ...] | None = None

    @property
    def cluster_listener(self) -> ListenerKey:
        return ListenerKey(self.cluster_ip, self.port, self.protocol)

    def is_external(self, key: ListenerKey) -> bool:
        """Whether traffic arriving on `key` follows externalTrafficPolicy (NodePort and LB listeners)."""
        return key != self.cluster_listener

    def endpoints_for(self, key: ListenerKey) -> tuple[Endpoint, ...]:
        if self.external_endpoints is not None and self.is_external(key):
            return self.external_endpoints
        return self.endpoints

    def listeners(self, *, node_address: str) -> list[ListenerKey]:
        keys = [ListenerKey(self.cluster_ip, self.port, self.protocol)]
        if self.node_port:
            keys.append(ListenerKey(node_address, self.node_port, self.protocol))
        if self.load_balancer:
            keys.append(ListenerKey(node_address, self.port, self.protocol))
        return keys


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def affinity_seconds(spec: Mapping[str, Any]) -> float | None:
    """None without ClientIP affinity, else its timeout (default 10800 s)."""
    if spec.get("sessionAffinity") != "ClientIP":
        return None
    config = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
    return float(config) if config else DEFAULT_AFFINITY_SECONDS


def ready_endpoints(
    slices: Iterable[Mapping[str, Any]], *, port_name: str, protocol: str, node: str | None = None
) -> tuple[Endpoint, ...]:
    """The endpoints offering the named port (only `node`'s when given), sorted, without duplicates."""
    found = traffic_endpoints(slices, port_name=port_name, protocol=protocol, node=node)
    return tuple(Endpoint(ip, port) for ip, port in found)


def slices_getter(slices: Informer) -> Callable[[str], list[Mapping[str, Any]]]:
    """`slices_for("ns/name")`: the Service's EndpointSlices from the cache, by their service-name label."""

    def slices_for(key: str) -> list[Mapping[str, Any]]:
        namespace, _, name = key.rpartition("/")
        return slices_of_service(slices.by_index("label", f"{SERVICE_NAME_LABEL}={name}"), namespace, name)

    return slices_for


def build_service_ports(
    services: Iterable[Mapping[str, Any]],
    slices_for: Callable[[str], list[Mapping[str, Any]]],
    *,
    node_name: str | None = None,
) -> dict[ServicePortName, ServicePort]:
    """Every proxied service port; `slices_for("ns/name")` reads the Service's EndpointSlices.

    A Service (or one of its slices) that cannot be interpreted is left out, said once per
    version: one malformed stored object must not stop every other Service's traffic."""
    result: dict[ServicePortName, ServicePort] = {}
    for service in services:
        try:
            result.update(_ports_of(service, slices_for, node_name))
        except UNINTERPRETABLE:
            meta = _meta(service) if isinstance(service.get("metadata"), dict) else {}
            key = f"{meta.get('namespace')}/{meta.get('name')}"
            _failures.failure("cannot proxy Service %s; skipping it", key, str(meta.get("resourceVersion")), key)
    return result


def _ports_of(
    service: Mapping[str, Any], slices_for: Callable[[str], list[Mapping[str, Any]]], node_name: str | None
) -> dict[ServicePortName, ServicePort]:
    result: dict[ServicePortName, ServicePort] = {}
    spec = service.get("spec") or {}
    cluster_ip = spec.get("clusterIP")
    if not cluster_ip or cluster_ip == "None" or spec.get("type") == "ExternalName":
        return result
    namespace, name = _meta(service).get("namespace") or "", _meta(service).get("name") or ""
    slices = slices_for(f"{namespace}/{name}")
    node_ports = spec.get("type") in NODE_PORT_TYPES
    for port in spec.get("ports") or []:
        protocol = port.get("protocol") or "TCP"
        if protocol not in PROXIED_PROTOCOLS or not port.get("port"):
            continue
        port_name = ServicePortName(namespace, name, port.get("name") or "")
        internal_node = node_name if spec.get("internalTrafficPolicy") == "Local" else None
        external_local = node_ports and spec.get("externalTrafficPolicy") == "Local"
        result[port_name] = ServicePort(
            name=port_name,
            protocol=protocol,
            cluster_ip=str(cluster_ip),
            port=int(port["port"]),
            node_port=int(port["nodePort"]) if node_ports and port.get("nodePort") else None,
            load_balancer=spec.get("type") == "LoadBalancer",
            affinity_seconds=affinity_seconds(spec),
            endpoints=ready_endpoints(slices, port_name=port_name.port, protocol=protocol, node=internal_node),
            external_endpoints=ready_endpoints(slices, port_name=port_name.port, protocol=protocol, node=node_name)
            if external_local
            else None,
        )
    return result


def desired_listeners(
    service_ports: Mapping[ServicePortName, ServicePort],
    *,
    node_address: str,
    reserved: Iterable[ListenerKey] = (),
) -> tuple[dict[ListenerKey, ServicePortName], list[tuple[ListenerKey, ServicePortName]]]:
    """Listener → service port, and the (listener, service port) pairs that lost a clash.

    `reserved` listeners belong to kube-proxy itself (the cluster DNS server). When two
    service ports want the same address, the first by name wins, so every sync and
    every kube-proxy picks the same one."""
    own = set(reserved)
    taken = set(own)
    listeners: dict[ListenerKey, ServicePortName] = {}
    conflicts: list[tuple[ListenerKey, ServicePortName]] = []
    for port_name in sorted(service_ports):
        for key in service_ports[port_name].listeners(node_address=node_address):
            if key in own:
                continue  # served in-process (the kube-dns Service): not a clash
            if key in taken:
                if listeners.get(key) != port_name:
                    conflicts.append((key, port_name))
                continue
            taken.add(key)
            listeners[key] = port_name
    return listeners, conflicts

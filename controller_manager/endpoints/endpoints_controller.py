"""Endpoints controller: one `Endpoints` object per Service with a selector, listing its pods.

    Service events ──► the Service's key
    Pod events ──► keys of the Services in the pod's namespace whose selector matches the
                   pod's old or new labels (so a pod that stops matching leaves its old Service)
                        │
    reconcile(key) ◄────┘ reads the Service, its namespace's pods and the current Endpoints
        Service gone        ──► delete the Endpoints if this controller wrote them
        no selector         ──► leave the Endpoints alone (user-managed, e.g. `kubernetes`)
        otherwise           ──► subsets = pods with an IP, not terminal, not terminating:
                                ready → addresses, others → notReadyAddresses; each service
                                port resolved per pod (a named targetPort looked up among the
                                pod's container ports, a number used as is), then repacked
                                like Kubernetes: one subset per distinct set of addresses
        unchanged           ──► no write; else create or PUT (a stale resourceVersion is a
                                Conflict: retried with backoff by the base class)

The computation (`compute_subsets`, `desired_endpoints`) is pure and tested alone; what an endpoint
is made of (target ports, pod IPs, hostnames) is kubemini/api/service_endpoints.py.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kubemini.api import pods as pod_rules
from kubemini.api.registry import by_kind
from kubemini.api.selectors import labels_match, selector_from_label_selector
from kubemini.api.service_endpoints import endpoint_hostname, is_headless, pod_ip, target_port
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import AlreadyExists, Conflict, NotFound
from kubemini.client.events import WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key, split_key

SERVICE = by_kind("Service")
POD = by_kind("Pod")
ENDPOINTS = by_kind("Endpoints")
MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpoint-controller"
HEADLESS_LABEL = "service.kubernetes.io/headless"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"  # its EndpointSlices come from the pods directly

log = logging.getLogger(__name__)

Obj = dict[str, Any]


# -- pure computation ---------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def should_be_in_endpoints(pod: Mapping[str, Any], *, include_terminating: bool) -> bool:
    """Kubernetes' rule: a finished pod never, a pod without an IP never, a terminating one only
    when the Service publishes not-ready addresses."""
    if pod_rules.phase(pod) in pod_rules.TERMINAL_PHASES:
        return False
    if not pod_ip(pod):
        return False
    return include_terminating or not _meta(pod).get("deletionTimestamp")


def endpoint_address(pod: Mapping[str, Any], service: Mapping[str, Any]) -> Obj:
    meta, spec = _meta(pod), pod.get("spec") or {}
    hostname = endpoint_hostname(pod, service)
    address: Obj = {
        "ip": pod_ip(pod),
        "targetRef": {
            "kind": "Pod",
            "namespace": meta.get("namespace"),
            "name": meta.get("name"),
            "uid": meta.get("uid"),
        },
    }
    if spec.get("nodeName"):
        address["nodeName"] = spec["nodeName"]
    if hostname:
        address["hostname"] = hostname
    return address


def _endpoint_port(service_port: Mapping[str, Any], number: int) -> Obj:
    port: Obj = {"port": number, "protocol": service_port.get("protocol") or "TCP"}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def _port_key(port: Mapping[str, Any]) -> tuple[str, int, str]:
    return (port.get("name") or "", int(port.get("port") or -1), port.get("protocol") or "")


def _address_key(address: Mapping[str, Any]) -> tuple[str, str]:
    return (address.get("ip") or "", (address.get("targetRef") or {}).get("uid") or "")


def compute_subsets(service: Mapping[str, Any], pods: list[Mapping[str, Any]]) -> list[Obj]:
    """The Service's subsets, repacked as Kubernetes does: each port maps to the set of
    (address, ready) offering it; ports offered by the same set share one subset."""
    spec = service.get("spec") or {}
    tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
    service_ports = [p for p in spec.get("ports") or [] if isinstance(p, Mapping)]
    headless = is_headless(service)
    addresses: dict[tuple[str, str], tuple[Obj, bool]] = {}
    by_port: dict[tuple[str, int, str], tuple[Obj | None, set[tuple[str, str]]]] = {}
    for pod in pods:
        if not should_be_in_endpoints(pod, include_terminating=tolerate_unready):
            continue
        address = endpoint_address(pod, service)
        key = _address_key(address)
        offered: list[Obj | None] = []
        if not service_ports:
            if headless:
                offered.append(None)  # a headless Service without ports still lists its pods
        for service_port in service_ports:
            number = target_port(pod, service_port)
            if number is not None:
                offered.append(_endpoint_port(service_port, number))
        for port in offered:
            port_key = _port_key(port) if port is not None else ("", -1, "")
            by_port.setdefault(port_key, (port, set()))[1].add(key)
        if offered:
            addresses[key] = (address, tolerate_unready or pod_rules.is_ready(pod))
    groups: dict[frozenset[tuple[str, str]], list[Obj]] = {}
    for port, members in by_port.values():
        ports = groups.setdefault(frozenset(members), [])
        if port is not None:
            ports.append(port)
    subsets = []
    for members, ports in groups.items():
        subset: Obj = {}
        ready = [addresses[k][0] for k in sorted(members) if addresses[k][1]]
        not_ready = [addresses[k][0] for k in sorted(members) if not addresses[k][1]]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = sorted(ports, key=_port_key)
        subsets.append(subset)
    return sorted(subsets, key=_subset_sort_key)


def _subset_sort_key(subset: Mapping[str, Any]) -> tuple[Any, ...]:
    members = [*subset.get("addresses", []), *subset.get("notReadyAddresses", [])]
    return (sorted(_address_key(a) for a in members), [_port_key(p) for p in subset.get("ports", [])])


def desired_endpoints(service: Mapping[str, Any], pods: list[Mapping[str, Any]]) -> Obj:
    meta = _meta(service)
    labels = dict(meta.get("labels") or {})
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    labels[SKIP_MIRROR_LABEL] = "true"
    if is_headless(service):
        labels[HEADLESS_LABEL] = ""
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace"), "labels": labels},
        "subsets": compute_subsets(service, pods),
    }


def selected_pods(service: Mapping[str, Any], pods: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    selector = (service.get("spec") or {}).get("selector") or {}
    requirements = selector_from_label_selector({"matchLabels": selector})
    return [pod for pod in pods if labels_match(requirements, _meta(pod).get("labels") or {})]


# -- the controller -----------------------------------------------------------------------------


class EndpointsController(ClientController):
    """Run with `await EndpointsController(client, shared_informers).run()` after
    `shared_informers.start()`; it reads Services, Pods and Endpoints from the shared informers."""

    name = "endpoints"
    default_workers = 5

    def setup(self, informers: SharedInformers) -> None:
        self.services = self.add_informer(informers.informer(SERVICE))
        self.pods = self.add_informer(informers.informer(POD), key_for=self.services_selecting)
        self.endpoints = self.add_informer(informers.informer(ENDPOINTS))

    def services_selecting(self, pod: Mapping[str, Any]) -> list[str]:
        """Keys of the Services in the pod's namespace whose selector matches its labels."""
        namespace = _meta(pod).get("namespace") or ""
        candidates = [
            s for s in self.services.by_index("namespace", namespace) if (s.get("spec") or {}).get("selector")
        ]
        return [object_key(service) for service in candidates if selected_pods(service, [pod])]

    async def reconcile(self, key: str) -> Result | None:
        namespace, name = split_key(key)
        service = self.services.get(key)
        current = self.endpoints.get(key)
        if service is None:
            if current is not None and (_meta(current).get("labels") or {}).get(MANAGED_BY_LABEL) == CONTROLLER_NAME:
                try:
                    await self.client.delete(ENDPOINTS, name, namespace=namespace)
                except NotFound:
                    pass  # already gone: the goal
            return None
        if not (service.get("spec") or {}).get("selector"):
            return None
        pods = selected_pods(service, self.pods.by_index("namespace", namespace or ""))
        wanted = desired_endpoints(service, pods)
        if current is None:
            await self._write(service, self.client.create(ENDPOINTS, wanted, namespace=namespace))
            return None
        labels = wanted["metadata"]["labels"]
        if (current.get("subsets") or []) == wanted["subsets"] and _meta(current).get("labels") == labels:
            return None
        updated = {**current, "subsets": wanted["subsets"], "metadata": {**_meta(current), "labels": labels}}
        await self._write(service, self.client.update(ENDPOINTS, updated))
        return None

    async def _write(self, service: Mapping[str, Any], request: Any) -> None:
        try:
            await request
        except (Conflict, AlreadyExists):
            raise  # our cache lags a write: the retry sees the fresh object, nothing for a human
        except Exception as error:
            self.emit(
                service, WARNING, "FailedToUpdateEndpoint", f"Failed to update endpoint {object_key(service)}: {error}"
            )
            raise

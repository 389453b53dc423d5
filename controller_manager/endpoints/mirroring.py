"""EndpointSlice mirroring controller: hand-made Endpoints published as EndpointSlices too.

    Endpoints / Service events ──► the Endpoints' key;  mirrored slice events ──► their Endpoints' key
    reconcile(key):
        the Service gone, or it has a selector, or the Endpoints gone or labelled
        `endpointslice.kubernetes.io/skip-mirror: "true"` (the Endpoints controller's own) ──► delete
        the mirrored slices
        else ──► each subset's `addresses` (ready) and `notReadyAddresses` (not ready), IPv4 only,
                 grouped by port set ──► plan_slices (no placeholder: no addresses, no slices) ──► carry_out
Consumers that read only EndpointSlices (kube-proxy, kubectl describe) thus see Services whose
endpoints a user or another controller writes by hand, as upstream's mirroring controller does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, TypeGuard

from controller_manager.endpoints.endpoints_controller import SKIP_MIRROR_LABEL
from controller_manager.endpoints.slice_controller import owned_slices, service_key_of_slice
from controller_manager.endpoints.slice_writing import SliceTracker, carry_out
from controller_manager.endpoints.slices import (
    SERVICE_NAME_LABEL,
    PortsKey,
    SlicePlan,
    endpoint_key,
    plan_slices,
    ports_key,
    slice_labels,
)
from kubemini.api.registry import by_kind
from kubemini.client.controller import ClientController, Result
from kubemini.client.shared_informers import SharedInformers

SERVICE, ENDPOINTS, ENDPOINT_SLICE = by_kind("Service"), by_kind("Endpoints"), by_kind("EndpointSlice")
MIRRORING_CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
WAIT_FOR_CACHE_SECONDS = 1.0

Obj = dict[str, Any]


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _is_ipv4(value: object) -> bool:
    try:
        return isinstance(ipaddress.ip_address(str(value)), ipaddress.IPv4Address)
    except ValueError:
        return False


def address_endpoint(address: Mapping[str, Any], *, ready: bool) -> Obj:
    endpoint: Obj = {"addresses": [str(address["ip"])], "conditions": {"ready": ready}}
    if address.get("targetRef"):
        endpoint["targetRef"] = dict(address["targetRef"])
    if address.get("nodeName"):
        endpoint["nodeName"] = address["nodeName"]
    if address.get("hostname"):
        endpoint["hostname"] = address["hostname"]
    return endpoint


def mirrored_endpoints(endpoints: Mapping[str, Any]) -> dict[PortsKey, tuple[list, dict]]:
    groups: dict[PortsKey, tuple[list, dict]] = {}
    for subset in endpoints.get("subsets") or []:
        ports = [
            {"name": p.get("name") or "", "port": p.get("port"), "protocol": p.get("protocol") or "TCP"}
            | ({"appProtocol": p["appProtocol"]} if p.get("appProtocol") else {})
            for p in subset.get("ports") or []
        ]
        ports.sort(key=lambda p: (p["name"], p["protocol"], p["port"] or 0))
        members = groups.setdefault(ports_key(ports), (ports, {}))[1]
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset.get(field) or []:
                if _is_ipv4(address.get("ip")):
                    endpoint = address_endpoint(address, ready=ready)
                    members.setdefault(endpoint_key(endpoint), endpoint)
    return groups


def should_mirror(
    endpoints: Mapping[str, Any] | None, service: Mapping[str, Any] | None
) -> TypeGuard[Mapping[str, Any]]:
    if endpoints is None or service is None or (service.get("spec") or {}).get("selector"):
        return False
    return (_meta(endpoints).get("labels") or {}).get(SKIP_MIRROR_LABEL) != "true"


class EndpointSliceMirroringController(ClientController):
    name = "endpointslice-mirroring"
    default_workers = 5

    def setup(self, informers: SharedInformers) -> None:
        self.tracker = SliceTracker()
        self.services = self.add_informer(informers.informer(SERVICE))
        self.endpoints = self.add_informer(informers.informer(ENDPOINTS))
        self.slices = self.add_informer(
            informers.informer(ENDPOINT_SLICE),
            key_for=lambda s: service_key_of_slice(s, managed_by=MIRRORING_CONTROLLER_NAME),
        )

    async def reconcile(self, key: str) -> Result | None:
        namespace, _, name = key.rpartition("/")
        labelled = self.slices.by_index("label", f"{SERVICE_NAME_LABEL}={name}")
        current = owned_slices(labelled, namespace, managed_by=MIRRORING_CONTROLLER_NAME)
        if self.tracker.behind(key, current):
            return Result(requeue_after=WAIT_FOR_CACHE_SECONDS)
        endpoints = self.endpoints.get(key)
        if not should_mirror(endpoints, self.services.get(key)):
            if current:
                await carry_out(self.client, SlicePlan(delete=list(current)), owner_key=key, tracker=self.tracker)
            return None
        labels = slice_labels(endpoints, managed_by=MIRRORING_CONTROLLER_NAME)
        desired = mirrored_endpoints(endpoints)
        plan = plan_slices(endpoints, desired, current, labels=labels, kind="Endpoints", placeholder=False)
        if not plan.empty:
            await carry_out(self.client, plan, owner_key=key, tracker=self.tracker)
        return None

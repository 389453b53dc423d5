"""EndpointSlice controller: a Service's pods published as discovery.k8s.io/v1 EndpointSlices.

    Service events ──► its key;  Pod events ──► keys of the Services selecting it (old or new labels)
    EndpointSlice events (managed by us) ──► the key of the Service they are labelled with
    reconcile(key):
        Service gone ──► delete our slices (the garbage collector would too: they are owned)
        no selector  ──► nothing (hand-made Endpoints are mirrored by mirroring.py)
        cache behind our own writes ──► wait for the informer
        else ──► plan_slices(desired endpoints, our slices) ──► carry_out (slice_writing.py)
The packing rules (100 per slice, split, merge, placeholder, conditions) are slices.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controller_manager.endpoints.endpoints_controller import selected_pods
from controller_manager.endpoints.slice_writing import SliceTracker, carry_out
from controller_manager.endpoints.slices import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    SERVICE_NAME_LABEL,
    SlicePlan,
    desired_endpoints,
    plan_slices,
    slice_labels,
)
from kubemini.api.registry import by_kind
from kubemini.client.controller import ClientController, Result
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

SERVICE, POD, ENDPOINT_SLICE = by_kind("Service"), by_kind("Pod"), by_kind("EndpointSlice")
WAIT_FOR_CACHE_SECONDS = 1.0


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def owned_slices(slices: list[Mapping[str, Any]], namespace: str, *, managed_by: str) -> list[Mapping[str, Any]]:
    return [
        s
        for s in slices
        if _meta(s).get("namespace") == namespace and (_meta(s).get("labels") or {}).get(MANAGED_BY_LABEL) == managed_by
    ]


def service_key_of_slice(endpoint_slice: Mapping[str, Any], *, managed_by: str) -> str | None:
    labels = _meta(endpoint_slice).get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != managed_by or not labels.get(SERVICE_NAME_LABEL):
        return None
    return f"{_meta(endpoint_slice).get('namespace')}/{labels[SERVICE_NAME_LABEL]}"


class EndpointSliceController(ClientController):
    name = "endpointslice"
    default_workers = 5

    def setup(self, informers: SharedInformers) -> None:
        self.tracker = SliceTracker()
        self.services = self.add_informer(informers.informer(SERVICE))
        self.pods = self.add_informer(informers.informer(POD), key_for=self.services_selecting)
        self.slices = self.add_informer(
            informers.informer(ENDPOINT_SLICE),
            key_for=lambda s: service_key_of_slice(s, managed_by=CONTROLLER_NAME),
        )

    def services_selecting(self, pod: Mapping[str, Any]) -> list[str]:
        namespace = _meta(pod).get("namespace") or ""
        candidates = [
            s for s in self.services.by_index("namespace", namespace) if (s.get("spec") or {}).get("selector")
        ]
        return [object_key(service) for service in candidates if selected_pods(service, [pod])]

    def slices_of(self, namespace: str, name: str) -> list[Mapping[str, Any]]:
        labelled = self.slices.by_index("label", f"{SERVICE_NAME_LABEL}={name}")
        return owned_slices(labelled, namespace, managed_by=CONTROLLER_NAME)

    async def reconcile(self, key: str) -> Result | None:
        namespace, _, name = key.rpartition("/")
        service = self.services.get(key)
        current = self.slices_of(namespace, name)
        if self.tracker.behind(key, current):
            return Result(requeue_after=WAIT_FOR_CACHE_SECONDS)
        if service is None or _meta(service).get("deletionTimestamp"):
            if current:
                await carry_out(self.client, SlicePlan(delete=list(current)), owner_key=key, tracker=self.tracker)
            else:
                self.tracker.forget(key)
            return None
        if not (service.get("spec") or {}).get("selector"):
            return None
        pods = selected_pods(service, self.pods.by_index("namespace", namespace))
        plan = plan_slices(service, desired_endpoints(service, pods), current, labels=slice_labels(service))
        if not plan.empty:
            await carry_out(self.client, plan, owner_key=key, tracker=self.tracker)
        return None

"""A Service's EndpointSlices, computed: what to create, update and delete (pure, no I/O).

    Service + its pods ──► desired endpoints, grouped by the port set each pod offers
    existing slices (ours, by port set) ──► plan_slices():
        an endpoint already in a slice stays in that slice (updated in place when it changed)
        endpoints gone ──► removed from their slice; a slice left empty is deleted
        more slices than the endpoints need (ceil(n / 100)) ──► the emptiest are dissolved
            into the others (slices merge)
        new endpoints ──► into slices with room, then new slices of at most 100 (slices split)
        no endpoints at all ──► one placeholder slice without endpoints or ports, as upstream
An endpoint is `conditions.ready` when its pod is ready and not terminating (or the Service
publishes not-ready addresses), `serving` when ready regardless of terminating, `terminating`
from the pod's deletionTimestamp.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemini.api import pods as pod_rules
from kubemini.api.service_endpoints import SERVICE_NAME_LABEL, endpoint_hostname, is_headless, pod_ip, target_port

MAX_ENDPOINTS_PER_SLICE = 100  # kube-controller-manager's --max-endpoints-per-slice default
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"

Obj = dict[str, Any]
PortsKey = tuple[tuple[str, str, int, str], ...]


@dataclass
class SlicePlan:
    create: list[Obj] = field(default_factory=list)
    update: list[Obj] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def slice_port(service_port: Mapping[str, Any], number: int) -> Obj:
    port: Obj = {
        "name": service_port.get("name") or "",
        "port": number,
        "protocol": service_port.get("protocol") or "TCP",
    }
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def ports_key(ports: list[Mapping[str, Any]] | None) -> PortsKey:
    return tuple(
        sorted(
            (p.get("name") or "", p.get("protocol") or "TCP", int(p.get("port") or 0), p.get("appProtocol") or "")
            for p in ports or []
        )
    )


def pod_endpoint(pod: Mapping[str, Any], service: Mapping[str, Any]) -> Obj:
    spec, meta = pod.get("spec") or {}, _meta(pod)
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    terminating = pod_rules.is_terminating(pod)
    serving = publish or pod_rules.is_ready(pod)
    endpoint: Obj = {
        "addresses": [pod_ip(pod)],
        "conditions": {
            "ready": serving and (publish or not terminating),
            "serving": serving,
            "terminating": terminating,
        },
        "targetRef": {
            "kind": "Pod",
            "namespace": meta.get("namespace"),
            "name": meta.get("name"),
            "uid": meta.get("uid"),
        },
    }
    if hostname := endpoint_hostname(pod, service):
        endpoint["hostname"] = hostname
    if spec.get("nodeName"):
        endpoint["nodeName"] = spec["nodeName"]
    return endpoint


def desired_endpoints(service: Mapping[str, Any], pods: list[Mapping[str, Any]]) -> dict[PortsKey, tuple[list, dict]]:
    """Port set → (its ports, {endpoint key: endpoint}) for the pods that belong in slices:
    with an IP and not finished (terminating ones included, flagged)."""
    service_ports = [p for p in (service.get("spec") or {}).get("ports") or [] if isinstance(p, Mapping)]
    groups: dict[PortsKey, tuple[list, dict]] = {}
    for pod in pods:
        if pod_rules.phase(pod) in pod_rules.TERMINAL_PHASES or not pod_ip(pod):
            continue
        ports = []
        for service_port in service_ports:
            number = target_port(pod, service_port)
            if number is not None:
                ports.append(slice_port(service_port, number))
        ports.sort(key=lambda p: (p["name"], p["protocol"], p["port"]))
        endpoint = pod_endpoint(pod, service)
        groups.setdefault(ports_key(ports), (ports, {}))[1][endpoint_key(endpoint)] = endpoint
    return groups


def endpoint_key(endpoint: Mapping[str, Any]) -> str:
    ref = endpoint.get("targetRef") or {}
    return ref.get("uid") or ",".join(endpoint.get("addresses") or [])


def slice_labels(service: Mapping[str, Any], *, managed_by: str = CONTROLLER_NAME) -> dict[str, str]:
    labels = {
        k: v for k, v in (_meta(service).get("labels") or {}).items() if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL)
    }
    labels[SERVICE_NAME_LABEL] = _meta(service).get("name") or ""
    labels[MANAGED_BY_LABEL] = managed_by
    if is_headless(service):
        labels[HEADLESS_LABEL] = ""
    return labels


def owner_reference(owner: Mapping[str, Any], *, kind: str = "Service") -> Obj:
    meta = _meta(owner)
    return {
        "apiVersion": "v1",
        "kind": kind,
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def new_slice(
    owner: Mapping[str, Any], labels: dict[str, str], ports: list | None, endpoints: list, *, kind: str = "Service"
) -> Obj:
    meta = _meta(owner)
    body: Obj = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": f"{meta.get('name')}-",
            "namespace": meta.get("namespace"),
            "labels": labels,
            "ownerReferences": [owner_reference(owner, kind=kind)],
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
    }
    if ports is not None:
        body["ports"] = ports
    return body


def plan_slices(
    owner: Mapping[str, Any],
    desired: dict[PortsKey, tuple[list, dict]],
    existing: list[Mapping[str, Any]],
    *,
    labels: dict[str, str],
    kind: str = "Service",
    limit: int = MAX_ENDPOINTS_PER_SLICE,
    placeholder: bool = True,
) -> SlicePlan:
    """`owner` is the Service (or, mirroring, the Endpoints) the slices belong to; `existing` its slices."""
    target = _Target(owner, labels, kind)
    by_ports: dict[PortsKey, list[Mapping[str, Any]]] = {}
    for current in sorted(existing, key=lambda s: _meta(s).get("name") or ""):
        by_ports.setdefault(ports_key(current.get("ports")), []).append(current)
    if not any(endpoints for _, endpoints in desired.values()):
        return _placeholder(target, existing) if placeholder else SlicePlan(delete=list(existing))
    plan = SlicePlan()
    for key, slices in by_ports.items():
        if key not in desired or not desired[key][1]:
            plan.delete.extend(slices)
    for key, (ports, endpoints) in desired.items():
        if endpoints:
            _plan_port_set(target, ports, endpoints, by_ports.get(key, []), plan, limit=limit)
    return plan


@dataclass(frozen=True)
class _Target:
    owner: Mapping[str, Any]
    labels: dict[str, str]
    kind: str

    def refreshed(self, current: Mapping[str, Any], endpoints: list, ports: list | None) -> Obj:
        meta = {
            **_meta(current),
            "labels": self.labels,
            "ownerReferences": [owner_reference(self.owner, kind=self.kind)],
        }
        wanted = {**current, "metadata": meta, "endpoints": endpoints}
        if ports is None:
            wanted.pop("ports", None)
        else:
            wanted["ports"] = ports
        return wanted

    def changed(self, current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
        before, after = _meta(current), _meta(wanted)
        return (
            (current.get("endpoints") or []) != wanted["endpoints"]
            or ports_key(current.get("ports")) != ports_key(wanted.get("ports"))
            or (current.get("ports") is None) != (wanted.get("ports") is None)
            or (before.get("labels") or {}) != after["labels"]
            or (before.get("ownerReferences") or []) != after["ownerReferences"]
        )

    def new(self, ports: list | None, endpoints: list) -> Obj:
        return new_slice(self.owner, self.labels, ports, endpoints, kind=self.kind)


def _plan_port_set(target: _Target, ports: list, wanted: dict, slices: list, plan: SlicePlan, *, limit: int) -> None:
    remaining = dict(wanted)
    kept: list[tuple[Mapping[str, Any], list]] = []
    for current in slices:
        members = []
        for endpoint in current.get("endpoints") or []:
            key = endpoint_key(endpoint)
            if key in remaining and len(members) < limit:
                members.append(remaining.pop(key))
        kept.append((current, members))
    kept.sort(key=lambda entry: -len(entry[1]))
    needed = math.ceil(len(wanted) / limit)
    keepers, dissolved = kept[:needed], kept[needed:]
    for current, members in dissolved:  # more slices than the endpoints need: the emptiest merge into the rest
        remaining.update((endpoint_key(e), e) for e in members)
        plan.delete.append(current)
    pending = list(remaining.values())
    for current, members in keepers:
        room = limit - len(members)
        members.extend(pending[:room])
        pending = pending[room:]
        wanted_slice = target.refreshed(current, members, ports)
        if target.changed(current, wanted_slice):
            plan.update.append(wanted_slice)
    for start in range(0, len(pending), limit):
        plan.create.append(target.new(ports, pending[start : start + limit]))


def _placeholder(target: _Target, existing: list[Mapping[str, Any]]) -> SlicePlan:
    """No endpoints: one slice without endpoints or ports stays (upstream's placeholder)."""
    plan = SlicePlan()
    ordered = sorted(existing, key=lambda s: (bool(s.get("endpoints")), _meta(s).get("name") or ""))
    if not ordered:
        plan.create.append(target.new(None, []))
        return plan
    first, plan.delete = ordered[0], list(ordered[1:])
    wanted = target.refreshed(first, [], None)
    if target.changed(first, wanted):
        plan.update.append(wanted)
    return plan

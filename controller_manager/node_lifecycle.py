"""Node lifecycle controller: notice nodes whose kubelet went quiet, and taint nodes that are not Ready.

    Node events, Lease events (kube-node-lease/<node>) ──► the node's name
    sync(name):
        heartbeat = the Lease's renewTime or the Ready condition's lastHeartbeatTime; when either
            changed since our last look, the probe time is now (our own monotonic clock: clock
            skew between machines cannot make a node look dead)
        no heartbeat for the grace period ──► conditions Unknown (NodeStatusUnknown), its pods Ready=False
        taints follow the Ready condition:
            Unknown ──► node.kubernetes.io/unreachable   NoSchedule + NoExecute (timeAdded)
            False   ──► node.kubernetes.io/not-ready     NoSchedule + NoExecute
            True    ──► neither (a recovered node is untainted)
        healthy ──► look again when its grace period would run out
NoExecute taints are what the taint-eviction controller acts on.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controller_manager.ownership import meta
from kubemini.api import timestamps
from kubemini.api.pods import condition, is_ready, is_terminating
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.events import NORMAL
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import INDEX_NODE_NAME

NODE = by_kind("Node")
POD = by_kind("Pod")
LEASE = by_kind("Lease")
NODE_LEASE_NAMESPACE = "kube-node-lease"
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
MANAGED_TAINT_KEYS = (UNREACHABLE, NOT_READY)
# Conditions the kubelet owns; when it goes quiet they are all unknown (NetworkUnavailable is not its).
KUBELET_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
NODE_MONITOR_GRACE_PERIOD_SECONDS = 40.0
NODE_MONITOR_PERIOD_SECONDS = 5.0
PROBE_SLACK_SECONDS = 0.05

Obj = dict[str, Any]


@dataclass
class NodeHealth:
    probed_at: float
    renew_time: str | None
    heartbeat: str | None


def wanted_taints(ready_status: str | None) -> list[tuple[str, str]]:
    key = {"Unknown": UNREACHABLE, "False": NOT_READY}.get(ready_status or "")
    return [(key, "NoSchedule"), (key, "NoExecute")] if key else []


def merge_taints(current: list[Mapping[str, Any]], wanted: list[tuple[str, str]]) -> list[Obj]:
    """Our taints as wanted, everyone else's untouched; a taint already present keeps its timeAdded."""
    kept = [dict(t) for t in current if t.get("key") not in MANAGED_TAINT_KEYS]
    for key, effect in wanted:
        existing = next((t for t in current if t.get("key") == key and t.get("effect") == effect), None)
        if existing is not None:
            kept.append(dict(existing))
        else:
            taint: Obj = {"key": key, "effect": effect}
            if effect == "NoExecute":
                taint["timeAdded"] = timestamps.now()
            kept.append(taint)
    return kept


def unknown_conditions(node: Mapping[str, Any]) -> list[Obj]:
    """The node's conditions with every kubelet-owned one turned Unknown."""
    stamp = timestamps.now()
    conditions = [copy.deepcopy(c) for c in (node.get("status") or {}).get("conditions") or []]
    for entry in conditions:
        if entry.get("type") in KUBELET_CONDITIONS and entry.get("status") != "Unknown":
            entry.update(
                status="Unknown",
                reason="NodeStatusUnknown",
                message="Kubelet stopped posting node status.",
                lastTransitionTime=stamp,
            )
    if not any(entry.get("type") == "Ready" for entry in conditions):
        conditions.append(
            {
                "type": "Ready",
                "status": "Unknown",
                "reason": "NodeStatusNeverUpdated",
                "message": "Kubelet never posted node status.",
                "lastHeartbeatTime": stamp,
                "lastTransitionTime": stamp,
            }
        )
    return conditions


class NodeLifecycleController(ClientController):
    name = "nodelifecycle"
    default_workers = 2

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        grace_period_seconds: float = NODE_MONITOR_GRACE_PERIOD_SECONDS,
        monitor_period_seconds: float = NODE_MONITOR_PERIOD_SECONDS,
        **common: Any,
    ):
        self.grace_period_seconds = grace_period_seconds
        self.monitor_period_seconds = monitor_period_seconds
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.health: dict[str, NodeHealth] = {}
        self.nodes = self.add_informer(informers.informer(NODE))
        self.leases = self.add_informer(
            informers.informer(LEASE, namespace=NODE_LEASE_NAMESPACE), key_for=lambda lease: meta(lease).get("name")
        )
        self.pods = self.watch(informers.informer(POD))

    def _observe(self, name: str, node: Mapping[str, Any]) -> NodeHealth:
        lease = self.leases.get(f"{NODE_LEASE_NAMESPACE}/{name}")
        renew = ((lease or {}).get("spec") or {}).get("renewTime")
        heartbeat = (condition(node, "Ready") or {}).get("lastHeartbeatTime")
        now = time.monotonic()
        health = self.health.get(name)
        if health is None:
            health = self.health[name] = NodeHealth(now, renew, heartbeat)
        elif renew != health.renew_time or heartbeat != health.heartbeat:
            health.probed_at, health.renew_time, health.heartbeat = now, renew, heartbeat
        return health

    async def reconcile(self, key: str) -> Result | None:
        node = self.nodes.get(key)
        if node is None:
            self.health.pop(key, None)
            return None
        health = self._observe(key, node)
        silent_for = time.monotonic() - health.probed_at
        ready = condition(node, "Ready")
        ready_status = (ready or {}).get("status")
        resource_version = meta(node).get("resourceVersion")
        if silent_for > self.grace_period_seconds and ready_status != "Unknown":
            conditions = unknown_conditions(node)
            patch = {"metadata": {"resourceVersion": resource_version}, "status": {"conditions": conditions}}
            updated = await self.client.patch(NODE, key, patch, subresource="status")
            resource_version = meta(updated).get("resourceVersion")
            ready_status = "Unknown"
            self.emit(node, NORMAL, "NodeNotReady", f"Node {key} status is now: NodeNotReady")
        await self._sync_taints(node, ready_status, resource_version)
        if ready_status == "Unknown":
            await self._mark_pods_not_ready(key)
            return Result(requeue_after=self.monitor_period_seconds)
        remaining = self.grace_period_seconds - silent_for
        return Result(requeue_after=max(remaining, 0.0) + PROBE_SLACK_SECONDS)

    async def _sync_taints(self, node: Mapping[str, Any], ready_status: str | None, resource_version: Any) -> None:
        current = (node.get("spec") or {}).get("taints") or []
        taints = merge_taints(current, wanted_taints(ready_status))
        if taints == [dict(t) for t in current]:
            return
        patch = {"metadata": {"resourceVersion": resource_version}, "spec": {"taints": taints or None}}
        await self.client.patch(NODE, meta(node)["name"], patch)
        if not any(t.get("key") in MANAGED_TAINT_KEYS for t in taints) and ready_status == "True":
            self.emit(node, NORMAL, "NodeReady", f"Node {meta(node)['name']} status is now: NodeReady")

    async def _mark_pods_not_ready(self, node_name: str) -> None:
        for pod in self.pods.by_index(INDEX_NODE_NAME, node_name):
            if is_terminating(pod) or not is_ready(pod):
                continue
            conditions = [copy.deepcopy(c) for c in (pod.get("status") or {}).get("conditions") or []]
            for entry in conditions:
                if entry.get("type") == "Ready":
                    entry.update(status="False", lastTransitionTime=timestamps.now())
            patch = {
                "metadata": {"resourceVersion": meta(pod).get("resourceVersion")},
                "status": {"conditions": conditions},
            }
            try:
                await self.client.patch(
                    POD, meta(pod)["name"], patch, namespace=meta(pod).get("namespace"), subresource="status"
                )
            except (NotFound, Conflict):
                continue  # gone, or its kubelet spoke meanwhile: the next look decides again

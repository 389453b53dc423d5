"""The scheduler's picture of the cluster: nodes and what the pods on them take.

    Node informer ──► set_node / remove_node
    Pod informer (bound pods) ──► add_bound_pod / remove_pod ──┐
    scheduling cycle ──► assume(pod, node) ─────────────────────┤──► NodeInfo per node
    binder ──► finish_binding (success) / forget (failure) ─────┘
    housekeeping ──► expire_assumed(): an assumption whose binding succeeded but never
                     showed up in the watch within the TTL is dropped

A pod is *assumed* on its node the moment the scheduler decides, so the next
decision already sees it, long before the binding's watch event comes back. The
watch event then *confirms* it (moving it if someone else bound it elsewhere).
Pods in a terminal phase take nothing; deleted pods give their resources back.
Single-threaded by construction: everything runs on the component's event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemini.client.clock import Clock, MonotonicClock
from scheduler.node_info import NodeInfo
from scheduler.resources import PodUsage, is_terminal, pod_key, reuse_or_compute

ASSUMED_POD_TTL_SECONDS = 30.0

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _PodState:
    usage: PodUsage
    node_name: str
    assumed: bool
    deadline: float | None = None  # set once the binding call succeeded


class SchedulerCache:
    def __init__(self, *, assumed_ttl_seconds: float = ASSUMED_POD_TTL_SECONDS, clock: Clock | None = None):
        self.assumed_ttl_seconds = assumed_ttl_seconds
        self.clock = clock or MonotonicClock()
        self._nodes: dict[str, NodeInfo] = {}
        self._pods: dict[str, _PodState] = {}
        self._schedulable: list[NodeInfo] | None = None

    # -- reading ---------------------------------------------------------------------------------

    def nodes(self) -> list[NodeInfo]:
        """Nodes the filters may consider (those whose Node object we have), in a stable order."""
        if self._schedulable is None:
            self._schedulable = [info for info in self._nodes.values() if info.node is not None]
        return self._schedulable

    def node(self, name: str) -> NodeInfo | None:
        return self._nodes.get(name)

    def node_of(self, key: str) -> str | None:
        state = self._pods.get(key)
        return state.node_name if state else None

    def is_assumed(self, key: str) -> bool:
        state = self._pods.get(key)
        return state is not None and state.assumed

    def knows(self, key: str) -> bool:
        """The pod is bound or assumed: there is nothing left to schedule."""
        return key in self._pods

    def counts(self) -> dict[str, int]:
        assumed = sum(1 for state in self._pods.values() if state.assumed)
        return {"nodes": len(self.nodes()), "pods": len(self._pods) - assumed, "assumed": assumed}

    # -- nodes -----------------------------------------------------------------------------------

    def set_node(self, node: Mapping[str, Any]) -> NodeInfo:
        name = str((node.get("metadata") or {}).get("name"))
        info = self._nodes.get(name)
        if info is None:
            info = self._nodes[name] = NodeInfo(name)
        if info.node is None:
            self._schedulable = None
        info.set_node(node)
        return info

    def remove_node(self, name: str) -> None:
        info = self._nodes.get(name)
        if info is None:
            return
        self._schedulable = None
        if info.pods:
            info.set_node(None)  # keep charging its pods until they are deleted too
        else:
            del self._nodes[name]

    # -- pods ------------------------------------------------------------------------------------

    def assume(self, usage: PodUsage, node_name: str) -> bool:
        """Charge the pod to the node now; False if the pod is already bound or assumed."""
        if usage.key in self._pods:
            return False
        self._charge(usage, node_name)
        self._pods[usage.key] = _PodState(usage, node_name, assumed=True)
        return True

    def finish_binding(self, key: str) -> None:
        state = self._pods.get(key)
        if state is not None and state.assumed:
            state.deadline = self.clock.now() + self.assumed_ttl_seconds

    def forget(self, key: str) -> None:
        """Undo an assumption (the binding failed); a confirmed pod is left alone."""
        state = self._pods.get(key)
        if state is not None and state.assumed:
            self._discharge(key, state.node_name)
            del self._pods[key]

    def add_bound_pod(self, pod: Mapping[str, Any]) -> None:
        """A bound pod seen by the informer (added or changed): confirm, move or re-charge it."""
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name or is_terminal(pod):
            self.remove_pod(pod_key(pod))
            return
        state = self._pods.get(pod_key(pod))
        usage = reuse_or_compute(pod, state.usage if state is not None else None)
        if state is not None:
            if state.assumed and state.node_name != node_name:
                log.info("pod %s assumed on %s is bound to %s", usage.key, state.node_name, node_name)
            self._discharge(usage.key, state.node_name)
        self._charge(usage, node_name)
        self._pods[usage.key] = _PodState(usage, node_name, assumed=False)

    def remove_pod(self, key: str) -> bool:
        """Give the pod's resources back; True if it was charged anywhere."""
        state = self._pods.pop(key, None)
        if state is None:
            return False
        self._discharge(key, state.node_name)
        return True

    def expire_assumed(self) -> list[str]:
        """Drop assumptions whose binding succeeded but never came back through the watch."""
        now = self.clock.now()
        expired = [
            key
            for key, state in self._pods.items()
            if state.assumed and state.deadline is not None and state.deadline <= now
        ]
        for key in expired:
            log.warning("assumed pod %s expired: its binding never showed up", key)
            self.forget(key)
        return expired

    def _charge(self, usage: PodUsage, node_name: str) -> None:
        info = self._nodes.get(node_name)
        if info is None:
            info = self._nodes[node_name] = NodeInfo(node_name)  # the Node object may come later
        info.add_pod(usage)

    def _discharge(self, key: str, node_name: str) -> None:
        info = self._nodes.get(node_name)
        if info is None:
            return
        info.remove_pod(key)
        if info.node is None and not info.pods:
            del self._nodes[node_name]

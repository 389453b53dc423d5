"""One node as the scheduler sees it: what it offers and what its pods already take.

    Node object ──► set_node(): allocatable (status.allocatable, else capacity), labels,
                    taints (plus the not-ready / unreachable taint Kubernetes' node
                    lifecycle puts on a node whose Ready condition is not True), unschedulable
    PodUsage ──► add_pod() / remove_pod(): requested cpu / memory / pods / other resources,
                 scoring requests, host ports in use, pods per controller owner

A NodeInfo may exist without its Node object (a pod is bound to a node the
informer has not shown yet, or the node was deleted under its pods); such a node
is never offered to the filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemini.api.tolerations import NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, Taint, parse_taints
from scheduler.resources import CPU, MEMORY, PODS, PodUsage, amounts_of

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


def ready_status(node: Mapping[str, Any]) -> str:
    """The Ready condition's status: "True", "False", or "Unknown" (also when absent)."""
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return str(condition.get("status") or "Unknown")
    return "Unknown"


def effective_taints(node: Mapping[str, Any]) -> tuple[Taint, ...]:
    """The node's taints plus the condition taint for a node that is not Ready.

    Kubernetes' node lifecycle controller adds `not-ready` (Ready=False) or `unreachable`
    (Ready=Unknown) as NoSchedule taints, and kube-scheduler filters on those; adding them
    here gives the same result and the same message even before such a controller runs.
    """
    taints = parse_taints((node.get("spec") or {}).get("taints"))
    status = ready_status(node)
    if status != "True":
        key = TAINT_NOT_READY if status == "False" else TAINT_UNREACHABLE
        if not any(t.key == key and t.effect == NO_SCHEDULE for t in taints):
            taints += (Taint(key, "", NO_SCHEDULE),)
    return taints


def scheduling_signature(node: Mapping[str, Any]) -> tuple[Any, ...]:
    """Everything about a node that can change a scheduling decision (not heartbeats)."""
    metadata, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    return (
        tuple(sorted((metadata.get("labels") or {}).items())),
        effective_taints(node),
        bool(spec.get("unschedulable")),
        tuple(sorted((status.get("allocatable") or status.get("capacity") or {}).items())),
    )


class NodeInfo:
    __slots__ = (
        "name",
        "node",
        "labels",
        "blocking_taints",
        "prefer_no_schedule_taints",
        "unschedulable",
        "restricted",
        "allocatable_cpu",
        "allocatable_memory",
        "allocatable_pods",
        "allocatable_scalars",
        "requested_cpu",
        "requested_memory",
        "requested_scalars",
        "scoring_cpu",
        "scoring_memory",
        "pods",
        "ports",
        "owner_counts",
    )

    def __init__(self, name: str):
        self.name = name
        self.node: Mapping[str, Any] | None = None
        self.labels: dict[str, str] = {}
        self.blocking_taints: tuple[Taint, ...] = ()
        self.prefer_no_schedule_taints: tuple[Taint, ...] = ()
        self.unschedulable = False
        self.restricted = False  # cordoned or tainted NoSchedule / NoExecute: some filters may reject it
        self.allocatable_cpu = 0
        self.allocatable_memory = 0
        self.allocatable_pods = 0
        self.allocatable_scalars: dict[str, int] = {}
        self.requested_cpu = 0
        self.requested_memory = 0
        self.requested_scalars: dict[str, int] = {}
        self.scoring_cpu = 0
        self.scoring_memory = 0
        self.pods: dict[str, PodUsage] = {}
        self.ports: list[tuple[str, int, str]] = []
        self.owner_counts: dict[str, int] = {}

    def __repr__(self) -> str:
        return (
            f"NodeInfo({self.name}, cpu {self.requested_cpu}/{self.allocatable_cpu}m, "
            f"memory {self.requested_memory}/{self.allocatable_memory}, pods {len(self.pods)}/{self.allocatable_pods})"
        )

    def set_node(self, node: Mapping[str, Any] | None) -> None:
        self.node = node
        if node is None:
            return
        metadata, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
        self.labels = {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
        taints = effective_taints(node)
        self.blocking_taints = tuple(t for t in taints if t.effect in (NO_SCHEDULE, NO_EXECUTE))
        self.prefer_no_schedule_taints = tuple(t for t in taints if t.effect == PREFER_NO_SCHEDULE)
        self.unschedulable = bool(spec.get("unschedulable"))
        self.restricted = self.unschedulable or bool(self.blocking_taints)
        allocatable = amounts_of(status.get("allocatable") or status.get("capacity"))
        self.allocatable_cpu = allocatable.pop(CPU, 0)
        self.allocatable_memory = allocatable.pop(MEMORY, 0)
        self.allocatable_pods = allocatable.pop(PODS, 0)
        self.allocatable_scalars = allocatable

    def add_pod(self, usage: PodUsage) -> None:
        if usage.key in self.pods:
            self.remove_pod(usage.key)
        self.pods[usage.key] = usage
        self.requested_cpu += usage.cpu_millis
        self.requested_memory += usage.memory_bytes
        for name, value in usage.scalars.items():
            self.requested_scalars[name] = self.requested_scalars.get(name, 0) + value
        self.scoring_cpu += usage.scoring_cpu_millis
        self.scoring_memory += usage.scoring_memory_bytes
        self.ports.extend(usage.ports)
        if usage.owner_uid:
            self.owner_counts[usage.owner_uid] = self.owner_counts.get(usage.owner_uid, 0) + 1

    def remove_pod(self, key: str) -> PodUsage | None:
        usage = self.pods.pop(key, None)
        if usage is None:
            return None
        self.requested_cpu -= usage.cpu_millis
        self.requested_memory -= usage.memory_bytes
        for name, value in usage.scalars.items():
            self.requested_scalars[name] = self.requested_scalars.get(name, 0) - value
        self.scoring_cpu -= usage.scoring_cpu_millis
        self.scoring_memory -= usage.scoring_memory_bytes
        for port in usage.ports:
            self.ports.remove(port)
        if usage.owner_uid:
            remaining = self.owner_counts.get(usage.owner_uid, 0) - 1
            if remaining > 0:
                self.owner_counts[usage.owner_uid] = remaining
            else:
                self.owner_counts.pop(usage.owner_uid, None)
        return usage

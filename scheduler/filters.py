"""Filters: can this pod run on this node? Pure functions, no I/O.

Each filter takes (PodInfo, NodeInfo) and returns None when the node passes, or the
reasons it fails, worded exactly as kube-scheduler's plugins word them, because they
end up in the `0/N nodes are available: ...` message users read. They run in
kube-scheduler's order and a node stops at its first failing filter:

    NodeUnschedulable → TaintToleration → NodeAffinity (nodeSelector + required)
        → NodePorts → NodeResourcesFit → VolumeBinding (only for pods with claims)

(kube-scheduler's NodeName filter has no counterpart: a pod that names its node is
bound already and never reaches the queue.)
"""

from __future__ import annotations

from collections.abc import Callable

from kubemini.api.node_affinity import any_term_matches
from kubemini.api.tolerations import NO_SCHEDULE, Taint, first_untolerated, tolerated
from scheduler.node_info import TAINT_UNSCHEDULABLE, NodeInfo
from scheduler.pod_info import PodInfo
from scheduler.resources import ports_conflict
from scheduler.volume_binding import check_volume_binding

REASON_UNSCHEDULABLE = "node(s) were unschedulable"
REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"
REASON_TOO_MANY_PODS = "Too many pods"

Reasons = tuple[str, ...]
_UNSCHEDULABLE_TAINT = Taint(TAINT_UNSCHEDULABLE, "", NO_SCHEDULE)


def insufficient(resource: str) -> str:
    return f"Insufficient {resource}"


def untolerated_taint(taint: Taint) -> str:
    return f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"


def check_node_unschedulable(pod: PodInfo, node: NodeInfo) -> Reasons | None:
    """A cordoned node, unless the pod tolerates the `unschedulable` taint (DaemonSet pods do)."""
    if node.unschedulable and not tolerated(_UNSCHEDULABLE_TAINT, pod.tolerations):
        return (REASON_UNSCHEDULABLE,)
    return None


def check_taints(pod: PodInfo, node: NodeInfo) -> Reasons | None:
    """NoSchedule and NoExecute taints block; PreferNoSchedule only lowers the score."""
    if not node.blocking_taints:
        return None
    taint = first_untolerated(node.blocking_taints, pod.tolerations)
    return None if taint is None else (untolerated_taint(taint),)


def check_node_affinity(pod: PodInfo, node: NodeInfo) -> Reasons | None:
    """Every nodeSelector label, and at least one required node affinity term."""
    labels = node.labels
    for key, value in pod.node_selector.items():
        if labels.get(key) != value:
            return (REASON_NODE_AFFINITY,)
    if pod.required_affinity is not None and not any_term_matches(pod.required_affinity, labels, node.name):
        return (REASON_NODE_AFFINITY,)
    return None


def check_host_ports(pod: PodInfo, node: NodeInfo) -> Reasons | None:
    if pod.usage.ports and node.ports and ports_conflict(pod.usage.ports, node.ports):
        return (REASON_NODE_PORTS,)
    return None


def check_resources(pod: PodInfo, node: NodeInfo) -> Reasons | None:
    """Allocatable minus what the node's pods (bound and assumed) request; every shortfall is a reason."""
    usage = pod.usage
    cpu, memory = usage.cpu_millis, usage.memory_bytes
    if (
        len(node.pods) < node.allocatable_pods
        and (not cpu or node.requested_cpu + cpu <= node.allocatable_cpu)
        and (not memory or node.requested_memory + memory <= node.allocatable_memory)
        and not usage.scalars
    ):
        return None  # the common case, decided without building a list
    reasons = []
    if len(node.pods) + 1 > node.allocatable_pods:
        reasons.append(REASON_TOO_MANY_PODS)
    if cpu and node.requested_cpu + cpu > node.allocatable_cpu:
        reasons.append(insufficient("cpu"))
    if memory and node.requested_memory + memory > node.allocatable_memory:
        reasons.append(insufficient("memory"))
    for name, value in usage.scalars.items():
        if node.requested_scalars.get(name, 0) + value > node.allocatable_scalars.get(name, 0):
            reasons.append(insufficient(name))
    return tuple(reasons) if reasons else None


def check_volumes(pod: PodInfo, node: NodeInfo) -> Reasons | None:
    """Bound claims' PV node affinity; WaitForFirstConsumer claims served by existing PVs only."""
    return None if pod.volumes is None else check_volume_binding(pod.volumes, node.labels, node.name)


FILTERS = (
    check_node_unschedulable,
    check_taints,
    check_node_affinity,
    check_host_ports,
    check_resources,
    check_volumes,
)


Filter = Callable[[PodInfo, NodeInfo], Reasons | None]


# A node that is neither cordoned nor tainted NoSchedule / NoExecute passes these two whatever the pod.
NODE_RESTRICTION_FILTERS = (check_node_unschedulable, check_taints)


def filters_for(pod: PodInfo, *, restricted_node: bool = True) -> tuple[Filter, ...]:
    """The filters that can reject some node for this pod, in order (the others always pass).

    restricted_node=False: the filters for a node without cordon or blocking taints
    (NodeInfo.restricted is False), which leaves out NODE_RESTRICTION_FILTERS.
    """
    return tuple(
        check
        for check in FILTERS
        if (check is not check_node_affinity or pod.has_affinity_constraints)
        and (check is not check_host_ports or pod.usage.ports)
        and (check is not check_volumes or pod.volumes is not None)
        and (restricted_node or check not in NODE_RESTRICTION_FILTERS)
    )


def run_filters(pod: PodInfo, node: NodeInfo, checks: tuple[Filter, ...] = FILTERS) -> Reasons | None:
    """None if the node fits, else the reasons of the first filter that rejects it."""
    for check in checks:
        reasons = check(pod, node)
        if reasons is not None:
            return reasons
    return None

"""Scores: how good is each feasible node? Pure functions, no I/O.

    feasible nodes ──► per plugin: raw value per node ──► normalised to 0..100
                   ──► weighted sum per node (WEIGHTS) ──► the caller picks the best,
                       breaking ties at random

Plugins and their kube-scheduler counterparts (default weights):
- least_allocated (NodeResourcesFit LeastAllocated, 1): free share of cpu and memory after the pod
- balanced_allocation (NodeResourcesBalancedAllocation, 1): cpu and memory used in equal shares
- owner_spread (the SelectorSpread / default PodTopologySpread role, 2): fewer pods of the
  same controller owner on the node is better
- preferred_affinity (NodeAffinity, 2): sum of the weights of matching preferred terms
- prefer_no_schedule (TaintToleration, 3): fewer untolerated PreferNoSchedule taints is better

Resource scores use scoring requests (100m / 200Mi for a container that asks nothing),
as kube-scheduler does. A plugin that would give every node the same score is skipped:
it cannot change the choice.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubemini.api.node_affinity import preferred_weight
from kubemini.api.tolerations import count_untolerated
from scheduler.node_info import NodeInfo
from scheduler.pod_info import PodInfo

MAX_NODE_SCORE = 100
WEIGHTS = {
    "least_allocated": 1,
    "balanced_allocation": 1,
    "owner_spread": 2,
    "preferred_affinity": 2,
    "prefer_no_schedule": 3,
}


def _least_requested(requested: int, capacity: int) -> int:
    if capacity <= 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def least_allocated(pod: PodInfo, node: NodeInfo) -> int:
    cpu = _least_requested(node.scoring_cpu + pod.usage.scoring_cpu_millis, node.allocatable_cpu)
    memory = _least_requested(node.scoring_memory + pod.usage.scoring_memory_bytes, node.allocatable_memory)
    return (cpu + memory) // 2


def balanced_allocation(pod: PodInfo, node: NodeInfo) -> int:
    """100 minus the spread of the cpu and memory shares (a resource the node lacks is left out)."""
    cpu_capacity, memory_capacity = node.allocatable_cpu, node.allocatable_memory
    if cpu_capacity <= 0 or memory_capacity <= 0:
        return MAX_NODE_SCORE  # one resource or none: nothing to balance
    cpu = min((node.scoring_cpu + pod.usage.scoring_cpu_millis) / cpu_capacity, 1.0)
    memory = min((node.scoring_memory + pod.usage.scoring_memory_bytes) / memory_capacity, 1.0)
    return int((1 - abs(cpu - memory) / 2) * MAX_NODE_SCORE)


def owner_pod_count(pod: PodInfo, node: NodeInfo) -> int:
    return node.owner_counts.get(pod.usage.owner_uid, 0)


def preferred_affinity(pod: PodInfo, node: NodeInfo) -> int:
    return preferred_weight(pod.preferred_affinity, node.labels, node.name)


def untolerated_prefer_no_schedule(pod: PodInfo, node: NodeInfo) -> int:
    return count_untolerated(node.prefer_no_schedule_taints, pod.tolerations)


def normalize(raw: Sequence[int], *, reverse: bool = False) -> list[int]:
    """kube-scheduler's DefaultNormalizeScore: scale to 0..100 by the maximum, optionally reversed."""
    highest = max(raw, default=0)
    if highest == 0:
        return [MAX_NODE_SCORE if reverse else 0] * len(raw)
    scaled = [value * MAX_NODE_SCORE // highest for value in raw]
    return [MAX_NODE_SCORE - value for value in scaled] if reverse else scaled


def spread_scores(counts: Sequence[int]) -> list[int]:
    """Fewest pods of the owner scores 100; the node with the most scores 0."""
    highest = max(counts, default=0)
    if highest == 0:
        return [MAX_NODE_SCORE] * len(counts)
    return [MAX_NODE_SCORE * (highest - count) // highest for count in counts]


def resource_totals(pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
    """least_allocated and balanced_allocation, weighted and summed, for every node in one pass.

    The same integer and float steps as the two plugins above, inlined: this loop runs over
    hundreds of nodes per decision, and two calls per node cost more than the arithmetic.
    """
    w_least, w_balanced = WEIGHTS["least_allocated"], WEIGHTS["balanced_allocation"]
    pod_cpu, pod_memory = pod.usage.scoring_cpu_millis, pod.usage.scoring_memory_bytes
    totals = []
    for node in nodes:
        cpu_capacity, memory_capacity = node.allocatable_cpu, node.allocatable_memory
        cpu, memory = node.scoring_cpu + pod_cpu, node.scoring_memory + pod_memory
        free_cpu = (
            0 if cpu_capacity <= 0 or cpu > cpu_capacity else (cpu_capacity - cpu) * MAX_NODE_SCORE // cpu_capacity
        )
        free_memory = (
            0
            if memory_capacity <= 0 or memory > memory_capacity
            else (memory_capacity - memory) * MAX_NODE_SCORE // memory_capacity
        )
        if cpu_capacity <= 0 or memory_capacity <= 0:
            balanced = MAX_NODE_SCORE
        else:
            cpu_share, memory_share = cpu / cpu_capacity, memory / memory_capacity
            # min(share, 1.0), without two calls per node
            if cpu_share > 1.0:
                cpu_share = 1.0
            if memory_share > 1.0:
                memory_share = 1.0
            balanced = int((1 - abs(cpu_share - memory_share) / 2) * MAX_NODE_SCORE)
        totals.append(w_least * ((free_cpu + free_memory) // 2) + w_balanced * balanced)
    return totals


def score_nodes(pod: PodInfo, nodes: Sequence[NodeInfo]) -> list[int]:
    """The weighted sum of every plugin's normalised score, one per node, in `nodes` order."""
    totals = resource_totals(pod, nodes)
    if pod.usage.owner_uid:
        counts = [owner_pod_count(pod, n) for n in nodes]
        if max(counts) != min(counts):
            _add_weighted(totals, spread_scores(counts), WEIGHTS["owner_spread"])
    if pod.preferred_affinity:
        _add_weighted(totals, normalize([preferred_affinity(pod, n) for n in nodes]), WEIGHTS["preferred_affinity"])
    if any(n.prefer_no_schedule_taints for n in nodes):
        counts = [untolerated_prefer_no_schedule(pod, n) for n in nodes]
        _add_weighted(totals, normalize(counts, reverse=True), WEIGHTS["prefer_no_schedule"])
    return totals


def _add_weighted(totals: list[int], scores: Sequence[int], weight: int) -> None:
    for index, score in enumerate(scores):
        totals[index] += weight * score

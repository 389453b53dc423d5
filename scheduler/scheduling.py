"""Choosing a node for one pod: filter, score, pick. Pure computation on the cache's nodes.

    nodes (cache order) ──► filter, starting where the previous pod stopped, until enough
                            feasible nodes are found (kube-scheduler's adaptive
                            percentageOfNodesToScore: 50% - nodes/125, at least 5% and 100 nodes)
        ├─ none feasible ──► FitError: a histogram of every node's reasons, rendered as
        │                    `0/N nodes are available: <count> <reason>, ....`
        └─ feasible ──► scores.score_nodes ──► highest total, ties broken at random

Rotating the start spreads the search over the whole cluster while each decision
looks at a bounded number of nodes, which keeps decisions cheap on big clusters.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.filters import filters_for
from scheduler.node_info import NodeInfo
from scheduler.pod_info import PodInfo
from scheduler.scores import score_nodes

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE = 5
ADAPTIVE_BASE_PERCENTAGE = 50
ADAPTIVE_NODES_PER_PERCENT = 125


class FitError(Exception):
    """No node fits the pod; `reasons` maps each node to why it was rejected."""

    def __init__(self, pod: PodInfo, *, total_nodes: int, reasons: dict[str, tuple[str, ...]]):
        self.pod = pod
        self.total_nodes = total_nodes
        self.reasons = reasons
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Kube-scheduler's FitError text: reasons counted over nodes, then sorted as strings."""
        histogram = Counter(reason for node_reasons in self.reasons.values() for reason in node_reasons)
        parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
        message = f"0/{self.total_nodes} nodes are available"
        if not self.total_nodes:
            return message + "."
        return f"{message}: {', '.join(parts)}."


@dataclass
class Decision:
    node_name: str
    feasible: int
    evaluated: int


def feasible_nodes_to_find(total_nodes: int) -> int:
    if total_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return total_nodes
    adaptive = ADAPTIVE_BASE_PERCENTAGE - total_nodes // ADAPTIVE_NODES_PER_PERCENT
    percentage = max(adaptive, MIN_FEASIBLE_NODES_PERCENTAGE)
    return max(total_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


class NodePicker:
    """Stateful only in where the next search starts and in its random source."""

    def __init__(self, *, rng: random.Random | None = None):
        self.next_start = 0
        self.rng = rng or random.Random()

    def pick(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> Decision:
        """The chosen node; raises FitError when none fits."""
        total = len(nodes)
        wanted = feasible_nodes_to_find(total)
        feasible: list[NodeInfo] = []
        rejected: dict[str, tuple[str, ...]] = {}
        start = self.next_start % total if total else 0
        checks, plain_node_checks = filters_for(pod), filters_for(pod, restricted_node=False)
        evaluated = 0
        # run_filters inlined: this loop runs over hundreds of nodes per decision.
        for node in nodes[start:] + nodes[:start]:
            evaluated += 1
            for check in checks if node.restricted else plain_node_checks:
                reasons = check(pod, node)
                if reasons is not None:
                    rejected[node.name] = reasons
                    break
            else:
                feasible.append(node)
                if len(feasible) >= wanted:
                    break
        self.next_start = (start + evaluated) % total if total else 0
        if not feasible:
            raise FitError(pod, total_nodes=total, reasons=rejected)
        if len(feasible) == 1:
            return Decision(feasible[0].name, feasible=1, evaluated=evaluated)
        totals = score_nodes(pod, feasible)
        return Decision(self._select(feasible, totals), feasible=len(feasible), evaluated=evaluated)

    def _select(self, nodes: Sequence[NodeInfo], totals: Sequence[int]) -> str:
        """The best-scoring node; among equals each is equally likely, so equal nodes fill evenly."""
        best = max(totals)
        ties = [index for index, score in enumerate(totals) if score == best]
        return nodes[ties[0] if len(ties) == 1 else self.rng.choice(ties)].name

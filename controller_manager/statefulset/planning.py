"""What one StatefulSet sync does (pure): Kubernetes' stateful_set_control ordering rules.

    pods by ordinal ──plan()──► Plan(create, delete, condemned)
      in range [start, start+replicas), ascending: missing ──► create; finished ──► delete (it is
          recreated); terminating or not yet healthy ──► OrderedReady waits here
      out of range (scale down), highest ordinal first ──► delete, one at a time under OrderedReady
      RollingUpdate, highest ordinal first down to the partition: a pod of another revision ──► delete,
          while fewer than maxUnavailable (default 1) wanted pods are unavailable
Healthy = Running, Ready for minReadySeconds, not terminating. Under Parallel nothing waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from controller_manager.statefulset.identity import ordinal_of, revision_of, start_ordinal, wanted_ordinals
from kubemini.api.int_or_percent import scaled_value
from kubemini.api.pods import TERMINAL_PHASES, is_available, is_terminating, phase

Pod = Mapping[str, Any]


@dataclass
class Plan:
    create: list[int] = field(default_factory=list)
    delete: list[Pod] = field(default_factory=list)
    condemned: list[Pod] = field(default_factory=list)  # deleted by a scale down (claim retention applies)


def is_healthy(pod: Pod, *, min_ready_seconds: int, now: datetime) -> bool:
    return (
        phase(pod) == "Running"
        and not is_terminating(pod)
        and is_available(pod, min_ready_seconds=min_ready_seconds, now=now)
    )


def plan(sts: Mapping[str, Any], pods: list[Pod], *, update_revision: str, now: datetime) -> Plan:
    spec = sts.get("spec") or {}
    ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
    min_ready = int(spec.get("minReadySeconds") or 0)

    def healthy(pod: Pod) -> bool:
        return is_healthy(pod, min_ready_seconds=min_ready, now=now)

    wanted = wanted_ordinals(sts)
    by_ordinal: dict[int, Pod] = {}
    condemned: list[Pod] = []
    for pod in pods:
        ordinal = ordinal_of(sts, pod)
        if ordinal is not None and ordinal in wanted:
            by_ordinal[ordinal] = pod
        else:
            condemned.append(pod)
    condemned.sort(key=lambda p: ordinal_of(sts, p) or -1, reverse=True)
    result = Plan()
    for ordinal in wanted:
        pod = by_ordinal.get(ordinal)
        if pod is None:
            result.create.append(ordinal)
        elif phase(pod) in TERMINAL_PHASES and not is_terminating(pod):
            result.delete.append(pod)
        elif healthy(pod):
            continue
        if ordered:
            return result  # the next ordinal waits for this one to be Running and Ready
    for pod in condemned:
        if is_terminating(pod):
            if ordered:
                return result
            continue
        result.delete.append(pod)
        result.condemned.append(pod)
        if ordered:
            return result  # one at a time, highest first
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return result
    rolling = strategy.get("rollingUpdate") or {}
    floor = start_ordinal(sts) + int(rolling.get("partition") or 0)
    max_unavailable = max(scaled_value(rolling.get("maxUnavailable", 1), len(wanted), round_up=True), 1)
    unavailable = sum(1 for o in wanted if o not in by_ordinal or not healthy(by_ordinal[o]))
    for ordinal in reversed(wanted):
        pod = by_ordinal.get(ordinal)
        if ordinal < floor or pod is None or is_terminating(pod) or pod in result.delete:
            continue
        if revision_of(pod) != update_revision:
            if unavailable >= max_unavailable:
                break
            result.delete.append(pod)
            unavailable += 1
    return result

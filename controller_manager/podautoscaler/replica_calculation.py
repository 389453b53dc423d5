"""Kubernetes' replica calculator (pkg/controller/podautoscaler/replica_calculator.go), as pure functions.

    pods (from the target's selector) + samples {pod name: PodSample} + now
        ──► group_pods: ready (counted), unready (Pending, or CPU not yet initialized), missing (no sample),
                        ignored (deleting, Failed)
        ──► usage ratio over the ready pods with samples (integer utilization, as upstream)
        ──► within tolerance and nothing unready/missing ──► current replicas
        ──► else missing pods filled in (at 100 % / the target when scaling down, at 0 when scaling up),
            unready pods at 0 when scaling up; a ratio that crosses 1 or falls in tolerance keeps the count
All quantities are plain numbers in the metric's units (CPU in millicores, memory in bytes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kubemini.api import pods as pod_rules
from kubemini.api import timestamps
from kubemini.api.quantity import cpu_millis, to_bytes

TOLERANCE = 0.1
CPU_INITIALIZATION_PERIOD_SECONDS = 300.0
INITIAL_READINESS_DELAY_SECONDS = 30.0


class MetricsError(Exception):
    """No proposal can be made from these metrics (the message is upstream's)."""


@dataclass(frozen=True)
class PodSample:
    value: float  # millicores for cpu, bytes for memory
    timestamp: datetime
    window_seconds: float = 30.0


@dataclass(frozen=True)
class Proposal:
    replicas: int
    utilization: int | None = None  # percent of requests, for Utilization targets
    average: float = 0.0  # raw average over the pods with samples


@dataclass
class PodGroups:
    ready_count: int = 0
    unready: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    ignored: set[str] = field(default_factory=set)


def _seconds(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)


def _cpu_unready(pod: Mapping[str, Any], sample: PodSample, *, now: datetime) -> bool:
    """A CPU sample from a pod still starting up says nothing about load (upstream's groupPods)."""
    ready = pod_rules.condition(pod, "Ready")
    started = (pod.get("status") or {}).get("startTime")
    if ready is None or not started:
        return True
    start = timestamps.parse(started)
    changed = ready.get("lastTransitionTime")
    transition = timestamps.parse(changed) if changed else start
    if _seconds(start, CPU_INITIALIZATION_PERIOD_SECONDS) > now:
        return ready.get("status") == "False" or sample.timestamp < _seconds(transition, sample.window_seconds)
    return ready.get("status") == "False" and _seconds(start, INITIAL_READINESS_DELAY_SECONDS) > transition


def group_pods(
    pods: Sequence[Mapping[str, Any]], samples: Mapping[str, PodSample], *, resource: str, now: datetime
) -> PodGroups:
    groups = PodGroups()
    for pod in pods:
        name = pod["metadata"]["name"]
        if pod_rules.is_terminating(pod) or pod_rules.phase(pod) == "Failed":
            groups.ignored.add(name)
        elif pod_rules.phase(pod) == "Pending":
            groups.unready.add(name)
        elif name not in samples:
            groups.missing.add(name)
        elif resource == "cpu" and _cpu_unready(pod, samples[name], now=now):
            groups.unready.add(name)
        else:
            groups.ready_count += 1
    return groups


def pod_requests(pods: Sequence[Mapping[str, Any]], resource: str) -> dict[str, float]:
    """Each pod's summed container requests; a container without one makes Utilization impossible."""
    parse = cpu_millis if resource == "cpu" else to_bytes
    requests: dict[str, float] = {}
    for pod in pods:
        total = 0.0
        for container in (pod.get("spec") or {}).get("containers") or []:
            request = ((container.get("resources") or {}).get("requests") or {}).get(resource)
            if request is None:
                raise MetricsError(
                    f"missing request for {resource} in container {container.get('name')} "
                    f"of Pod {pod['metadata']['name']}"
                )
            total += parse(request)
        requests[pod["metadata"]["name"]] = total
    return requests


def utilization_ratio(
    values: Mapping[str, float], requests: Mapping[str, float], target_utilization: int
) -> tuple[float, int, float]:
    """(usage ratio, utilization %, raw average), over the pods that have both a value and a request."""
    used = [(value, requests[name]) for name, value in values.items() if name in requests]
    requested = sum(request for _, request in used)
    if not used or requested == 0:
        raise MetricsError("no metrics returned matched known pods")
    utilization = int(sum(value for value, _ in used) * 100 / requested)
    return utilization / target_utilization, utilization, sum(value for value, _ in used) / len(used)


def _average_ratio(values: Mapping[str, float], target: float) -> tuple[float, float]:
    average = sum(values.values()) / len(values)
    return average / target, average


def _within_tolerance(ratio: float, tolerance: float) -> bool:
    return abs(1.0 - ratio) <= tolerance


def _finish(
    current_replicas: int,
    *,
    ratio: float,
    new_ratio: float,
    counted: int,
    tolerance: float,
) -> int:
    if _within_tolerance(new_ratio, tolerance) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current_replicas  # the filled-in pods would reverse or cancel the decision: do nothing
    replicas = math.ceil(new_ratio * counted)
    if (new_ratio < 1.0 and replicas > current_replicas) or (new_ratio > 1.0 and replicas < current_replicas):
        return current_replicas
    return replicas


def _prepare(pods, samples, *, resource: str, now: datetime) -> tuple[PodGroups, dict[str, float]]:
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    groups = group_pods(pods, samples, resource=resource, now=now)
    dropped = groups.ignored | groups.unready
    values = {name: sample.value for name, sample in samples.items() if name not in dropped}
    if not values:
        raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")
    return groups, values


def utilization_replicas(
    current_replicas: int,
    *,
    target_utilization: int,
    resource: str,
    pods: Sequence[Mapping[str, Any]],
    samples: Mapping[str, PodSample],
    now: datetime,
    tolerance: float = TOLERANCE,
) -> Proposal:
    """A Resource metric with an `averageUtilization` target (percent of the pods' requests)."""
    groups, values = _prepare(pods, samples, resource=resource, now=now)
    requests = pod_requests([p for p in pods if p["metadata"]["name"] not in groups.ignored], resource)
    ratio, utilization, average = utilization_ratio(values, requests, target_utilization)
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        if _within_tolerance(ratio, tolerance):
            return Proposal(current_replicas, utilization, average)
        return Proposal(math.ceil(ratio * groups.ready_count), utilization, average)
    if groups.missing:
        fill = max(100, target_utilization) if ratio < 1.0 else 0
        if ratio != 1.0:
            for name in groups.missing:
                values[name] = requests[name] * fill / 100
    if scale_up_with_unready:
        for name in groups.unready:
            values[name] = 0.0
    new_ratio, _, _ = utilization_ratio(values, requests, target_utilization)
    replicas = _finish(current_replicas, ratio=ratio, new_ratio=new_ratio, counted=len(values), tolerance=tolerance)
    return Proposal(replicas, utilization, average)


def average_value_replicas(
    current_replicas: int,
    *,
    target_average: float,
    resource: str,
    pods: Sequence[Mapping[str, Any]],
    samples: Mapping[str, PodSample],
    now: datetime,
    tolerance: float = TOLERANCE,
) -> Proposal:
    """A Resource metric with an `averageValue` target (upstream's calcPlainMetricReplicas)."""
    groups, values = _prepare(pods, samples, resource=resource, now=now)
    ratio, average = _average_ratio(values, target_average)
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        if _within_tolerance(ratio, tolerance):
            return Proposal(current_replicas, average=average)
        return Proposal(math.ceil(ratio * len(values)), average=average)
    if groups.missing:
        fill = target_average if ratio < 1.0 else 0.0
        if ratio != 1.0:
            for name in groups.missing:
                values[name] = fill
    if scale_up_with_unready:
        for name in groups.unready:
            values[name] = 0.0
    new_ratio, _ = _average_ratio(values, target_average)
    replicas = _finish(current_replicas, ratio=ratio, new_ratio=new_ratio, counted=len(values), tolerance=tolerance)
    return Proposal(replicas, average=average)

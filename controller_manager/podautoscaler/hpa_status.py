"""An HPA's status as upstream writes it: conditions that keep their transition time, current metrics.

set_condition(status, AbleToScale | ScalingActive | ScalingLimited, True/False, reason, message, now)
metric_status(spec metric, proposal) ──► status.currentMetrics[] entry (averageUtilization, averageValue)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemini.api.quantity import format_cpu_millis

ABLE_TO_SCALE, SCALING_ACTIVE, SCALING_LIMITED = "AbleToScale", "ScalingActive", "ScalingLimited"
CONDITION_ORDER = (ABLE_TO_SCALE, SCALING_ACTIVE, SCALING_LIMITED)


def set_condition(status: dict[str, Any], kind: str, ok: bool, reason: str, message: str, *, now: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != kind]
    previous = next((c for c in status.get("conditions") or [] if c.get("type") == kind), None)
    value = "True" if ok else "False"
    since = previous["lastTransitionTime"] if previous and previous.get("status") == value else now
    conditions.append(
        {"type": kind, "status": value, "lastTransitionTime": since, "reason": reason, "message": message}
    )
    order = {name: index for index, name in enumerate(CONDITION_ORDER)}
    status["conditions"] = sorted(conditions, key=lambda c: order.get(c["type"], len(order)))


def metric_name(metric: Mapping[str, Any]) -> str:
    """How upstream names a metric in conditions and rescale reasons."""
    resource = metric.get("resource") or {}
    if (resource.get("target") or {}).get("type") == "Utilization":
        return f"{resource.get('name')} resource utilization (percentage of request)"
    return f"{resource.get('name')} resource"


def average_quantity(value: float, resource: str) -> str:
    return format_cpu_millis(round(value)) if resource == "cpu" else str(round(value))


def metric_status(metric: dict[str, Any], *, utilization: int | None, average: float) -> dict[str, Any]:
    resource = metric["resource"]["name"]
    current: dict[str, Any] = {"averageValue": average_quantity(average, resource)}
    if utilization is not None:
        current["averageUtilization"] = utilization
    return {"type": "Resource", "resource": {"name": resource, "current": current}}

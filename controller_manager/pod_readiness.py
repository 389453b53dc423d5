"""What a controller reads off a pod: active, ready, available, and how much it is worth keeping.

Pure functions over pod dicts, shared by the ReplicaSet, Deployment and node controllers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kubemini.api import timestamps

_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def is_terminating(pod: Mapping[str, Any]) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def phase(pod: Mapping[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def is_active(pod: Mapping[str, Any]) -> bool:
    """Counts towards a ReplicaSet's replicas: not finished and not on its way out."""
    return phase(pod) not in ("Succeeded", "Failed") and not is_terminating(pod)


def condition(pod: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    for entry in (pod.get("status") or {}).get("conditions") or []:
        if entry.get("type") == type_:
            return entry
    return None


def is_ready(pod: Mapping[str, Any]) -> bool:
    ready = condition(pod, "Ready")
    return ready is not None and ready.get("status") == "True"


def ready_since(pod: Mapping[str, Any]) -> datetime | None:
    """When the pod last turned ready (the Ready condition's lastTransitionTime), None if not ready."""
    ready = condition(pod, "Ready")
    if ready is None or ready.get("status") != "True":
        return None
    stamp = ready.get("lastTransitionTime")
    return timestamps.parse(stamp) if stamp else datetime.fromtimestamp(0, UTC)


def seconds_until_available(pod: Mapping[str, Any], *, min_ready_seconds: int, now: datetime) -> float | None:
    """0 when available now, >0 when ready but still within minReadySeconds, None when not ready."""
    since = ready_since(pod)
    if since is None:
        return None
    if min_ready_seconds <= 0:
        return 0.0
    remaining = (since - now).total_seconds() + min_ready_seconds
    return max(remaining, 0.0)


def is_available(pod: Mapping[str, Any], *, min_ready_seconds: int, now: datetime) -> bool:
    return seconds_until_available(pod, min_ready_seconds=min_ready_seconds, now=now) == 0.0


def restart_count(pod: Mapping[str, Any]) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return sum(int(status.get("restartCount") or 0) for status in statuses)


def _creation_seconds(pod: Mapping[str, Any]) -> float:
    stamp = (pod.get("metadata") or {}).get("creationTimestamp")
    return timestamps.parse(stamp).timestamp() if stamp else float("inf")


def deletion_order(pod: Mapping[str, Any], *, colocated: int = 0) -> tuple[Any, ...]:
    """Sort key: pods that sort first are deleted first (client-go's ActivePodsWithRanks).

    Unscheduled before scheduled, Pending before Unknown before Running, not ready
    before ready, pods doubled up on a node with siblings before lonely ones, ready
    for less time before longer, more restarts before fewer, newer before older.
    """
    since = ready_since(pod)
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        _PHASE_RANK.get(phase(pod), 0),
        1 if is_ready(pod) else 0,
        -colocated,
        -(since.timestamp() if since else 0.0),
        -restart_count(pod),
        -_creation_seconds(pod),
    )

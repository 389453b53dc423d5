"""A ReplicaSet's status, computed from the active pods it controls.

    active pods ──► replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (minReadySeconds)
    manage error ──► ReplicaFailure condition (FailedCreate / FailedDelete), cleared when it works again
    + observedGeneration = the generation the counts were computed for

Every field is written explicitly (zeros included) so a merge patch of the whole
status replaces the previous one exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kubemini.api import timestamps
from kubemini.api.pods import is_ready, seconds_until_available

COUNT_FIELDS = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")


def _fully_labeled(pod: Mapping[str, Any], template_labels: Mapping[str, str]) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return all(labels.get(key) == value for key, value in template_labels.items())


def calculate_status(
    rs: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    failure: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """`failure` is (reason, message) of a failed create/delete, None when managing worked."""
    spec = rs.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    available = 0
    for pod in pods:
        if seconds_until_available(pod, min_ready_seconds=min_ready, now=now) == 0.0:
            available += 1
    status: dict[str, Any] = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(1 for pod in pods if _fully_labeled(pod, template_labels)),
        "readyReplicas": sum(1 for pod in pods if is_ready(pod)),
        "availableReplicas": available,
        "observedGeneration": int((rs.get("metadata") or {}).get("generation") or 0),
    }
    old_conditions = [copy.deepcopy(c) for c in (rs.get("status") or {}).get("conditions") or []]
    conditions = [c for c in old_conditions if c.get("type") != "ReplicaFailure"]
    if failure is not None:
        reason, message = failure
        previous = next((c for c in old_conditions if c.get("type") == "ReplicaFailure"), None)
        if previous is not None and previous.get("reason") == reason and previous.get("message") == message:
            conditions.append(previous)
        else:
            conditions.append(
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "reason": reason,
                    "message": message,
                    "lastTransitionTime": timestamps.now(),
                }
            )
    status["conditions"] = conditions
    return status


def status_changed(current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    current = current or {}
    for field in (*COUNT_FIELDS, "observedGeneration"):
        if int(current.get(field) or 0) != int(wanted.get(field) or 0):
            return True
    return (current.get("conditions") or []) != (wanted.get("conditions") or [])


def seconds_until_next_available(
    rs: Mapping[str, Any], pods: Sequence[Mapping[str, Any]], *, now: datetime
) -> float | None:
    """When the first ready-but-not-yet-available pod becomes available; None if none is waiting."""
    min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
    if min_ready <= 0:
        return None
    waits = [
        remaining
        for pod in pods
        if (remaining := seconds_until_available(pod, min_ready_seconds=min_ready, now=now)) is not None
        and remaining > 0
    ]
    return min(waits) if waits else None

"""A Deployment's status and conditions, computed from its ReplicaSets.

    ReplicaSets ──► replicas / updatedReplicas / readyReplicas / availableReplicas / unavailableReplicas
                ──► Available: True (MinimumReplicasAvailable) once available ≥ replicas - maxUnavailable
    previous status + new counts ──► Progressing:
        complete                       → True  NewReplicaSetAvailable
        any count moved forward        → True  ReplicaSetUpdated (lastUpdateTime = now)
        no move for progressDeadline   → False ProgressDeadlineExceeded

`kubectl rollout status` finishes on observedGeneration ≥ generation, updatedReplicas ==
replicas == spec.replicas and availableReplicas ≥ updatedReplicas, and fails on
ProgressDeadlineExceeded. Pure functions; times are whole-second RFC 3339 like metav1.Time.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from controller_manager.rollout_limits import desired_replicas, max_unavailable, spec_replicas, status_count
from kubemini.api import timestamps

AVAILABLE = "Available"
PROGRESSING = "Progressing"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
FAILED_RS_CREATE = "ReplicaSetCreateError"
# progressDeadlineSeconds of MaxInt32 means "no deadline", as in the Kubernetes API.
NO_DEADLINE = 2**31 - 1

Obj = dict[str, Any]


def new_condition(type_: str, status: str, reason: str, message: str) -> Obj:
    stamp = timestamps.now()
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def get_condition(status: Mapping[str, Any], type_: str) -> Obj | None:
    for entry in status.get("conditions") or []:
        if entry.get("type") == type_:
            return entry
    return None


def set_condition(status: Obj, condition: Obj) -> None:
    """Replace the condition of its type unless status and reason are unchanged; keep the transition time
    when only the reason moves."""
    current = get_condition(status, condition["type"])
    if current is not None and current.get("status") == condition["status"]:
        if current.get("reason") == condition["reason"]:
            return
        condition["lastTransitionTime"] = current.get("lastTransitionTime", condition["lastTransitionTime"])
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: Obj, type_: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != type_]


def has_progress_deadline(deployment: Mapping[str, Any]) -> bool:
    deadline = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
    return deadline is not None and int(deadline) != NO_DEADLINE


def calculate_status(
    deployment: Mapping[str, Any], replicasets: Sequence[Mapping[str, Any]], new_rs: Mapping[str, Any] | None
) -> Obj:
    """Counts from the ReplicaSets; conditions carried over from the current status, Available recomputed."""
    available = sum(status_count(rs, "availableReplicas") for rs in replicasets)
    total_spec = sum(spec_replicas(rs) for rs in replicasets)
    current = deployment.get("status") or {}
    status: Obj = {
        "observedGeneration": int((deployment.get("metadata") or {}).get("generation") or 0),
        "replicas": sum(status_count(rs, "replicas") for rs in replicasets),
        "updatedReplicas": status_count(new_rs, "replicas") if new_rs is not None else 0,
        "readyReplicas": sum(status_count(rs, "readyReplicas") for rs in replicasets),
        "availableReplicas": available,
        "unavailableReplicas": max(total_spec - available, 0),
        "conditions": copy.deepcopy(current.get("conditions") or []),
    }
    if current.get("collisionCount") is not None:
        status["collisionCount"] = current["collisionCount"]
    if available >= desired_replicas(deployment) - max_unavailable(deployment):
        condition = new_condition(AVAILABLE, "True", MIN_AVAILABLE, "Deployment has minimum availability.")
    else:
        condition = new_condition(AVAILABLE, "False", MIN_UNAVAILABLE, "Deployment does not have minimum availability.")
    set_condition(status, condition)
    return status


def is_complete(deployment: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    replicas = desired_replicas(deployment)
    generation = int((deployment.get("metadata") or {}).get("generation") or 0)
    return (
        int(status.get("updatedReplicas") or 0) == replicas
        and int(status.get("replicas") or 0) == replicas
        and int(status.get("availableReplicas") or 0) == replicas
        and int(status.get("observedGeneration") or 0) >= generation
    )


def made_progress(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    def count(status: Mapping[str, Any], field: str) -> int:
        return int(status.get(field) or 0)

    old_pods = count(old, "replicas") - count(old, "updatedReplicas")
    new_pods = count(new, "replicas") - count(new, "updatedReplicas")
    return (
        count(new, "updatedReplicas") > count(old, "updatedReplicas")
        or new_pods < old_pods
        or count(new, "readyReplicas") > count(old, "readyReplicas")
        or count(new, "availableReplicas") > count(old, "availableReplicas")
    )


def _seconds_since_update(condition: Mapping[str, Any], now: datetime) -> float:
    stamp = condition.get("lastUpdateTime") or condition.get("lastTransitionTime")
    return (now - timestamps.parse(stamp)).total_seconds() if stamp else 0.0


def rollout_status(
    deployment: Mapping[str, Any],
    replicasets: Sequence[Mapping[str, Any]],
    new_rs: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
) -> tuple[Obj, float | None]:
    """(status to write, seconds until the progress deadline should be checked again or None)."""
    now = now or datetime.now(UTC)
    status = calculate_status(deployment, replicasets, new_rs)
    if not has_progress_deadline(deployment):
        remove_condition(status, PROGRESSING)
        return status, None
    current = get_condition(status, PROGRESSING)
    rs_name = (new_rs or {}).get("metadata", {}).get("name")
    finished = (
        status["replicas"] == status["updatedReplicas"]
        and current is not None
        and current.get("reason") == NEW_RS_AVAILABLE
    )
    if not finished:
        if is_complete(deployment, status):
            message = f'ReplicaSet "{rs_name}" has successfully progressed.'
            set_condition(status, new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, message))
        elif made_progress(deployment.get("status") or {}, status):
            name = (deployment.get("metadata") or {}).get("name")
            message = f'ReplicaSet "{rs_name}" is progressing.' if rs_name else f'Deployment "{name}" is progressing.'
            condition = new_condition(PROGRESSING, "True", RS_UPDATED, message)
            if current is not None and current.get("status") == "True":
                condition["lastTransitionTime"] = current.get("lastTransitionTime", condition["lastTransitionTime"])
            remove_condition(status, PROGRESSING)  # same reason, fresh lastUpdateTime: progress was made
            set_condition(status, condition)
        elif timed_out(deployment, current, now):
            message = f'ReplicaSet "{rs_name}" has timed out progressing.'
            set_condition(status, new_condition(PROGRESSING, "False", TIMED_OUT, message))
    return status, seconds_until_deadline(deployment, get_condition(status, PROGRESSING), now)


def timed_out(deployment: Mapping[str, Any], condition: Mapping[str, Any] | None, now: datetime) -> bool:
    if condition is None or condition.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT):
        return False
    if condition.get("reason") in (PAUSED,):
        return False
    deadline = int((deployment.get("spec") or {}).get("progressDeadlineSeconds") or 0)
    return _seconds_since_update(condition, now) > deadline


def seconds_until_deadline(
    deployment: Mapping[str, Any], condition: Mapping[str, Any] | None, now: datetime
) -> float | None:
    """When to look again so a stuck rollout is reported on time (client-go's requeueStuckDeployment)."""
    if condition is None or condition.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT, PAUSED):
        return None
    deadline = int((deployment.get("spec") or {}).get("progressDeadlineSeconds") or 0)
    remaining = deadline - _seconds_since_update(condition, now)
    # The timestamp has whole seconds: a second of slack so the next look is past the deadline.
    return max(remaining, 0.0) + 1.0


def with_pause_condition(deployment: Mapping[str, Any]) -> Obj | None:
    """The status with Progressing=Unknown DeploymentPaused / DeploymentResumed when `spec.paused`
    flipped since the condition was written; None when nothing needs saying."""
    if not has_progress_deadline(deployment):
        return None
    status = copy.deepcopy(dict(deployment.get("status") or {}))
    current = get_condition(status, PROGRESSING)
    if current is not None and current.get("reason") == TIMED_OUT:
        return None  # a reported failure to progress is not overwritten by a pause
    paused = bool((deployment.get("spec") or {}).get("paused"))
    shows_paused = current is not None and current.get("reason") == PAUSED
    if paused and not shows_paused:
        set_condition(status, new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused"))
    elif not paused and shows_paused:
        set_condition(status, new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed"))
    else:
        return None
    return status


def status_differs(current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    current = current or {}
    for field in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
        if int(current.get(field) or 0) != int(wanted.get(field) or 0):
            return True
    if int(current.get("unavailableReplicas") or 0) != int(wanted.get("unavailableReplicas") or 0):
        return True
    if current.get("collisionCount") != wanted.get("collisionCount"):
        return True
    return (current.get("conditions") or []) != (wanted.get("conditions") or [])

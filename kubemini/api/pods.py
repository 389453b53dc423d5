"""Pod rules every component shares: phases, readiness, availability, deletion order, display status.

Pure functions over pod dicts: the ReplicaSet, Deployment, node and endpoints
controllers, the apiserver's table printer and the dashboard read pods through
these and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kubemini.api import timestamps
from kubemini.api.kinds.printing import since

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
TERMINAL_PHASES = ("Succeeded", "Failed")
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}
NODE_UNREACHABLE_REASON = "NodeLost"


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


def display_status(pod: Mapping[str, Any]) -> str:
    """The STATUS column of `kubectl get pods` (kubectl's printPod reason rules)."""
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    reason = status.get("reason") or status.get("phase") or "Pending"
    init_statuses = [s for s in status.get("initContainerStatuses") or [] if isinstance(s, Mapping)]
    init_total = len(spec.get("initContainers") or [])
    sidecars = {
        c.get("name")
        for c in spec.get("initContainers") or []
        if isinstance(c, Mapping) and c.get("restartPolicy") == "Always"
    }
    initializing = False
    for index, container in enumerate(init_statuses):
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode") == 0:
            continue
        if container.get("name") in sidecars and container.get("started"):
            continue
        if terminated:
            if terminated.get("reason"):
                reason = f"Init:{terminated['reason']}"
            elif terminated.get("signal"):
                reason = f"Init:Signal:{terminated['signal']}"
            else:
                reason = f"Init:ExitCode:{terminated.get('exitCode')}"
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{init_total}"
        initializing = True
        break
    if not initializing or reason == "PodInitializing":
        has_running = False
        for container in reversed([s for s in status.get("containerStatuses") or [] if isinstance(s, Mapping)]):
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated:
                reason = (
                    f"Signal:{terminated['signal']}"
                    if terminated.get("signal")
                    else f"ExitCode:{terminated.get('exitCode')}"
                )
            elif state.get("running") and container.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            ready = condition(pod, "Ready")
            reason = "Running" if ready is not None and ready.get("status") == "True" else "NotReady"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == NODE_UNREACHABLE_REASON else "Terminating"
    return str(reason)


def restarts_cell(container_statuses: list[Mapping[str, Any]]) -> str:
    """The RESTARTS column: `2 (5m ago)` when a container has finished before, else the count."""
    restarts, last_finished = 0, None
    for status in container_statuses:
        restarts += int(status.get("restartCount") or 0)
        finished = ((status.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        if finished and (last_finished is None or finished > last_finished):
            last_finished = finished
    if restarts and last_finished:
        return f"{restarts} ({since(last_finished)} ago)"
    return str(restarts)

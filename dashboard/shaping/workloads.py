"""Deployments, StatefulSets, DaemonSets, Jobs, CronJobs ──► one row shape: ready/desired and rollout progress.

ready     pods that serve (readyReplicas, numberReady, succeeded Jobs' completions)
desired   what the spec asks for
progress  updated-and-ready / desired, so a rollout fills the bar as new pods come up
state     `Progressing`, `Available`, `Complete`, `Failed`, `Suspended`, ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.shaping.common import base_row, fraction


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _row(obj: Mapping[str, Any], kind: str, *, ready: int, desired: int, updated: int, state: str) -> dict[str, Any]:
    return {
        **base_row(obj),
        "kind": kind,
        "ready": ready,
        "desired": desired,
        "updated": updated,
        "progress": fraction(min(ready, updated), desired),
        "state": state,
        "scalable": kind in ("Deployment", "StatefulSet"),
        "restartable": kind in ("Deployment", "StatefulSet", "DaemonSet"),
    }


def _rollout_state(*, ready: int, desired: int, updated: int, observed: bool) -> str:
    if not observed:
        return "Pending"
    if ready >= desired and updated >= desired:
        return "Available"
    return "Progressing"


def deployment_row(obj: Mapping[str, Any]) -> dict[str, Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = _int(spec.get("replicas", 1))
    ready, updated = _int(status.get("readyReplicas")), _int(status.get("updatedReplicas"))
    observed = _int(status.get("observedGeneration")) >= _int((obj.get("metadata") or {}).get("generation"))
    state = _rollout_state(ready=ready, desired=desired, updated=updated, observed=observed)
    if spec.get("paused"):
        state = "Paused"
    return _row(obj, "Deployment", ready=ready, desired=desired, updated=updated, state=state)


def statefulset_row(obj: Mapping[str, Any]) -> dict[str, Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = _int(spec.get("replicas", 1))
    ready, updated = _int(status.get("readyReplicas")), _int(status.get("updatedReplicas"))
    observed = _int(status.get("observedGeneration")) >= _int((obj.get("metadata") or {}).get("generation"))
    state = _rollout_state(ready=ready, desired=desired, updated=updated, observed=observed)
    return _row(obj, "StatefulSet", ready=ready, desired=desired, updated=updated, state=state)


def daemonset_row(obj: Mapping[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    desired = _int(status.get("desiredNumberScheduled"))
    ready, updated = _int(status.get("numberReady")), _int(status.get("updatedNumberScheduled"))
    observed = _int(status.get("observedGeneration")) >= _int((obj.get("metadata") or {}).get("generation"))
    state = _rollout_state(ready=ready, desired=desired, updated=updated, observed=observed)
    return _row(obj, "DaemonSet", ready=ready, desired=desired, updated=updated, state=state)


def _job_state(status: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    for condition in status.get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed", "Suspended"):
            return str(condition["type"])
    if spec.get("suspend"):
        return "Suspended"
    return "Running" if _int(status.get("active")) else "Pending"


def job_row(obj: Mapping[str, Any]) -> dict[str, Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = _int(spec.get("completions", 1)) if spec.get("completions") is not None else 1
    succeeded = _int(status.get("succeeded"))
    row = _row(obj, "Job", ready=succeeded, desired=desired, updated=succeeded, state=_job_state(status, spec))
    row.update(active=_int(status.get("active")), failed=_int(status.get("failed")))
    return row


def cronjob_row(obj: Mapping[str, Any]) -> dict[str, Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    active = len(status.get("active") or [])
    state = "Suspended" if spec.get("suspend") else ("Active" if active else "Scheduled")
    row = _row(obj, "CronJob", ready=active, desired=active, updated=active, state=state)
    row.update(
        schedule=spec.get("schedule") or "",
        lastSchedule=status.get("lastScheduleTime") or "",
        lastSuccess=status.get("lastSuccessfulTime") or "",
        progress=1.0,
    )
    return row

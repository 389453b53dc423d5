"""Per-container status (state, lastState, ready, restartCount) from what the runtime reports.

    spec container + its instances (newest first) + a waiting reason the sync
    recorded (ErrImagePull, CrashLoopBackOff, ...) + probe results
        ──► {"name", "state", "lastState", "ready", "started", "restartCount", ...}

Pure functions: everything they need is passed in, so the rules are unit tested
without a runtime. A running instance is always reported as running; otherwise
a waiting reason wins over the latest exited instance (the container is about
to be restarted), and that instance becomes `lastState`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubelet.runtime import CREATED, EXITED, RUNNING, ContainerRecord
from kubemini.api import timestamps

CONTAINER_ID_PREFIX = "docker://"


@dataclass(frozen=True)
class Waiting:
    reason: str
    message: str = ""


@dataclass
class ProbeView:
    """Probe outcomes by container id; a container without that probe counts as passing."""

    readiness: Mapping[str, bool] = field(default_factory=dict)
    startup: Mapping[str, bool] = field(default_factory=dict)

    def started(self, spec: Mapping[str, Any], record: ContainerRecord) -> bool:
        if not record.running:
            return False
        return bool(self.startup.get(record.id, False)) if spec.get("startupProbe") else True

    def ready(self, spec: Mapping[str, Any], record: ContainerRecord) -> bool:
        if not self.started(spec, record):
            return False
        return bool(self.readiness.get(record.id, False)) if spec.get("readinessProbe") else True


def to_seconds(stamp: str | None) -> str | None:
    """A runtime timestamp (any precision) as metav1.Time (`...T12:00:00Z`)."""
    if not stamp or stamp.startswith("0001-01-01"):
        return None
    return timestamps.parse(stamp).strftime("%Y-%m-%dT%H:%M:%SZ")


START_ERROR_EXIT_CODE = 128  # what containerd reports for a container that never started


def terminated_reason(record: ContainerRecord) -> str:
    if record.oom_killed:
        return "OOMKilled"
    if record.state == CREATED:
        return "StartError"
    return "Completed" if record.exit_code == 0 else "Error"


def terminated_state(record: ContainerRecord, *, message: str | None = None) -> dict[str, Any]:
    exit_code = record.exit_code if record.exit_code is not None else START_ERROR_EXIT_CODE
    if record.state == CREATED:
        exit_code = START_ERROR_EXIT_CODE
    state: dict[str, Any] = {
        "exitCode": exit_code,
        "reason": terminated_reason(record),
        "containerID": CONTAINER_ID_PREFIX + record.id,
    }
    message = message or record.error
    if message:
        state["message"] = message
    started, finished = to_seconds(record.started_at), to_seconds(record.finished_at)
    if started:
        state["startedAt"] = started
    if finished:
        state["finishedAt"] = finished
    return state


def has_finished(record: ContainerRecord | None) -> bool:
    """Exited, or created and failed to start (a runtime error left on it)."""
    if record is None:
        return False
    return record.state == EXITED or (record.state == CREATED and bool(record.error))


def container_status(
    spec: Mapping[str, Any],
    instances: list[ContainerRecord],
    *,
    waiting: Waiting | None,
    probes: ProbeView,
    default_waiting: str = "ContainerCreating",
    messages: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    messages = messages or {}

    def terminated(record: ContainerRecord) -> dict[str, Any]:
        return terminated_state(record, message=messages.get(record.id))

    latest = instances[0] if instances else None
    previous = instances[1] if len(instances) > 1 else None
    status: dict[str, Any] = {
        "name": spec["name"],
        "image": spec.get("image", ""),
        "imageID": "",
        "ready": False,
        "started": False,
        "restartCount": latest.restart_count if latest else 0,
        "lastState": {},
    }
    if latest is not None:
        status["containerID"] = CONTAINER_ID_PREFIX + latest.id
        status["imageID"] = f"docker-pullable://{latest.image}@{latest.image_id}" if latest.image_id else ""
    if latest is not None and latest.state == RUNNING:
        status["state"] = {"running": {"startedAt": to_seconds(latest.started_at) or timestamps.now()}}
        status["ready"] = probes.ready(spec, latest)
        status["started"] = probes.started(spec, latest)
        if has_finished(previous):
            status["lastState"] = {"terminated": terminated(previous)}
        return status
    if waiting is not None:
        status["state"] = {"waiting": _waiting(waiting)}
        if has_finished(latest):
            status["lastState"] = {"terminated": terminated(latest)}
        return status
    if has_finished(latest):
        status["state"] = {"terminated": terminated(latest)}
        if has_finished(previous):
            status["lastState"] = {"terminated": terminated(previous)}
        return status
    # No instance yet, or one created a moment ago and not started.
    status["state"] = {"waiting": {"reason": default_waiting}}
    if has_finished(previous):
        status["lastState"] = {"terminated": terminated(previous)}
    return status


def _waiting(waiting: Waiting) -> dict[str, str]:
    body = {"reason": waiting.reason}
    if waiting.message:
        body["message"] = waiting.message
    return body

"""Pods ──► list rows (status as `kubectl get pods` prints it, a colour class, requests) and the pod page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.shaping.common import base_row
from kubemini.api import pods
from kubemini.api.quantity import QuantityError, cpu_millis, to_bytes

BAD_REASONS = frozenset(
    {"CrashLoopBackOff", "Error", "Failed", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "CreateContainerError"}
)


def health(status_text: str, *, ready: bool, phase: str) -> str:
    """`good` (green), `warn` (yellow), `bad` (red) or `done` (grey): the row's colour."""
    if status_text in BAD_REASONS or status_text.startswith(("Init:Error", "Init:CrashLoop", "ExitCode:", "Signal:")):
        return "bad"
    if phase == "Failed":
        return "bad"
    if phase == "Succeeded" or status_text == "Completed":
        return "done"
    if phase == "Running" and ready:
        return "good"
    return "warn"


def _quantity(parse, value: Any) -> int:
    try:
        return parse(value) if value not in (None, "") else 0
    except (QuantityError, ValueError, TypeError):
        return 0


def requests(pod: Mapping[str, Any]) -> tuple[int, int]:
    """The pod's CPU (millicores) and memory (bytes) requests: the sum of its app containers'."""
    cpu = memory = 0
    for container in (pod.get("spec") or {}).get("containers") or []:
        wanted = (container.get("resources") or {}).get("requests") or {}
        cpu += _quantity(cpu_millis, wanted.get("cpu"))
        memory += _quantity(to_bytes, wanted.get("memory"))
    return cpu, memory


def pod_row(pod: Mapping[str, Any]) -> dict[str, Any]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    statuses = [s for s in status.get("containerStatuses") or [] if isinstance(s, Mapping)]
    ready = sum(1 for s in statuses if s.get("ready"))
    total = len(spec.get("containers") or [])
    text = pods.display_status(pod)
    cpu, memory = requests(pod)
    return {
        **base_row(pod),
        "status": text,
        "phase": pods.phase(pod),
        "health": health(text, ready=total > 0 and ready == total, phase=pods.phase(pod)),
        "ready": f"{ready}/{total}",
        "restarts": pods.restart_count(pod),
        "node": spec.get("nodeName") or "",
        "ip": status.get("podIP") or "",
        "labels": dict((pod.get("metadata") or {}).get("labels") or {}),
        "cpuRequestMillis": cpu,
        "memoryRequestBytes": memory,
        "terminal": pods.phase(pod) in ("Succeeded", "Failed"),
    }


def _state(container_status: Mapping[str, Any]) -> dict[str, Any]:
    state = container_status.get("state") or {}
    for name in ("running", "waiting", "terminated"):
        if name in state:
            detail = state[name] or {}
            return {
                "state": name,
                "reason": detail.get("reason") or "",
                "message": detail.get("message") or "",
                "exitCode": detail.get("exitCode"),
                "since": detail.get("startedAt") or detail.get("finishedAt"),
            }
    return {"state": "unknown", "reason": "", "message": "", "exitCode": None, "since": None}


def pod_detail(pod: Mapping[str, Any]) -> dict[str, Any]:
    """The pod page: its row plus each container's state and the pod's conditions."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    by_name = {s.get("name"): s for s in status.get("containerStatuses") or [] if isinstance(s, Mapping)}
    containers = []
    for container in spec.get("containers") or []:
        seen = by_name.get(container.get("name")) or {}
        containers.append(
            {
                "name": container.get("name"),
                "image": container.get("image"),
                "ready": bool(seen.get("ready")),
                "restarts": int(seen.get("restartCount") or 0),
                **_state(seen),
                "lastTermination": ((seen.get("lastState") or {}).get("terminated") or {}).get("reason") or "",
            }
        )
    conditions = [
        {
            "type": c.get("type"),
            "status": c.get("status"),
            "reason": c.get("reason") or "",
            "since": c.get("lastTransitionTime") or "",
        }
        for c in status.get("conditions") or []
        if isinstance(c, Mapping)
    ]
    return {**pod_row(pod), "containers": containers, "conditions": conditions, "qosClass": status.get("qosClass")}

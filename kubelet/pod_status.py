"""A Pod's whole `status` from its spec, its containers in the runtime, and the sync's notes.

    pod (spec + previous status) ─┐
    PodContainers (runtime view) ─┼─► container statuses ──► phase ──► conditions ──► status
    waiting reasons, probe view ──┘

`pod_phase` is Kubernetes' getPhase: a container waiting *after* having run
counts as stopped, so a crash-looping pod with restartPolicy Always stays
Running; Succeeded needs every container to exit 0; a failed init container
fails the pod only under restartPolicy Never. A terminal phase never changes
back. Conditions keep their `lastTransitionTime` while their status holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelet.container_status import ProbeView, Waiting, container_status
from kubelet.pod_containers import PodContainers
from kubemini.api import timestamps

PENDING, RUNNING, SUCCEEDED, FAILED = "Pending", "Running", "Succeeded", "Failed"
TERMINAL_PHASES = (SUCCEEDED, FAILED)
CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


def _state(status: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return (status.get(name) or {}) if status else {}


def init_progress(init_statuses: list[dict[str, Any]]) -> tuple[int, int]:
    """(pending, failed) init containers, counted as getPhase counts them."""
    pending = failed = 0
    for status in init_statuses:
        state = status.get("state") or {}
        if "terminated" in state:
            failed += state["terminated"].get("exitCode") != 0
        elif "waiting" in state and "terminated" in (status.get("lastState") or {}):
            failed += status["lastState"]["terminated"].get("exitCode") != 0
        else:
            pending += 1
    return pending, failed


def pod_phase(spec: Mapping[str, Any], *, init_statuses: list[dict], statuses: list[dict]) -> str:
    policy = spec.get("restartPolicy") or "Always"
    pending_init, failed_init = init_progress(init_statuses)
    running = waiting = stopped = succeeded = unknown = 0
    by_name = {s["name"]: s for s in statuses}
    for container in spec.get("containers") or []:
        status = by_name.get(container["name"])
        state = (status or {}).get("state") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"].get("exitCode") == 0
        elif "waiting" in state:
            if "terminated" in ((status or {}).get("lastState") or {}):
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    if failed_init and policy == "Never":
        return FAILED
    if pending_init or waiting:
        return PENDING
    if running and not unknown:
        return RUNNING
    if not running and stopped and not unknown:
        if policy == "Always":
            return RUNNING  # every container is between a crash and its restart
        if stopped == succeeded:
            return SUCCEEDED
        return FAILED if policy == "Never" else RUNNING
    return PENDING


def _condition(type_: str, ok: bool, *, reason: str = "", message: str = "") -> dict[str, Any]:
    condition: dict[str, Any] = {"type": type_, "status": "True" if ok else "False"}
    if not ok and reason:
        condition["reason"] = reason
    if not ok and message:
        condition["message"] = message
    return condition


def pod_conditions(
    pod: Mapping[str, Any], *, phase: str, init_statuses: list[dict], statuses: list[dict], sandbox_ready: bool
) -> list[dict[str, Any]]:
    incomplete = [s["name"] for s in init_statuses if (_state(s, "state").get("terminated") or {}).get("exitCode") != 0]
    unready = [s["name"] for s in statuses if not s.get("ready")]
    completed = phase == SUCCEEDED
    ready_reason = "PodCompleted" if completed else "ContainersNotReady"
    ready_message = "" if completed else f"containers with unready status: [{' '.join(unready)}]"
    fresh = {
        "PodReadyToStartContainers": _condition("PodReadyToStartContainers", sandbox_ready),
        "Initialized": _condition(
            "Initialized",
            not incomplete,
            reason="ContainersNotInitialized",
            message=f"containers with incomplete status: [{' '.join(incomplete)}]",
        ),
        "Ready": _condition("Ready", not unready and not completed, reason=ready_reason, message=ready_message),
        "ContainersReady": _condition(
            "ContainersReady", not unready and not completed, reason=ready_reason, message=ready_message
        ),
    }
    previous = {c.get("type"): c for c in (pod.get("status") or {}).get("conditions") or []}
    fresh["PodScheduled"] = previous.get("PodScheduled") or _condition("PodScheduled", True)
    now = timestamps.now()
    conditions = []
    for type_ in CONDITION_ORDER:
        condition = dict(fresh[type_])
        old = previous.get(type_)
        same = old is not None and old.get("status") == condition["status"]
        condition.setdefault("lastProbeTime", None)
        condition["lastTransitionTime"] = (old.get("lastTransitionTime") if same else None) or now
        conditions.append(condition)
    return conditions


def build_pod_status(
    pod: Mapping[str, Any],
    view: PodContainers,
    *,
    waiting: Mapping[str, Waiting],
    probes: ProbeView,
    host_ip: str,
    messages: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    spec = pod.get("spec") or {}
    old = pod.get("status") or {}
    init_specs = spec.get("initContainers") or []
    init_statuses = []
    for container in init_specs:
        # As Kubernetes: an init container not yet run waits in PodInitializing; one that
        # succeeded is ready, one running is started (init containers have no probes).
        status = container_status(
            container,
            view.instances(container["name"]),
            waiting=waiting.get(container["name"]),
            probes=probes,
            default_waiting="PodInitializing",
            messages=messages,
        )
        state = status.get("state") or {}
        status["ready"] = (state.get("terminated") or {}).get("exitCode") == 0
        status["started"] = "running" in state
        init_statuses.append(status)
    initialized = init_progress(init_statuses) == (0, 0)
    statuses = [
        container_status(
            container,
            view.instances(container["name"]),
            waiting=waiting.get(container["name"]),
            probes=probes,
            default_waiting="ContainerCreating" if initialized else "PodInitializing",
            messages=messages,
        )
        for container in spec.get("containers") or []
    ]
    phase = pod_phase(spec, init_statuses=init_statuses, statuses=statuses)
    if old.get("phase") in TERMINAL_PHASES:
        phase = old["phase"]  # a finished pod never runs again
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": pod_conditions(
            pod, phase=phase, init_statuses=init_statuses, statuses=statuses, sandbox_ready=view.sandbox_running
        ),
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": old.get("startTime") or timestamps.now(),
        "containerStatuses": statuses,
    }
    if init_specs:
        status["initContainerStatuses"] = init_statuses
    ephemeral = spec.get("ephemeralContainers") or []
    if ephemeral:
        status["ephemeralContainerStatuses"] = [
            container_status(c, view.instances(c["name"]), waiting=waiting.get(c["name"]), probes=probes,
                             messages=messages)
            for c in ephemeral
        ]  # fmt: skip
    pod_ip = host_ip if spec.get("hostNetwork") else (view.pod_ip or old.get("podIP"))
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    if old.get("qosClass"):
        status["qosClass"] = old["qosClass"]
    for key in ("nominatedNodeName", "reason", "message"):
        if old.get(key):
            status[key] = old[key]
    return status

"""Pod phase, conditions and container states, computed as Kubernetes computes them."""

from __future__ import annotations

import pytest

from kubelet.container_status import ProbeView, Waiting
from kubelet.pod_containers import PodContainers
from kubelet.pod_status import build_pod_status, pod_phase
from kubelet.runtime import CREATED, EXITED, RUNNING, ContainerRecord
from kubelet.runtime import labels as label_keys
from tests.unit.kubelet.fakes import make_pod

STARTED = "2026-01-01T10:00:00.123456789Z"
FINISHED = "2026-01-01T10:00:05.5Z"


def record(name: str, state: str, *, exit_code: int | None = None, restart: int = 0, **fields) -> ContainerRecord:
    labels = {label_keys.CONTAINER: name, label_keys.RESTART_COUNT: str(restart), label_keys.POD_UID: "u"}
    return ContainerRecord(
        id=f"{name}-{restart}",
        name=f"k8s_{name}_{restart}",
        labels=labels,
        state=state,
        exit_code=exit_code,
        started_at=STARTED,
        finished_at=FINISHED if state == EXITED else None,
        created_at=f"2026-01-01T10:00:0{restart}Z",
        **fields,
    )


def sandbox(state: str = RUNNING) -> ContainerRecord:
    return record(label_keys.SANDBOX_CONTAINER, state, ip="172.19.0.9")


def status_of(pod: dict, records: list[ContainerRecord], *, waiting=None, probes=None) -> dict:
    view = PodContainers.from_records(records)
    return build_pod_status(pod, view, waiting=waiting or {}, probes=probes or ProbeView(), host_ip="127.0.0.1")


def conditions(status: dict) -> dict[str, dict]:
    return {c["type"]: c for c in status["conditions"]}


def test_nothing_started_yet_is_pending_container_creating():
    status = status_of(make_pod(), [])
    assert status["phase"] == "Pending"
    assert status["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert conditions(status)["Ready"]["status"] == "False"
    assert conditions(status)["Ready"]["message"] == "containers with unready status: [app]"
    assert "podIP" not in status


def test_running_container_makes_a_ready_running_pod_with_ips_and_seconds_timestamps():
    status = status_of(make_pod(), [sandbox(), record("app", RUNNING)])
    assert status["phase"] == "Running"
    assert status["podIP"] == "172.19.0.9" and status["podIPs"] == [{"ip": "172.19.0.9"}]
    assert status["hostIP"] == "127.0.0.1"
    app = status["containerStatuses"][0]
    assert app["state"] == {"running": {"startedAt": "2026-01-01T10:00:00Z"}}
    assert app["ready"] is True and app["started"] is True and app["restartCount"] == 0
    assert app["containerID"] == "docker://app-0"
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert all(c["status"] == "True" for c in status["conditions"])


def test_crash_loop_under_always_stays_running_with_back_off_and_last_state():
    records = [sandbox(), record("app", EXITED, exit_code=3, restart=2), record("app", EXITED, exit_code=3, restart=1)]
    waiting = {"app": Waiting("CrashLoopBackOff", "back-off 20s restarting failed container=app")}
    status = status_of(make_pod(), records, waiting=waiting)
    app = status["containerStatuses"][0]
    assert status["phase"] == "Running"
    assert app["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert app["lastState"]["terminated"]["exitCode"] == 3
    assert app["lastState"]["terminated"]["reason"] == "Error"
    assert app["lastState"]["terminated"]["finishedAt"] == "2026-01-01T10:00:05Z"
    assert app["restartCount"] == 2


@pytest.mark.parametrize(
    ("policy", "exit_code", "phase"),
    [("Never", 0, "Succeeded"), ("Never", 1, "Failed"), ("OnFailure", 0, "Succeeded"), ("Always", 0, "Running")],
)
def test_exited_container_phase_by_restart_policy(policy, exit_code, phase):
    status = status_of(make_pod(restart_policy=policy), [sandbox(EXITED), record("app", EXITED, exit_code=exit_code)])
    assert status["phase"] == phase
    if exit_code == 0:
        assert status["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_on_failure_with_a_failed_container_waiting_to_restart_is_running():
    records = [sandbox(), record("app", EXITED, exit_code=1)]
    status = status_of(make_pod(restart_policy="OnFailure"), records, waiting={"app": Waiting("CrashLoopBackOff")})
    assert status["phase"] == "Running"


def test_oom_killed_is_reported_as_the_termination_reason():
    records = [sandbox(), record("app", EXITED, exit_code=137, oom_killed=True)]
    status = status_of(make_pod(restart_policy="Never"), records)
    assert status["phase"] == "Failed"
    assert status["containerStatuses"][0]["state"]["terminated"]["reason"] == "OOMKilled"


def test_succeeded_pod_is_not_ready_because_completed():
    status = status_of(make_pod(restart_policy="Never"), [sandbox(EXITED), record("app", EXITED, exit_code=0)])
    ready = conditions(status)["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "PodCompleted"
    assert conditions(status)["PodReadyToStartContainers"]["status"] == "False"


def test_init_containers_pending_then_failed_under_never():
    pod = make_pod(init_containers=[{"name": "a"}, {"name": "b"}], restart_policy="Never")
    status = status_of(pod, [sandbox(), record("a", RUNNING)])
    assert status["phase"] == "Pending"
    assert status["initContainerStatuses"][1]["state"]["waiting"]["reason"] == "PodInitializing"
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    initialized = conditions(status)["Initialized"]
    assert initialized["status"] == "False" and initialized["message"] == "containers with incomplete status: [a b]"
    failed = status_of(pod, [sandbox(), record("a", EXITED, exit_code=2)])
    assert failed["phase"] == "Failed"


def test_failed_init_container_under_always_keeps_the_pod_pending():
    pod = make_pod(init_containers=[{"name": "a"}])
    records = [sandbox(), record("a", EXITED, exit_code=2)]
    status = status_of(pod, records, waiting={"a": Waiting("CrashLoopBackOff")})
    assert status["phase"] == "Pending"


def test_readiness_probe_gates_ready_and_startup_probe_gates_started():
    containers = [{"name": "app", "image": "i", "readinessProbe": {"exec": {}}, "startupProbe": {"exec": {}}}]
    pod = make_pod(containers=containers)
    records = [sandbox(), record("app", RUNNING)]
    unstarted = status_of(pod, records)["containerStatuses"][0]
    assert unstarted["started"] is False and unstarted["ready"] is False
    started = status_of(pod, records, probes=ProbeView(startup={"app-0": True}))["containerStatuses"][0]
    assert started["started"] is True and started["ready"] is False
    ready = status_of(pod, records, probes=ProbeView(startup={"app-0": True}, readiness={"app-0": True}))
    assert ready["containerStatuses"][0]["ready"] is True
    assert conditions(ready)["ContainersReady"]["status"] == "True"


def test_transition_time_kept_while_a_condition_holds():
    pod = make_pod()
    first = status_of(pod, [sandbox(), record("app", RUNNING)])
    for condition in first["conditions"]:
        condition["lastTransitionTime"] = "2000-01-01T00:00:00Z"
    again = status_of({**pod, "status": first}, [sandbox(), record("app", RUNNING)])
    assert {c["lastTransitionTime"] for c in again["conditions"]} == {"2000-01-01T00:00:00Z"}
    flipped = status_of({**pod, "status": first}, [sandbox(), record("app", EXITED, exit_code=1)])
    assert conditions(flipped)["Ready"]["lastTransitionTime"] != "2000-01-01T00:00:00Z"


def test_terminal_phase_never_goes_back():
    pod = make_pod()
    pod["status"]["phase"] = "Failed"
    assert status_of(pod, [sandbox(), record("app", RUNNING)])["phase"] == "Failed"


def test_created_container_that_failed_to_start_counts_as_terminated():
    records = [sandbox(), record("app", CREATED, exit_code=127, error="exec: not found")]
    status = status_of(make_pod(restart_policy="Never"), records)
    terminated = status["containerStatuses"][0]["state"]["terminated"]
    assert terminated["reason"] == "StartError" and terminated["message"] == "exec: not found"
    assert terminated["exitCode"] == 128
    assert status["phase"] == "Failed"


def test_pod_phase_counts_unknown_containers_as_pending():
    spec = {"restartPolicy": "Always", "containers": [{"name": "a"}, {"name": "b"}]}
    statuses = [{"name": "a", "state": {"running": {}}}]
    assert pod_phase(spec, init_statuses=[], statuses=statuses) == "Pending"


def test_init_containers_report_ready_once_succeeded_and_started_while_running():
    pod = make_pod(init_containers=[{"name": "a"}, {"name": "b"}, {"name": "c"}])
    records = [sandbox(), record("a", EXITED, exit_code=0), record("b", RUNNING)]
    statuses = status_of(pod, records)["initContainerStatuses"]
    assert [(s["ready"], s["started"]) for s in statuses] == [(True, False), (False, True), (False, False)]
    assert statuses[2]["state"] == {"waiting": {"reason": "PodInitializing"}}


def test_restarting_init_container_keeps_the_pod_pending_and_uninitialized():
    pod = make_pod(init_containers=[{"name": "a"}])
    records = [sandbox(), record("a", EXITED, exit_code=1, restart=2)]
    status = status_of(pod, records, waiting={"a": Waiting("CrashLoopBackOff", "back-off 20s")})
    init = status["initContainerStatuses"][0]
    assert init["state"]["waiting"]["reason"] == "CrashLoopBackOff" and init["restartCount"] == 2
    assert init["lastState"]["terminated"]["exitCode"] == 1 and init["ready"] is False
    assert status["phase"] == "Pending"
    assert conditions(status)["Initialized"]["reason"] == "ContainersNotInitialized"
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"

"""compute_pod_actions as a table: (pod, what the runtime shows, back-off, now) ──► the actions of one sync."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kubelet.container_config import spec_hash
from kubelet.crash_backoff import RestartBackoff
from kubelet.pod_actions import PodActions, compute_pod_actions
from kubelet.pod_containers import PodContainers
from kubelet.runtime import CREATED, EXITED, RUNNING, ContainerRecord
from kubelet.runtime import labels as label_keys
from kubemini.api import timestamps
from kubemini.client.clock import FakeClock
from tests.unit.kubelet.fakes import make_pod

NOW = timestamps.parse("2026-01-01T10:01:00Z").timestamp()
APP = {"name": "app", "image": "kubemini/busybox:1.35"}
SIDE = {"name": "side", "image": "kubemini/busybox:1.35"}
INIT_A = {"name": "a", "image": "kubemini/busybox:1.35"}
INIT_B = {"name": "b", "image": "kubemini/busybox:1.35"}


def rec(
    name: str,
    state: str,
    *,
    exit_code: int | None = None,
    restart: int = 0,
    sandbox_id: str = "sb-1",
    spec: dict | None = None,
    finished: str | None = "2026-01-01T10:00:55Z",
    error: str = "",
) -> ContainerRecord:
    labels = {label_keys.CONTAINER: name, label_keys.RESTART_COUNT: str(restart), label_keys.POD_UID: "u"}
    if name != label_keys.SANDBOX_CONTAINER:
        labels[label_keys.SANDBOX_ID] = sandbox_id
        labels[label_keys.SPEC_HASH] = spec_hash(spec or {"name": name, "image": "kubemini/busybox:1.35"})
    return ContainerRecord(
        id=f"{name}-{restart}" if name != label_keys.SANDBOX_CONTAINER else sandbox_id,
        name=name,
        labels=labels,
        state=state,
        exit_code=exit_code,
        created_at="2026-01-01T10:00:50Z",
        finished_at=finished if state == EXITED else None,
        error=error,
        ip="172.19.0.2",
    )


def sandbox(state: str = RUNNING, *, sandbox_id: str = "sb-1", restart: int = 0) -> ContainerRecord:
    return rec(label_keys.SANDBOX_CONTAINER, state, sandbox_id=sandbox_id, restart=restart)


@dataclass
class Case:
    records: list[ContainerRecord]
    containers: list[dict] = field(default_factory=lambda: [APP])
    init: list[dict] = field(default_factory=list)
    policy: str = "Always"
    failures: int = 0  # back-off entries already recorded for app (restarts so far)
    liveness: dict[str, str] = field(default_factory=dict)
    status: dict = field(default_factory=dict)
    deadline: int | None = None


def actions_for(case: Case) -> PodActions:
    spec = {}
    if case.deadline is not None:
        spec["activeDeadlineSeconds"] = case.deadline
    pod = make_pod(containers=case.containers, init_containers=case.init, restart_policy=case.policy, **spec)
    pod["metadata"]["uid"] = "u"
    pod["status"].update(case.status)
    backoff = RestartBackoff(clock=FakeClock(start=NOW))
    for index in range(case.failures):
        backoff.next("u/app", at=NOW - 120 + index)
    return compute_pod_actions(
        pod,
        PodContainers.from_records(case.records),
        liveness_failure=case.liveness.get,
        backoff=backoff,
        now=NOW,
    )


def started(actions: PodActions) -> list[str]:
    return [s.name for s in actions.start]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(Case([]), {"create_sandbox": True, "start": ["app"]}, id="new pod: sandbox + every container"),
        pytest.param(
            Case([], containers=[APP, SIDE], init=[INIT_A, INIT_B]),
            {"create_sandbox": True, "start": ["a"]},
            id="new pod with init containers: only the first one",
        ),
        pytest.param(Case([sandbox(), rec("app", RUNNING)]), {"start": []}, id="running pod: nothing to do"),
        pytest.param(
            Case([sandbox(EXITED), rec("app", RUNNING)]),
            {"kill_pod": True, "sandbox_changed": True, "create_sandbox": True, "start": ["app"], "attempt": 1},
            id="dead sandbox: kill, new sandbox, restart all",
        ),
        pytest.param(
            Case([sandbox(EXITED), rec("app", EXITED, exit_code=1)], policy="Never"),
            {"create_sandbox": False, "start": []},
            id="Never pod that ran: no new sandbox",
        ),
        pytest.param(
            Case([sandbox(EXITED), rec("app", CREATED, finished=None)]),
            {"create_sandbox": True, "remove": ["app-0"], "start": ["app"]},
            id="created for the old sandbox: removed",
        ),
        pytest.param(
            Case([sandbox(), rec("app", EXITED, exit_code=1)]),
            {"start": ["app"], "back_off": []},
            id="first crash: restart at once",
        ),
        pytest.param(
            Case([sandbox(), rec("app", EXITED, exit_code=1, restart=1)], failures=1),
            {"start": [], "back_off": [("app", 5.0, 10.0)]},
            id="second crash: 10 s back-off from the exit",
        ),
        pytest.param(
            Case([sandbox(), rec("app", CREATED, exit_code=127, error="no such file", restart=2)], failures=2),
            {"start": [], "back_off": [("app", 10.0, 20.0)]},
            id="failed start: back-off counted from its creation",
        ),
        pytest.param(
            Case([sandbox(), rec("app", CREATED, exit_code=127, error="no such file", restart=2)], failures=1),
            {"start": ["app"]},
            id="failed start after its back-off: retried",
        ),
        pytest.param(
            Case([sandbox(), rec("app", EXITED, exit_code=0)], policy="OnFailure"),
            {"start": []},
            id="OnFailure: success stays done",
        ),
        pytest.param(
            Case([sandbox(), rec("app", CREATED, finished=None)]),
            {"start": ["app"], "created": ["app-0"]},
            id="created in this sandbox: started, not made again",
        ),
        pytest.param(
            Case([sandbox(sandbox_id="sb-2", restart=1), rec("app", EXITED, exit_code=137, restart=3)], failures=3),
            {"start": ["app"], "back_off": []},
            id="stopped with its old sandbox: no back-off",
        ),
        pytest.param(
            Case([sandbox(), rec("app", RUNNING)], liveness={"app-0": "failed liveness probe"}),
            {"kill": ["Container app failed liveness probe, will be restarted"]},
            id="liveness failure: kill to restart",
        ),
        pytest.param(
            Case([sandbox(), rec("app", RUNNING, spec={"name": "app", "image": "old"})]),
            {"kill": ["Container app definition changed, will be restarted"]},
            id="spec changed: kill to restart",
        ),
        pytest.param(
            Case([sandbox(), rec("a", RUNNING)], init=[INIT_A, INIT_B]),
            {"start": []},
            id="init container running: wait",
        ),
        pytest.param(
            Case([sandbox(), rec("a", EXITED, exit_code=0)], init=[INIT_A, INIT_B]),
            {"start": ["b"]},
            id="init container done: the next one",
        ),
        pytest.param(
            Case([sandbox(), rec("a", EXITED, exit_code=0), rec("b", EXITED, exit_code=0)], init=[INIT_A, INIT_B]),
            {"start": ["app"]},
            id="init containers done: app containers",
        ),
        pytest.param(
            Case([sandbox(), rec("a", EXITED, exit_code=1)], init=[INIT_A], policy="Never"),
            {"start": []},
            id="failed init under Never: nothing more",
        ),
        pytest.param(
            Case([sandbox(), rec("a", EXITED, exit_code=1)], init=[INIT_A]),
            {"start": ["a"]},
            id="failed init under Always: retried",
        ),
        pytest.param(
            Case(
                [sandbox(sandbox_id="sb-2", restart=1), rec("a", EXITED, exit_code=0), rec("b", EXITED, exit_code=0)],
                init=[INIT_A, INIT_B],
            ),
            {"start": ["a"]},
            id="new sandbox: init containers run again",
        ),
        pytest.param(
            Case([sandbox(), rec("app", RUNNING)], deadline=30, status={"startTime": "2026-01-01T10:00:00Z"}),
            {"deadline_exceeded": True, "kill_pod": True},
            id="activeDeadlineSeconds passed: kill",
        ),
        pytest.param(
            Case([sandbox(), rec("app", RUNNING)], deadline=90, status={"startTime": "2026-01-01T10:00:00Z"}),
            {"deadline_exceeded": False, "deadline_in": 30.0},
            id="deadline ahead: look again then",
        ),
    ],
)
def test_compute_pod_actions(case: Case, expected: dict):
    actions = actions_for(case)
    checks = {
        "create_sandbox": lambda: actions.create_sandbox,
        "kill_pod": lambda: actions.kill_pod,
        "sandbox_changed": lambda: actions.sandbox_changed,
        "attempt": lambda: actions.sandbox_attempt,
        "start": lambda: started(actions),
        "created": lambda: [s.created_id for s in actions.start],
        "remove": lambda: actions.remove,
        "kill": lambda: [k.message for k in actions.kill],
        "back_off": lambda: [(b.name, b.remaining_seconds, b.delay_seconds) for b in actions.back_off],
        "deadline_exceeded": lambda: actions.deadline_exceeded,
        "deadline_in": lambda: actions.deadline_in_seconds,
    }
    seen = {key: checks[key]() for key in expected}
    assert seen == expected


def test_ephemeral_containers_start_once_in_a_running_sandbox():
    debug = {"name": "debug", "image": "kubemini/busybox:1.35"}

    def ephemeral_actions(records):
        pod = make_pod(ephemeralContainers=[debug])
        backoff = RestartBackoff(clock=FakeClock(start=NOW))
        view = PodContainers.from_records(records)
        return compute_pod_actions(pod, view, liveness_failure={}.get, backoff=backoff, now=NOW)

    running = [sandbox(), rec("app", RUNNING)]
    assert [(s.name, s.ephemeral) for s in ephemeral_actions(running).start] == [("debug", True)]
    assert ephemeral_actions([*running, rec("debug", EXITED, exit_code=1)]).start == [], "never restarted"
    assert [s.name for s in ephemeral_actions([sandbox(EXITED), rec("app", RUNNING)]).start] == ["app"]


def test_a_restart_after_a_failure_records_when_it_failed():
    actions = actions_for(Case([sandbox(), rec("app", EXITED, exit_code=1)]))
    assert actions.start[0].failure_at == timestamps.parse("2026-01-01T10:00:55Z").timestamp()
    assert actions_for(Case([])).start[0].failure_at is None

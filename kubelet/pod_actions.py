"""compute_pod_actions: what one sync must do to a live pod, decided before anything is done.

Model: the kubelet's kuberuntime_manager.go computePodActions.

    pod spec + PodContainers (what the runtime shows) + liveness failures + back-off + now
        ──► PodActions
              kill_pod        stop every running container first (sandbox died or changed, deadline passed)
              create_sandbox  a new sandbox; then the first init container, or every app container
              remove          instances created for an old sandbox and never started
              kill            running containers to restart (liveness/startup failed, spec changed)
              start           containers to start now (a new instance, or a created one to start)
              back_off        containers held back by CrashLoopBackOff: name, seconds left, delay

Pure: it reads its arguments and returns a value; `pod_sync.sync_pod` carries
the actions out. The rules, as in Kubernetes:
- a pod whose sandbox is not running gets a new one, except a `restartPolicy:
  Never` pod that already ran (it is finished, not restarted);
- init containers run one at a time in order, each to exit 0, before any app
  container; a failed one is retried under the back-off (Never: the pod fails);
- a finished container restarts by restartPolicy, after the CrashLoopBackOff
  delay counted from its exit (or from its failed start, which leaves no exit time);
- containers started in a new sandbox do not wait for a back-off: the kubelet
  stopped them, they did not crash;
- an ephemeral container starts once, in a running sandbox, and is never restarted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubelet.container_config import spec_hash
from kubelet.container_status import has_finished
from kubelet.crash_backoff import RestartBackoff
from kubelet.pod_containers import PodContainers
from kubelet.runtime import CREATED, ContainerRecord
from kubelet.runtime import labels as label_keys
from kubemini.api import timestamps


@dataclass(frozen=True)
class ContainerStart:
    container: Mapping[str, Any]
    init: bool = False
    created_id: str | None = None  # an instance already created: start it instead of making a new one
    failure_at: float | None = None  # restart after a failure at this time: the back-off records it
    ephemeral: bool = False  # a debug container (`kubectl debug`): started once, never restarted

    @property
    def name(self) -> str:
        return self.container["name"]


@dataclass(frozen=True)
class ContainerKill:
    record: ContainerRecord
    message: str
    spec_changed: bool = False


@dataclass(frozen=True)
class BackOff:
    name: str
    remaining_seconds: float
    delay_seconds: float


@dataclass
class PodActions:
    kill_pod: bool = False
    sandbox_changed: bool = False  # kill_pod because a sandbox that existed stopped running
    deadline_exceeded: bool = False
    create_sandbox: bool = False
    sandbox_attempt: int = 0
    remove: list[str] = field(default_factory=list)
    kill: list[ContainerKill] = field(default_factory=list)
    start: list[ContainerStart] = field(default_factory=list)
    back_off: list[BackOff] = field(default_factory=list)
    deadline_in_seconds: float | None = None  # look again then: activeDeadlineSeconds ends

    @property
    def changes_anything(self) -> bool:
        return bool(self.kill_pod or self.create_sandbox or self.remove or self.kill or self.start)


def should_restart(policy: str, record: ContainerRecord) -> bool:
    if policy == "Always":
        return True
    return policy == "OnFailure" and (record.exit_code != 0 or record.oom_killed or record.state == CREATED)


def failure_time(record: ContainerRecord, *, now: float) -> float:
    """When a finished instance failed: its exit, or, for a start that failed, its creation."""
    for stamp in (record.finished_at, record.created_at if record.state == CREATED else None):
        if stamp and not stamp.startswith("0001-01-01"):
            return timestamps.parse(stamp).timestamp()
    return now


def deadline_remaining(pod: Mapping[str, Any], *, now: float) -> float | None:
    """Seconds until activeDeadlineSeconds ends (≤ 0: passed), None without a deadline or a start time."""
    deadline = (pod.get("spec") or {}).get("activeDeadlineSeconds")
    started = (pod.get("status") or {}).get("startTime")
    if not isinstance(deadline, int) or not started:
        return None
    return timestamps.parse(started).timestamp() + deadline - now


def compute_pod_actions(
    pod: Mapping[str, Any],
    view: PodContainers,
    *,
    liveness_failure: Callable[[str], str | None],
    backoff: RestartBackoff,
    now: float,
) -> PodActions:
    spec = pod.get("spec") or {}
    uid = (pod.get("metadata") or {}).get("uid", "")
    policy = spec.get("restartPolicy") or "Always"
    actions = PodActions()
    remaining = deadline_remaining(pod, now=now)
    if remaining is not None and remaining <= 0:
        actions.deadline_exceeded = True
        actions.kill_pod = bool(view.running_records())
        return actions
    actions.deadline_in_seconds = remaining
    if not view.sandbox_running:
        _new_sandbox(actions, spec, view, policy=policy)
        return actions
    sandbox_id = view.sandbox.id if view.sandbox else ""
    init_done = _init_containers(actions, spec, view, uid=uid, policy=policy, backoff=backoff, now=now)
    if not init_done:
        return actions
    for container in spec.get("containers") or []:
        _app_container(
            actions, container, view, uid=uid, policy=policy, sandbox_id=sandbox_id,
            liveness_failure=liveness_failure, backoff=backoff, now=now,
        )  # fmt: skip
    for container in spec.get("ephemeralContainers") or []:
        if view.latest(container["name"]) is None:
            actions.start.append(ContainerStart(container, ephemeral=True))
    return actions


def _new_sandbox(actions: PodActions, spec: Mapping[str, Any], view: PodContainers, *, policy: str) -> None:
    if policy == "Never" and view.sandbox is not None and any(view.by_name.values()):
        actions.kill_pod = bool(view.running_records())
        return  # Kubernetes does not rebuild the sandbox of a Never pod that already ran
    running = view.running_records()
    actions.kill_pod = bool(running)
    actions.sandbox_changed = view.sandbox is not None
    # Created, never started (a kubelet killed mid-start): they belong to the old sandbox's network.
    actions.remove = [r.id for r in view.all_records() if r.state == CREATED and not r.is_sandbox]
    actions.create_sandbox = True
    actions.sandbox_attempt = (view.sandbox.restart_count + 1) if view.sandbox else 0
    init = spec.get("initContainers") or []
    if init:
        actions.start = [ContainerStart(init[0], init=True)]
        return
    for container in spec.get("containers") or []:
        latest = view.latest(container["name"])
        if latest is not None and has_finished(latest) and not should_restart(policy, latest):
            continue  # OnFailure: a container that succeeded stays done
        actions.start.append(ContainerStart(container))


def _restart_or_back_off(
    actions: PodActions,
    container: Mapping[str, Any],
    latest: ContainerRecord,
    *,
    uid: str,
    init: bool,
    backoff: RestartBackoff,
    now: float,
) -> None:
    key = f"{uid}/{container['name']}"
    failed_at = failure_time(latest, now=now)
    left = backoff.remaining(key, since=failed_at)
    if left > 0:
        actions.back_off.append(BackOff(container["name"], left, backoff.delay(key)))
        return
    actions.start.append(ContainerStart(container, init=init, failure_at=failed_at))


def _init_containers(
    actions: PodActions,
    spec: Mapping[str, Any],
    view: PodContainers,
    *,
    uid: str,
    policy: str,
    backoff: RestartBackoff,
    now: float,
) -> bool:
    """Act on the init container whose turn it is; True once every one has succeeded."""
    sandbox_id = view.sandbox.id if view.sandbox else ""
    for container in spec.get("initContainers") or []:
        latest = view.latest(container["name"])
        if latest is not None and latest.labels.get(label_keys.SANDBOX_ID, sandbox_id) != sandbox_id:
            latest = None  # ran in an earlier sandbox: a new sandbox runs every init container again
        if latest is not None and latest.state != CREATED and not latest.running and latest.exit_code == 0:
            continue
        if latest is None:
            actions.start.append(ContainerStart(container, init=True))
        elif latest.running:
            pass  # its exit wakes us
        elif latest.state == CREATED and not latest.error:
            actions.start.append(ContainerStart(container, init=True, created_id=latest.id))
        elif policy != "Never":
            _restart_or_back_off(actions, container, latest, uid=uid, init=True, backoff=backoff, now=now)
        return False  # a failed init container under Never fails the pod: nothing more to start
    return True


def _app_container(
    actions: PodActions,
    container: Mapping[str, Any],
    view: PodContainers,
    *,
    uid: str,
    policy: str,
    sandbox_id: str,
    liveness_failure: Callable[[str], str | None],
    backoff: RestartBackoff,
    now: float,
) -> None:
    name = container["name"]
    latest = view.latest(name)
    if latest is None:
        actions.start.append(ContainerStart(container))
        return
    own_sandbox = latest.labels.get(label_keys.SANDBOX_ID, sandbox_id) == sandbox_id
    if latest.state == CREATED and not latest.error:
        if own_sandbox:
            # Made early while its sandbox started, or left by a kubelet that died between create and start.
            actions.start.append(ContainerStart(container, created_id=latest.id))
        else:
            actions.remove.append(latest.id)
            actions.start.append(ContainerStart(container))
        return
    if latest.running:
        failure = liveness_failure(latest.id)
        changed = latest.labels.get(label_keys.SPEC_HASH) != spec_hash(container)
        if failure:
            actions.kill.append(ContainerKill(latest, f"Container {name} {failure}, will be restarted"))
        elif changed:
            actions.kill.append(
                ContainerKill(latest, f"Container {name} definition changed, will be restarted", spec_changed=True)
            )
        elif not own_sandbox:
            actions.kill.append(ContainerKill(latest, f"Container {name} runs in an old sandbox, will be restarted"))
        return
    if not has_finished(latest) or not should_restart(policy, latest):
        return
    if not own_sandbox:
        actions.start.append(ContainerStart(container))  # stopped with its old sandbox: not a crash
        return
    _restart_or_back_off(actions, container, latest, uid=uid, init=False, backoff=backoff, now=now)

"""sync_pod: make the runtime match one pod's spec, then report what is really there.

    runtime containers of the pod (by uid label) ──► PodContainers
      deleted (deletionTimestamp, or gone from the API) ──► finish it (termination.py)
      terminal phase ──► stop what still runs, keep containers for logs
      else: compute_pod_actions (pure, pod_actions.py)
            a fresh start (new sandbox, nothing to stop first) ──► sandbox start ∥ volumes set up
                (a FailedMount removes that sandbox; the pod's later starts wait for the volumes)
            otherwise ──► volumes set up / refreshed (volumes/) ──► carried out here: kill pod
                · remove stale · kill to restart · back-off notes · new sandbox (pod_starting.py)
                · start containers
    ──► re-read the runtime ──► build_pod_status ──► write it if it changed

Level-triggered and idempotent: it never trusts the event that woke it, only
the runtime and the latest Pod; running it twice changes nothing. It returns
when to look again (a back-off ending, a deadline), or DONE once a deleted pod is gone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from kubelet.container_status import Waiting
from kubelet.crash_backoff import go_duration
from kubelet.node_context import NodeContext
from kubelet.pod_actions import PodActions, compute_pod_actions
from kubelet.pod_containers import PodContainers
from kubelet.pod_starting import SandboxError, start_containers, start_in_new_sandbox
from kubelet.pod_status import FAILED, TERMINAL_PHASES, build_pod_status
from kubelet.pod_workers import DONE
from kubelet.probe_manager import ProbeManager
from kubelet.security_context import forbidden_sysctl
from kubelet.status_writing import write_pod_status
from kubelet.termination import (
    delete_pod_object,
    grace_period_seconds,
    remove_pod_containers,
    stop_gracefully,
    stop_pod_containers,
)
from kubelet.termination_messages import termination_messages
from kubelet.volumes import PodVolumes, VolumeError
from kubemini.client.events import WARNING

log = logging.getLogger(__name__)

SANDBOX_RETRY_SECONDS = 2.0
MOUNT_RETRY_SECONDS = 2.0
KEPT_INSTANCES = 2  # the current one and the previous one (`kubectl logs --previous`)
DEADLINE_REASON = "DeadlineExceeded"
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


@dataclass
class PodWork:
    """What a pod's worker remembers between syncs: only what neither Docker nor the API holds."""

    uid: str
    pod: dict[str, Any] | None = None
    waiting: dict[str, Waiting] = field(default_factory=dict)
    written_status: dict[str, Any] | None = None
    next_wake: list[float] = field(default_factory=list)
    failure: tuple[str, str] | None = None  # (reason, message) that fails the pod: deadline, eviction
    messages: dict[str, str] = field(default_factory=dict)  # termination messages by container id
    mount_failed: bool = False  # once a mount failed, the sandbox waits for the volumes (no overlap)


async def sync_pod(ctx: NodeContext, work: PodWork, *, probes: ProbeManager) -> float | None:
    pod = work.pod
    view = await _read(ctx, work.uid)
    if pod is None or (pod.get("metadata") or {}).get("deletionTimestamp"):
        return await _finish(ctx, work, probes=probes, view=view)
    work.next_wake = []
    forbidden = forbidden_sysctl(pod)
    if forbidden and work.failure is None:
        ctx.emit(pod, WARNING, "SysctlForbidden", forbidden)
        work.failure = ("SysctlForbidden", forbidden)
    known = {**pod, "status": work.written_status} if work.written_status is not None else pod
    if (known.get("status") or {}).get("phase") not in TERMINAL_PHASES and work.failure is None:
        actions = compute_pod_actions(
            known, view, liveness_failure=probes.liveness_failure, backoff=ctx.crash_backoff, now=time.time()
        )
        if _fresh_start(work, actions):
            changed = await _start_fresh(ctx, work, pod, actions, view=view)
        else:
            volumes = await _set_up_volumes(ctx, work, pod)
            changed = await _carry_out(ctx, work, pod, actions, view=view, probes=probes, volumes=volumes)
        if changed:
            view = await _read(ctx, work.uid)
    probes.sync_pod(pod, view)
    messages = await termination_messages(ctx, pod, view, cache=work.messages)
    status = build_pod_status(
        known, view, waiting=work.waiting, probes=probes.view(), host_ip=ctx.host_ip, messages=messages
    )
    if work.failure is not None:
        status["phase"] = FAILED
        status["reason"], status["message"] = work.failure
    if status["phase"] in TERMINAL_PHASES and view.running_records():
        await stop_pod_containers(ctx, pod, view=view, grace_seconds=grace_period_seconds(pod))
    last = work.written_status or pod.get("status")
    if status != last:
        async with ctx.limits.api_writes:
            if await write_pod_status(ctx.client, pod, status=status, last_written=last):
                work.written_status = status
    await _remove_old_instances(ctx, view)
    return min(work.next_wake) if work.next_wake else None


async def _read(ctx: NodeContext, uid: str) -> PodContainers:
    return PodContainers.from_records(await ctx.runtime.list_containers(node=ctx.node_name, pod_uid=uid))


async def _finish(ctx: NodeContext, work: PodWork, *, probes: ProbeManager, view: PodContainers) -> float:
    """Deletion: stop and remove everything, then let the apiserver delete the object."""
    pod = work.pod
    probes.forget_pod(work.uid)
    if view.running_records():
        await stop_pod_containers(ctx, pod, view=view, grace_seconds=grace_period_seconds(pod))
    await remove_pod_containers(ctx, view)
    await ctx.volumes.tear_down(work.uid)
    ctx.crash_backoff.forget_prefix(f"{work.uid}/")
    ctx.pull_backoff.forget_prefix(f"{work.uid}/")
    if pod is None:
        return DONE
    async with ctx.limits.api_writes:
        await delete_pod_object(ctx, pod)
    # The DELETED watch event brings us back with pod None, which ends the worker.
    return ctx.settings.resync_period_seconds


async def _set_up_volumes(ctx: NodeContext, work: PodWork, pod: dict[str, Any]) -> PodVolumes | None:
    """Volumes set up or refreshed (live ConfigMap/Secret updates); None, with a FailedMount event, when not."""
    try:
        volumes = await ctx.volumes.set_up(pod)
    except VolumeError as error:
        ctx.emit(pod, WARNING, "FailedMount", str(error))
        work.mount_failed = True
        work.next_wake.append(MOUNT_RETRY_SECONDS)
        return None
    if volumes.eviction:
        ctx.emit(pod, WARNING, "Evicted", volumes.eviction)
        work.failure = ("Evicted", volumes.eviction)
    return volumes


async def _carry_out(
    ctx: NodeContext,
    work: PodWork,
    pod: dict[str, Any],
    actions: PodActions,
    *,
    view: PodContainers,
    probes: ProbeManager,
    volumes: PodVolumes | None,
) -> bool:
    """Do what compute_pod_actions decided; True when anything was done."""
    grace = grace_period_seconds(pod)
    if actions.deadline_in_seconds is not None:
        work.next_wake.append(max(actions.deadline_in_seconds, 0.0))
    if actions.deadline_exceeded or work.failure is not None:
        if actions.deadline_exceeded:
            ctx.emit(pod, WARNING, DEADLINE_REASON, DEADLINE_MESSAGE)
            work.failure = (DEADLINE_REASON, DEADLINE_MESSAGE)
        if view.running_records():
            await stop_pod_containers(ctx, pod, view=view, grace_seconds=grace)
            return True
        return False
    if actions.kill_pod:
        if actions.sandbox_changed:
            ctx.emit(pod, "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
        await stop_pod_containers(ctx, pod, view=view, grace_seconds=grace)
    for container_id in actions.remove:
        await ctx.runtime.remove_container(container_id)
    for kill in actions.kill:
        await stop_gracefully(
            ctx, pod, record=kill.record, grace_seconds=grace, pod_ip=view.pod_ip, message=kill.message
        )
        probes.forget_container(kill.record.id)
        if kill.spec_changed:
            ctx.crash_backoff.forget(f"{work.uid}/{kill.record.container_name}")
        work.next_wake.append(0.0)  # look again at once: the exit is handled as any other
    _note_back_offs(ctx, work, pod, actions)
    if not actions.start and not actions.create_sandbox:
        return actions.changes_anything
    if volumes is None:
        return actions.changes_anything  # FailedMount: the containers wait in ContainerCreating
    if actions.create_sandbox:
        if actions.kill_pod or actions.remove:
            view = await _read(ctx, work.uid)
        return await _start_in_new_sandbox(ctx, work, pod, actions, view=view, volumes=_ready(volumes))
    _note_results(ctx, work, await start_containers(ctx, pod, starts=actions.start, view=view, volumes=volumes))
    return True


def _fresh_start(work: PodWork, actions: PodActions) -> bool:
    """A new sandbox with nothing to stop, remove or wait for first: its start overlaps the volume set-up."""
    return (
        actions.create_sandbox
        and not (actions.kill_pod or actions.remove or actions.kill or actions.back_off)
        and not actions.deadline_exceeded
        and work.failure is None
        and not work.mount_failed
    )


async def _start_fresh(
    ctx: NodeContext, work: PodWork, pod: dict[str, Any], actions: PodActions, *, view: PodContainers
) -> bool:
    """The sandbox starts (the slowest step) while the volumes are set up; a FailedMount removes it again.

    The set-up begins at once, while the pod may still wait for a start slot.
    """
    if actions.deadline_in_seconds is not None:
        work.next_wake.append(max(actions.deadline_in_seconds, 0.0))
    volumes = asyncio.ensure_future(_set_up_volumes(ctx, work, pod))
    try:
        return await _start_in_new_sandbox(ctx, work, pod, actions, view=view, volumes=volumes)
    finally:
        await asyncio.wait([volumes])  # a sandbox that failed first still leaves the volumes set up
        if not volumes.cancelled() and volumes.exception() is not None:
            log.warning("pod %s: volume set-up failed: %s", work.uid, volumes.exception())


async def _ready(volumes: PodVolumes) -> PodVolumes:
    return volumes


async def _start_in_new_sandbox(
    ctx: NodeContext,
    work: PodWork,
    pod: dict[str, Any],
    actions: PodActions,
    *,
    view: PodContainers,
    volumes: Awaitable[PodVolumes | None],
) -> bool:
    try:
        async with ctx.start_slots:  # a pod starting from scratch waits its turn for the sandbox
            started = await start_in_new_sandbox(
                ctx, pod, starts=actions.start, attempt=actions.sandbox_attempt, view=view, volumes=volumes
            )
    except SandboxError as error:
        log.warning("pod %s: sandbox failed: %s", work.uid, error)
        work.next_wake.append(SANDBOX_RETRY_SECONDS)
        return True
    if started is None:
        return True  # FailedMount: the containers wait in ContainerCreating
    results, rest, ready = started
    _note_results(ctx, work, results)
    if rest:
        view = await _read(ctx, work.uid)
        _note_results(ctx, work, await start_containers(ctx, pod, starts=rest, view=view, volumes=ready))
    return True


def _note_back_offs(ctx: NodeContext, work: PodWork, pod: dict[str, Any], actions: PodActions) -> None:
    meta = pod.get("metadata") or {}
    who = f"{meta.get('name')}_{meta.get('namespace')}({work.uid})"
    for back_off in actions.back_off:
        delay = go_duration(back_off.delay_seconds)
        message = f"back-off {delay} restarting failed container={back_off.name} pod={who}"
        work.waiting[back_off.name] = Waiting("CrashLoopBackOff", message)
        ctx.emit(pod, WARNING, "BackOff", f"Back-off restarting failed container {back_off.name} in pod {who}")
        work.next_wake.append(back_off.remaining_seconds)


def _note_results(ctx: NodeContext, work: PodWork, results: dict[str, Waiting | None]) -> None:
    """Remember why a container is not running (for its status) and when to try again."""
    for name, waiting in results.items():
        if waiting is None:
            work.waiting.pop(name, None)
            continue
        work.waiting[name] = waiting
        # ErrImagePull turns into ImagePullBackOff on the next look; other errors are retried soon.
        quick = waiting.reason in ("ImagePullBackOff", "ErrImagePull")
        work.next_wake.append(1.0 if quick else SANDBOX_RETRY_SECONDS)


async def _remove_old_instances(ctx: NodeContext, view: PodContainers) -> None:
    for instances in view.by_name.values():
        for record in instances[KEPT_INSTANCES:]:
            if not record.running:
                await ctx.runtime.remove_container(record.id)
    for sandbox in view.sandboxes[1:]:
        if not sandbox.running:
            await ctx.runtime.remove_container(sandbox.id)

"""sync_pod: make the runtime match one pod's spec, then report what is really there.

    runtime containers of the pod (by uid label) ──► PodContainers
      deleted (deletionTimestamp, or gone from the API) ──► finish it (termination.py)
      terminal phase ──► stop the sandbox, keep containers for logs
      no running sandbox ──► (kill leftovers) start one
      init containers, in order, each to exit 0 ──► then every app container:
          missing ──► start          running + liveness failed / spec changed ──► kill, restart
          exited ──► restart by restartPolicy, after the CrashLoopBackOff delay
    ──► re-read the runtime ──► build_pod_status ──► write it if it changed

Level-triggered and idempotent: it never trusts the event that woke it, only
the runtime and the latest Pod; running it twice changes nothing. It returns
when to look again (a back-off ending), or DONE once a deleted pod is gone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from kubelet.container_config import spec_hash
from kubelet.container_starting import (
    SandboxError,
    create_instance,
    create_sandbox,
    start_created,
    start_sandbox,
    uses_pod_ip,
)
from kubelet.container_status import Waiting, has_finished
from kubelet.crash_backoff import exit_time, go_duration
from kubelet.node_context import NodeContext
from kubelet.pod_containers import PodContainers
from kubelet.pod_status import TERMINAL_PHASES, build_pod_status
from kubelet.pod_workers import DONE
from kubelet.probe_manager import ProbeManager
from kubelet.runtime import ContainerRecord
from kubelet.runtime import labels as label_keys
from kubelet.status_writing import write_pod_status
from kubelet.termination import (
    delete_pod_object,
    grace_period_seconds,
    remove_pod_containers,
    stop_gracefully,
    stop_pod_containers,
)
from kubemini.client.events import WARNING

log = logging.getLogger(__name__)

SANDBOX_RETRY_SECONDS = 2.0
IMAGE_RETRY_SECONDS = 1.0
KEPT_INSTANCES = 2  # the current one and the previous one (`kubectl logs --previous`)


@dataclass
class PodWork:
    """What a pod's worker remembers between syncs: only what neither Docker nor the API holds."""

    uid: str
    pod: dict[str, Any] | None = None
    waiting: dict[str, Waiting] = field(default_factory=dict)
    written_status: dict[str, Any] | None = None
    next_wake: list[float] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)  # containers already started (or tried) in this sync


def should_restart(pod: dict[str, Any], record: ContainerRecord) -> bool:
    policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
    if policy == "Always":
        return True
    return policy == "OnFailure" and (record.exit_code != 0 or record.oom_killed or record.state != "exited")


async def sync_pod(ctx: NodeContext, work: PodWork, *, probes: ProbeManager) -> float | None:
    pod = work.pod
    view = await _read(ctx, work.uid)
    if pod is None or (pod.get("metadata") or {}).get("deletionTimestamp"):
        return await _finish(ctx, work, probes=probes, view=view)
    work.next_wake = []
    work.tried = set()
    phase = (work.written_status or pod.get("status") or {}).get("phase")
    if phase not in TERMINAL_PHASES:
        if view.sandbox_running:
            changed = await _converge(ctx, work, probes=probes, view=view)
        else:
            async with ctx.start_slots:  # a pod (re)starting from scratch waits its turn
                changed = await _converge(ctx, work, probes=probes, view=view)
        if changed:
            view = await _read(ctx, work.uid)
    probes.sync_pod(pod, view)
    known = {**pod, "status": work.written_status} if work.written_status is not None else pod
    status = build_pod_status(known, view, waiting=work.waiting, probes=probes.view(), host_ip=ctx.host_ip)
    if status["phase"] in TERMINAL_PHASES and view.sandbox_running:
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
    ctx.crash_backoff.forget_prefix(f"{work.uid}/")
    ctx.pull_backoff.forget_prefix(f"{work.uid}/")
    if pod is None:
        return DONE
    async with ctx.limits.api_writes:
        await delete_pod_object(ctx, pod)
    # The DELETED watch event brings us back with pod None, which ends the worker.
    return ctx.settings.resync_period_seconds


async def _converge(ctx: NodeContext, work: PodWork, *, probes: ProbeManager, view: PodContainers) -> bool:
    """Act on the difference between spec and runtime; True when anything was done."""
    pod = work.pod
    assert pod is not None
    spec = pod.get("spec") or {}
    if not view.sandbox_running:
        if spec.get("restartPolicy") == "Never" and view.sandbox is not None and view.by_name:
            return False  # Kubernetes does not rebuild the sandbox of a Never pod that already ran
        if view.running_records():
            ctx.emit(pod, "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
            await stop_pod_containers(ctx, pod, view=view, grace_seconds=grace_period_seconds(pod))
        # Created, never started (a kubelet killed mid-start): they belong to the old sandbox's network.
        stale = [r for r in view.all_records() if r.state == "created" and not r.error and not r.is_sandbox]
        await asyncio.gather(*(ctx.runtime.remove_container(r.id) for r in stale))
        if stale:
            view = await _read(ctx, work.uid)
        try:
            if await _new_sandbox(ctx, work, view=view):
                return True  # every container due first was started (or failed) already
        except SandboxError as error:
            log.warning("pod %s: sandbox failed: %s", work.uid, error)
            work.next_wake.append(SANDBOX_RETRY_SECONDS)
            return True
        view = await _read(ctx, work.uid)
    changed = False
    for container in spec.get("initContainers") or []:
        latest = view.latest(container["name"])
        if latest is not None and latest.state == "exited" and latest.exit_code == 0:
            continue
        if latest is not None and latest.running:
            return changed  # wait for it to finish: its exit wakes us
        if latest is not None and has_finished(latest) and spec.get("restartPolicy") == "Never":
            return changed  # a failed init container fails the pod
        return await _sync_container(ctx, work, container=container, probes=probes, view=view, init=True) or changed
    for container in spec.get("containers") or []:
        changed = await _sync_container(ctx, work, container=container, probes=probes, view=view) or changed
    return changed


async def _new_sandbox(ctx: NodeContext, work: PodWork, *, view: PodContainers) -> bool:
    """Start a sandbox; meanwhile create the containers due first, and start them as soon as it runs.

    The sandbox start is the slowest step of a pod start, and creating a container
    needs only the sandbox's id. True when every container due first was handled.
    """
    pod = work.pod
    assert pod is not None
    spec = pod.get("spec") or {}
    sandbox_id = await create_sandbox(ctx, pod, view=view)
    starting = asyncio.create_task(start_sandbox(ctx, pod, sandbox_id=sandbox_id))
    init = spec.get("initContainers") or []
    first = init[:1] if init else spec.get("containers") or []
    # A postStart hook or a $(POD_IP) needs the pod IP, known once the sandbox runs: those wait for the next pass.
    early = [
        c
        for c in first
        if not view.instances(c["name"]) and not uses_pod_ip(c) and not (c.get("lifecycle") or {}).get("postStart")
    ]
    created = await asyncio.gather(
        *(create_instance(ctx, pod, container=c, view=view, sandbox_id=sandbox_id, init=bool(init)) for c in early)
    )
    await starting
    for container, result in zip(early, created, strict=True):
        if not isinstance(result, Waiting):
            result = await start_created(ctx, pod, container=container, container_id=result, view=view)
        _note(work, container, waiting=result)
        work.tried.add(container["name"])  # one attempt per sync: a failed pull shows its back-off next time
    return len(early) == len(first)


async def _sync_container(
    ctx: NodeContext,
    work: PodWork,
    *,
    container: dict[str, Any],
    probes: ProbeManager,
    view: PodContainers,
    init: bool = False,
) -> bool:
    pod = work.pod
    assert pod is not None
    name = container["name"]
    latest = view.latest(name)
    if name in work.tried:
        return False
    if latest is None:
        return await _start_or_back_off(ctx, work, container=container, view=view, init=init)
    if latest.state == "created" and not latest.error:
        # Created but never started: made early while its sandbox started, or left by a
        # kubelet that died between create and start. Either way it is ours to start.
        started = await start_created(ctx, pod, container=container, container_id=latest.id, view=view)
        _note(work, container, waiting=started)
        return True
    if latest.running:
        work.waiting.pop(name, None)
        failure = probes.liveness_failure(latest.id)
        changed_spec = latest.labels.get(label_keys.SPEC_HASH) != spec_hash(container)
        if not failure and not changed_spec:
            return False
        message = (
            f"Container {name} {failure}, will be restarted"
            if failure
            else f"Container {name} definition changed, will be restarted"
        )
        await stop_gracefully(
            ctx, pod, record=latest, grace_seconds=grace_period_seconds(pod), pod_ip=view.pod_ip, message=message
        )
        probes.forget_container(latest.id)
        if changed_spec:
            ctx.crash_backoff.forget(f"{work.uid}/{name}")
        work.next_wake.append(0.0)  # look again at once: the exit is handled as any other
        return True
    if not has_finished(latest) or not should_restart(pod, latest):
        return False
    return await _start_or_back_off(ctx, work, container=container, view=view, init=init)


async def _start_or_back_off(
    ctx: NodeContext, work: PodWork, *, container: dict[str, Any], view: PodContainers, init: bool = False
) -> bool:
    pod = work.pod
    assert pod is not None
    name = container["name"]
    latest = view.latest(name)
    key = f"{work.uid}/{name}"
    if latest is not None:
        finished = exit_time(latest.finished_at, clock=ctx.crash_backoff.clock)
        remaining = ctx.crash_backoff.remaining(key, since=finished)
        if remaining > 0:
            meta = pod.get("metadata") or {}
            delay = go_duration(ctx.crash_backoff.delay(key))
            who = f"{meta.get('name')}_{meta.get('namespace')}({work.uid})"
            work.waiting[name] = Waiting(
                "CrashLoopBackOff", f"back-off {delay} restarting failed container={name} pod={who}"
            )
            ctx.emit(pod, WARNING, "BackOff", f"Back-off restarting failed container {name} in pod {who}")
            work.next_wake.append(remaining)
            return False
        ctx.crash_backoff.next(key, at=finished)
    if view.sandbox is None:
        return False
    created = await create_instance(ctx, pod, container=container, view=view, sandbox_id=view.sandbox.id, init=init)
    if isinstance(created, Waiting):
        _note(work, container, waiting=created)
        return True
    started = await start_created(ctx, pod, container=container, container_id=created, view=view)
    _note(work, container, waiting=started)
    return True


def _note(work: PodWork, container: dict[str, Any], *, waiting: Waiting | None) -> None:
    """Remember why a container is not running (for its status) and when to try again."""
    name = container["name"]
    if waiting is None:
        work.waiting.pop(name, None)
        return
    work.waiting[name] = waiting
    if waiting.reason == "ImagePullBackOff":
        work.next_wake.append(IMAGE_RETRY_SECONDS)
    else:
        # ErrImagePull turns into ImagePullBackOff on the next look; other errors are retried soon.
        work.next_wake.append(IMAGE_RETRY_SECONDS if waiting.reason == "ErrImagePull" else SANDBOX_RETRY_SECONDS)


async def _remove_old_instances(ctx: NodeContext, view: PodContainers) -> None:
    for instances in view.by_name.values():
        for record in instances[KEPT_INSTANCES:]:
            if not record.running:
                await ctx.runtime.remove_container(record.id)
    for sandbox in view.sandboxes[1:]:
        if not sandbox.running:
            await ctx.runtime.remove_container(sandbox.id)

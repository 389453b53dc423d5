"""Carrying out the starts compute_pod_actions decided: in a new sandbox, or in the running one.

    start_in_new_sandbox: create sandbox ──► start it ─┬─► (meanwhile) volumes set up (the caller's awaitable)
                                                        │   ──► create the containers due first
                                                        └─► start them once the sandbox runs
        containers needing the pod IP ($(POD_IP), postStart hooks) are returned: started after
    start_containers: one at a time, in spec order: back-off recorded ──► create (or reuse) ──► start

The sandbox start is the slowest step of a pod start, and creating a
container needs only the sandbox's id. Each outcome is the container's
waiting reason (None once it started): the sync keeps it for the status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any

from kubelet.container_starting import (
    SandboxError,
    create_instance,
    create_sandbox,
    start_created,
    start_sandbox,
    uses_pod_ip,
)
from kubelet.container_status import Waiting
from kubelet.node_context import NodeContext
from kubelet.pod_actions import ContainerStart
from kubelet.pod_containers import PodContainers
from kubelet.volumes import PodVolumes

__all__ = ["SandboxError", "start_containers", "start_in_new_sandbox"]

Outcomes = dict[str, Waiting | None]


def _early(start: ContainerStart) -> bool:
    container = start.container
    return (
        start.created_id is None
        and not uses_pod_ip(container)
        and not (container.get("lifecycle") or {}).get("postStart")
    )


def _record_failure(ctx: NodeContext, pod: Mapping[str, Any], start: ContainerStart) -> None:
    if start.failure_at is not None:
        ctx.crash_backoff.next(f"{(pod.get('metadata') or {}).get('uid')}/{start.name}", at=start.failure_at)


async def start_in_new_sandbox(
    ctx: NodeContext,
    pod: Mapping[str, Any],
    *,
    starts: list[ContainerStart],
    attempt: int,
    view: PodContainers,
    volumes: Awaitable[PodVolumes | None],
) -> tuple[Outcomes, list[ContainerStart], PodVolumes] | None:
    """Outcomes of the containers started with the sandbox, the starts left for after it runs, the volumes.

    `volumes` is awaited while the sandbox starts; None (FailedMount): the sandbox is removed again.
    """
    sandbox_id = await create_sandbox(ctx, pod, attempt=attempt)
    starting = asyncio.create_task(start_sandbox(ctx, pod, sandbox_id=sandbox_id))
    early = [s for s in starts if _early(s)]
    try:
        ready = await volumes
        if ready is None:
            await starting
            await ctx.runtime.remove_container(sandbox_id)  # as in Kubernetes: no sandbox before the mounts
            return None
        created = await asyncio.gather(
            *(
                create_instance(
                    ctx, pod, container=s.container, view=view, sandbox_id=sandbox_id, init=s.init, volumes=ready
                )
                for s in early
            )
        )
    finally:
        await starting
    outcomes: Outcomes = {}
    for start, result in zip(early, created, strict=True):
        _record_failure(ctx, pod, start)
        if not isinstance(result, Waiting):
            result = await start_created(ctx, pod, container=start.container, container_id=result, view=view)
        outcomes[start.name] = result
    return outcomes, [s for s in starts if s not in early], ready


async def start_containers(
    ctx: NodeContext,
    pod: Mapping[str, Any],
    *,
    starts: list[ContainerStart],
    view: PodContainers,
    volumes: PodVolumes,
) -> Outcomes:
    outcomes: Outcomes = {}
    sandbox = view.sandbox
    if sandbox is None or not sandbox.running:
        return outcomes  # it died meanwhile: the next sync makes a new one
    for start in starts:
        _record_failure(ctx, pod, start)
        container_id: str | Waiting | None = start.created_id
        if container_id is None:
            container_id = await create_instance(
                ctx, pod, container=start.container, view=view, sandbox_id=sandbox.id, init=start.init, volumes=volumes
            )
        if isinstance(container_id, Waiting):
            outcomes[start.name] = container_id
            continue
        outcomes[start.name] = await start_created(
            ctx, pod, container=start.container, container_id=container_id, view=view
        )
    return outcomes

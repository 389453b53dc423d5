"""Stopping containers gracefully, and finishing a deleted pod.

    stop_gracefully(container):  Killing event ──► preStop hook (within the grace period)
                                 ──► SIGTERM ──► wait what is left of the grace period ──► SIGKILL
    finish_pod(pod):  stop every app container in parallel ──► stop the sandbox ──► remove them all
                      ──► final status ──► DELETE the pod with gracePeriodSeconds 0, preconditions.uid

A pod the apiserver no longer has (force-deleted, or an orphan found at
start-up) goes through the same path minus the API writes. As in Kubernetes a
container always gets at least MIN_GRACE_SECONDS between SIGTERM and SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from kubelet.node_context import NodeContext
from kubelet.pod_containers import PodContainers
from kubelet.probing import run_action
from kubelet.runtime import ContainerRecord
from kubemini.api.registry import by_kind
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.events import NORMAL, WARNING

POD = by_kind("Pod")
MIN_GRACE_SECONDS = 2.0
DEFAULT_GRACE_SECONDS = 30
SANDBOX_STOP_SECONDS = 2.0

log = logging.getLogger(__name__)


def grace_period_seconds(pod: Mapping[str, Any] | None) -> float:
    if pod is None:
        return MIN_GRACE_SECONDS
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    grace = meta.get("deletionGracePeriodSeconds")
    if grace is None:
        grace = spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
    return float(grace)


def container_spec(pod: Mapping[str, Any] | None, name: str) -> Mapping[str, Any]:
    spec = (pod or {}).get("spec") or {}
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if container.get("name") == name:
            return container
    return {"name": name}


async def stop_gracefully(
    ctx: NodeContext,
    pod: Mapping[str, Any] | None,
    *,
    record: ContainerRecord,
    grace_seconds: float,
    pod_ip: str | None,
    message: str | None = None,
) -> None:
    spec = container_spec(pod, record.container_name)
    if pod is not None:
        ctx.emit(pod, NORMAL, "Killing", message or f"Stopping container {record.container_name}")
    started = time.monotonic()
    pre_stop = ((spec.get("lifecycle") or {}).get("preStop")) or None
    if pre_stop and record.running and grace_seconds > 0:
        try:
            outcome = await asyncio.wait_for(
                run_action(
                    pre_stop,
                    runtime=ctx.runtime,
                    record=record,
                    container=spec,
                    pod_ip=pod_ip,
                    timeout_seconds=grace_seconds,
                ),
                grace_seconds,
            )
        except TimeoutError:
            outcome = None
        if (outcome is None or not outcome.success) and pod is not None:
            detail = outcome.message if outcome else f"timed out after {grace_seconds:.0f}s"
            ctx.emit(pod, WARNING, "FailedPreStopHook", f"PreStopHook failed: {detail}")
    remaining = max(grace_seconds - (time.monotonic() - started), MIN_GRACE_SECONDS)
    await ctx.runtime.stop_container(record.id, timeout_seconds=math.ceil(remaining))


async def stop_pod_containers(
    ctx: NodeContext, pod: Mapping[str, Any] | None, *, view: PodContainers, grace_seconds: float
) -> None:
    """App containers in parallel (each with its own preStop), then the sandbox."""
    running = [r for r in view.running_records() if not r.is_sandbox]
    await asyncio.gather(
        *(stop_gracefully(ctx, pod, record=r, grace_seconds=grace_seconds, pod_ip=view.pod_ip) for r in running)
    )
    for sandbox in view.sandboxes:
        if sandbox.running:
            await ctx.runtime.stop_container(sandbox.id, timeout_seconds=SANDBOX_STOP_SECONDS)


async def remove_pod_containers(ctx: NodeContext, view: PodContainers) -> None:
    await asyncio.gather(*(ctx.runtime.remove_container(r.id) for r in view.all_records()))


async def delete_pod_object(ctx: NodeContext, pod: Mapping[str, Any]) -> None:
    """The last step of graceful deletion: grace 0, only for this very pod (uid precondition)."""
    meta = pod.get("metadata") or {}
    try:
        await ctx.client.delete(
            POD,
            meta["name"],
            namespace=meta.get("namespace"),
            grace_period_seconds=0,
            preconditions={"uid": meta.get("uid", "")},
        )
    except (NotFound, Conflict):
        pass  # already gone, or a new pod of the same name: nothing of ours to delete

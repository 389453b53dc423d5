"""Removing every pod container of a node when its kubelet stops (`--remove-pods-on-exit`).

    list this node's containers ──► stop app containers together (short grace: the cluster is going away)
        ──► stop and remove sandboxes one at a time (Docker 20.10 can deadlock when many leave a
            network at once) ──► remove the rest ──► each pod's volumes torn down

For `docker compose down`, whose kubelets are the only ones that could clean
up. Off by default: a kubelet that restarts must find its pods and adopt them.
"""

from __future__ import annotations

import asyncio
import logging

from kubelet.node_context import NodeContext

SHUTDOWN_GRACE_SECONDS = 1.0

log = logging.getLogger(__name__)


async def remove_node_pods(ctx: NodeContext) -> None:
    records = await ctx.runtime.list_containers(node=ctx.node_name)
    apps = [r for r in records if not r.is_sandbox]
    sandboxes = [r for r in records if r.is_sandbox]
    log.info("node %s: removing %d pod container(s) on exit", ctx.node_name, len(records))
    await asyncio.gather(
        *(ctx.runtime.stop_container(r.id, timeout_seconds=SHUTDOWN_GRACE_SECONDS) for r in apps if r.running)
    )
    await asyncio.gather(*(ctx.runtime.remove_container(r.id) for r in apps))
    for sandbox in sandboxes:
        await ctx.runtime.remove_container(sandbox.id)
    for uid in {r.pod_uid for r in records if r.pod_uid}:
        await ctx.volumes.tear_down(uid)

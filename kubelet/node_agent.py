"""One node's kubelet: heartbeat, pod workers, probes, runtime events and housekeeping.

    PodSource (informer) ──pod added/updated/deleted──► PodWork.pod ──► wake(uid) ─┐
    runtime events (container died, OOM)  ──────────────────────────────► wake(uid) ─┤
    probe results changed ──────────────────────────────────────────────► wake(uid) ─┤
                                                                PodWorkers ──► sync_pod(uid)
    housekeeping (after the first list, then every HOUSEKEEPING_PERIOD_SECONDS):
        containers in the runtime whose pod uid has no worker ──► a worker with pod None
        ──► stopped and removed (orphans of pods deleted while we were down)
    local-path PVs being deleted (LocalPathCleaner, real nodes only) ──► their directories removed

Adoption after a restart needs nothing special: the first sync of a live pod
finds its containers running (by their labels) and leaves them alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from kubelet import metrics
from kubelet.node_context import NodeContext
from kubelet.node_heartbeat import NodeHeartbeat
from kubelet.pod_sync import PodWork, sync_pod
from kubelet.pod_workers import DONE, PodWorkers
from kubelet.probe_manager import ProbeManager
from kubelet.volumes.layout import local_path_dir
from kubelet.volumes.local_path_cleanup import LocalPathCleaner

HOUSEKEEPING_PERIOD_SECONDS = 30.0
EVENT_RETRY_SECONDS = 2.0
STOP_EVENTS_SECONDS = 1.0  # on shutdown, Events still in flight get this long, then are dropped

log = logging.getLogger(__name__)


def _uid(pod: dict[str, Any]) -> str:
    return (pod.get("metadata") or {}).get("uid", "")


class NodeAgent:
    def __init__(self, ctx: NodeContext):
        self.ctx = ctx
        self.works: dict[str, PodWork] = {}
        self.workers = PodWorkers(
            self._sync, resync_period_seconds=ctx.settings.resync_period_seconds, name=ctx.node_name
        )
        self.probes = ProbeManager(ctx, on_change=self.workers.wake)
        period = ctx.settings.heartbeat_period_seconds
        self.heartbeat = NodeHeartbeat(ctx, status_period_seconds=period, lease_period_seconds=period)
        self.pods_listed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        root = ctx.settings.root_dir
        self.local_paths = (
            None
            if root is None
            else LocalPathCleaner(ctx.client, node_name=ctx.node_name, base_dir=local_path_dir(root))
        )

    @property
    def name(self) -> str:
        return self.ctx.node_name

    # -- pods from the informer -------------------------------------------------------------

    def pod_changed(self, pod: dict[str, Any], *, wake: bool = True) -> None:
        uid = _uid(pod)
        work = self.works.get(uid)
        if work is None:
            work = self.works[uid] = PodWork(uid)
            wake = True
        work.pod = pod
        if wake or uid not in self.workers:
            self.workers.wake(uid)

    def pod_deleted(self, pod: dict[str, Any]) -> None:
        uid = _uid(pod)
        work = self.works.get(uid)
        if work is not None:
            work.pod = None
            self.workers.wake(uid)

    def pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        for work in self.works.values():
            meta = (work.pod or {}).get("metadata") or {}
            if meta.get("namespace") == namespace and meta.get("name") == name:
                return work.pod
        return None

    async def _sync(self, uid: str) -> float | None:
        work = self.works.get(uid)
        if work is None:
            work = self.works[uid] = PodWork(uid)  # an orphan: its containers get removed
        started = time.perf_counter()
        try:
            result = await sync_pod(self.ctx, work, probes=self.probes)
        except Exception:
            metrics.SYNC_ERRORS.labels(self.name).inc()
            raise
        finally:
            metrics.SYNC_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        if result == DONE and work.pod is None:
            self.works.pop(uid, None)
        self._update_gauges()
        return result

    def _update_gauges(self) -> None:
        running = sum(1 for w in self.works.values() if (w.written_status or {}).get("phase") == "Running")
        metrics.RUNNING_PODS.labels(self.name).set(running)
        metrics.MANAGED_PODS.labels(self.name).set(len(self.works))

    # -- loops ------------------------------------------------------------------------------

    async def housekeeping(self) -> None:
        records = await self.ctx.runtime.list_containers(node=self.name)
        for uid in {r.pod_uid for r in records if r.pod_uid}:
            if uid not in self.works:
                log.info("node %s: removing containers of pod %s, which no longer exists", self.name, uid)
                self.works[uid] = PodWork(uid)
                self.workers.wake(uid)

    async def _housekeeping_loop(self) -> None:
        await self.pods_listed.wait()
        while True:
            try:
                await self.housekeeping()
            except Exception as error:  # noqa: BLE001 - runtime down: try again next period
                log.warning("node %s: housekeeping failed: %s", self.name, error)
            await asyncio.sleep(HOUSEKEEPING_PERIOD_SECONDS)

    async def _runtime_events(self) -> None:
        while True:
            try:
                async for uid in self.ctx.runtime.watch_events(node=self.name):
                    log.debug("node %s: runtime event for pod %s", self.name, uid)
                    if uid in self.works:
                        self.workers.wake(uid)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the periodic resync covers the gap
                log.warning("node %s: runtime event stream failed: %s", self.name, error)
            await asyncio.sleep(EVENT_RETRY_SECONDS)

    async def _readiness_gauge(self) -> None:
        while True:
            metrics.NODE_READY.labels(self.name).set(1 if self.heartbeat.ready else 0)
            await asyncio.sleep(self.heartbeat.status_period_seconds)

    def start(self) -> None:
        for coroutine in (
            self.heartbeat.run(),
            self._runtime_events(),
            self._housekeeping_loop(),
            self._readiness_gauge(),
            *([self.local_paths.run()] if self.local_paths is not None else []),
        ):
            self._tasks.append(asyncio.create_task(coroutine))

    async def stop(self) -> None:
        if self.local_paths is not None:
            self.local_paths.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.workers.stop()
        await self.probes.stop()
        await self.ctx.drain_events(timeout_seconds=STOP_EVENTS_SECONDS)

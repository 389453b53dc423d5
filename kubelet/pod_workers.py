"""One asyncio task per pod, so pods start, crash and stop in parallel and never block each other.

    informer event / runtime event / probe change / timer ──► wake(uid) ──► that pod's worker
        worker: wait for a wake (or the resync period) ──► sync(uid) ──► next wake in s seconds
        sync returns DONE ──► the worker ends (pod deleted and cleaned up)

Wakes coalesce: ten events while a sync runs cause one more sync, not ten
(sync is level-triggered: it re-reads everything). A sync that raises is
logged and retried with a per-pod back-off; it never kills the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from kubemini.client.backoff import Backoff

log = logging.getLogger(__name__)

DONE = -1.0
ERROR_BACKOFF_INITIAL_SECONDS = 0.5
ERROR_BACKOFF_MAX_SECONDS = 30.0

SyncFunction = Callable[[str], Awaitable[float | None]]


class _Worker:
    def __init__(self, uid: str):
        self.uid = uid
        self.wake = asyncio.Event()
        self.timer: asyncio.TimerHandle | None = None
        self.task: asyncio.Task[None] | None = None
        self.backoff = Backoff(ERROR_BACKOFF_INITIAL_SECONDS, ERROR_BACKOFF_MAX_SECONDS)


class PodWorkers:
    def __init__(self, sync: SyncFunction, *, resync_period_seconds: float, name: str = ""):
        self.sync = sync
        self.resync_period_seconds = resync_period_seconds
        self.name = name
        self._workers: dict[str, _Worker] = {}

    def __contains__(self, uid: object) -> bool:
        return uid in self._workers

    def __len__(self) -> int:
        return len(self._workers)

    def uids(self) -> list[str]:
        return list(self._workers)

    def wake(self, uid: str) -> None:
        """Sync this pod soon; starts its worker if it has none."""
        worker = self._workers.get(uid)
        if worker is None:
            worker = self._workers[uid] = _Worker(uid)
            worker.task = asyncio.create_task(self._run(worker), name=f"pod-worker-{self.name}-{uid[:8]}")
        worker.wake.set()

    def wake_after(self, uid: str, seconds: float) -> None:
        worker = self._workers.get(uid)
        if worker is None:
            return
        if worker.timer is not None:
            worker.timer.cancel()
        worker.timer = asyncio.get_running_loop().call_later(max(seconds, 0.0), worker.wake.set)

    async def _run(self, worker: _Worker) -> None:
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(worker.wake.wait(), self.resync_period_seconds)
                worker.wake.clear()
                if worker.timer is not None:
                    worker.timer.cancel()
                    worker.timer = None
                log.debug("syncing pod %s", worker.uid)
                try:
                    next_seconds = await self.sync(worker.uid)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - one pod's failure must not stop its worker or others
                    delay = worker.backoff.next_delay()
                    log.exception(
                        "sync failed; retrying in %.1fs",
                        delay,
                        extra={"object": f"pod {worker.uid}", "reason": "SyncError"},
                    )
                    self.wake_after(worker.uid, delay)
                    continue
                worker.backoff.reset()
                if next_seconds == DONE:
                    return
                if next_seconds is not None:
                    self.wake_after(worker.uid, next_seconds)
        finally:
            if worker.timer is not None:
                worker.timer.cancel()
            if self._workers.get(worker.uid) is worker:
                del self._workers[worker.uid]

    async def stop(self) -> None:
        tasks = [w.task for w in self._workers.values() if w.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""The CRD controller every apiserver runs: CRDs in etcd ──► status, served kinds, cleanup.

    start():  wait (bounded) for the CRD watch cache, register every servable CRD before serving
    run():    woken by any CRD event (a watcher on the CRD watch cache) or every RESYNC_SECONDS,
              reconcile ALL CRDs from the cache (level-triggered; names depend on the other CRDs):
        marked for deletion  ──► creates refused, instances deleted, finalizer removed (cleanup.py)
        status ≠ desired     ──► write /status: acceptedNames, NamesAccepted, Established, storedVersions
        servable             ──► records registered, watch cache started (serving.py)
        gone from etcd       ──► records unregistered, watch cache stopped

Several replicas compute the same status; the loser of a write race finds it already written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from apiserver.crds import cleanup
from apiserver.crds.serving import CustomResourceServing
from apiserver.errors import ApiError
from apiserver.metadata import STATUS
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import StorageError
from apiserver.writing import update_object
from kubemini.api import timestamps
from kubemini.api.custom_resources import servable
from kubemini.api.kinds.apiextensions import naming
from kubemini.api.kinds.apiextensions.crd import CLEANUP_FINALIZER

log = logging.getLogger("apiserver.crds")
CRDS = cleanup.CRDS
RESYNC_SECONDS = 5.0
DELETING_RECHECK_SECONDS = 0.5
STARTUP_WAIT_SECONDS = 10.0
MANAGER = "kube-apiserver"  # the field manager of this controller's writes, as upstream's


def _meta(crd: dict) -> dict:
    return crd.get("metadata") or {}


class CrdController:
    def __init__(self, ctx):
        self.ctx = ctx
        self.serving = CustomResourceServing(ctx)
        self.synced = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._broken: set[tuple] = set()

    @property
    def cache(self):
        return self.ctx.cache(CRDS)

    async def start(self) -> None:
        """Serve every stored CRD before the API is served (bounded: etcd may be down)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.cache.ready.wait(), STARTUP_WAIT_SECONDS)
        if self.cache.ready.is_set():
            for crd in list(self.cache.objects.values()):
                if servable(crd):
                    self.serving.apply(crd)
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def run(self) -> None:
        while True:
            await self.cache.ready.wait()
            watcher, _, _ = self.cache.register(lambda _obj: True, since=None, bookmarks=False)
            try:
                while not watcher.closed:
                    delay = await self._reconcile_all()
                    self.synced.set()
                    await self._next_event(watcher, delay)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the controller must outlive any one bad CRD or write
                log.exception("CRD controller failed; retrying")
                await asyncio.sleep(RESYNC_SECONDS)
            finally:
                self.cache.unregister(watcher)

    async def _next_event(self, watcher, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watcher.queue.get(), delay)
        while not watcher.queue.empty():  # one reconcile covers every event queued meanwhile
            watcher.queue.get_nowait()

    async def _reconcile_all(self) -> float:
        # Oldest first: a name goes to the CRD that asked for it first.
        crds = sorted(
            self.cache.objects.values(), key=lambda c: (_meta(c).get("creationTimestamp", ""), _meta(c)["name"])
        )
        delay = RESYNC_SECONDS
        present = set()
        for index, crd in enumerate(crds):
            name = _meta(crd).get("name")
            present.add(name)
            try:
                crd = crds[index] = await self._reconcile(crd, crds)  # later CRDs see the names just accepted
            except (ApiError, StorageError) as error:
                log.warning("CRD %s: %s; retrying", name, error)
                delay = min(delay, 1.0)
                continue
            except Exception:  # noqa: BLE001 - one CRD stored around the API must not keep the others unserved
                revision = (name, _meta(crd).get("resourceVersion"))
                if revision not in self._broken:  # said once per version of the CRD, then retried quietly
                    self._broken.add(revision)
                    log.exception("CRD %s cannot be served; retrying", name)
                continue
            if _meta(crd).get("deletionTimestamp"):
                delay = min(delay, DELETING_RECHECK_SECONDS)
        for name in self.serving.names() - present:
            await self.serving.remove(name)
        return delay

    async def _reconcile(self, crd: dict, crds: list[dict]) -> dict:
        name = _meta(crd)["name"]
        if _meta(crd).get("deletionTimestamp"):
            for record in self.serving.records(name):
                record.strategy.terminating = True
            if CLEANUP_FINALIZER in (_meta(crd).get("finalizers") or []):
                await cleanup.finalize(self.ctx.for_manager(MANAGER), crd, self.serving.records(name))
            return crd
        desired = naming.desired_status(crd, crds, timestamps.now())
        if desired != crd.get("status"):
            crd = await self._write_status(name, desired)
        if servable(crd):
            self.serving.apply(crd)
        elif name in self.serving.names():
            await self.serving.remove(name)
        return crd

    async def _write_status(self, name: str, desired: dict) -> dict:
        def change(current: dict) -> dict:
            current["status"] = desired
            return current

        writer_ctx = self.ctx.for_manager(MANAGER)
        return await update_object(writer_ctx, RequestInfo(CRDS, None, name, "status"), change, mode=STATUS)

"""The Job controller's status writes and finalizer removals (the steps of tracking.py).

_flush   ──► status with the new uncounted uids (PUT, resourceVersion checked) ──► finalizers removed
_settle  ──► counters, active / ready / terminating, the final condition once nothing is left ──► PUT
_release_orphan ──► a pod holding the finalizer whose Job is gone lets it go
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from controller_manager.job import pods as job_pods
from controller_manager.job import status as job_status
from controller_manager.job import tracking
from controller_manager.ownership import controller_ref, meta, uid_of
from kubemini.api import timestamps
from kubemini.api.pods import TERMINAL_PHASES, is_active, is_ready, is_terminating, phase
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError, NotFound
from kubemini.client.events import NORMAL
from kubemini.client.informer import Informer
from kubemini.client.store import object_key

JOB, POD = by_kind("Job"), by_kind("Pod")

Obj = dict[str, Any]


class StatusWriting:
    """Mixed into JobController (before the Controller base, whose `emit` and `enqueue` it uses)."""

    client: ApiClient
    pods: Informer
    removed: set[str]
    written: dict[str, int]
    now: Callable[[], datetime]

    async def _flush(self, job: Obj, status: Obj, acct: tracking.Accounting) -> Obj:
        """Steps 1 and 2 of tracking.py: the uncounted uids written first, then the finalizers removed.
        A refused write (409) raises before any finalizer is touched."""
        if acct.needs_flush:
            job = await self._put_status(job, {**status, **tracking.flushed_status({**job, "status": status}, acct)})
        await self._remove_finalizers(acct.to_unfinalize)
        return job

    async def _settle(
        self,
        job: Obj,
        status: Obj,
        acct: tracking.Accounting,
        pods: list[Mapping[str, Any]],
        *,
        active: int,
        final: tuple[str, str, str] | None,
        deleted: int = 0,
    ) -> None:
        """Step 3: counters from the uids whose finalizer is gone, the pod counts, the final condition."""
        status = {**status, **tracking.flushed_status({**job, "status": status}, acct)}
        terminating = sum(1 for p in pods if is_terminating(p) and phase(p) not in TERMINAL_PHASES) + deleted
        status.update(
            active=max(active, 0),
            ready=sum(1 for p in pods if is_active(p) and is_ready(p)),
            terminating=terminating,
        )
        # A removal that worked put the uid in `removed`; one that failed left the pod holding it.
        still_finalized = {uid_of(p) for p in pods if job_pods.has_finalizer(p) and uid_of(p) not in self.removed}
        status = tracking.settle(status, still_finalized=still_finalized, indexed=acct.indexed)
        uncounted = status["uncountedTerminatedPods"]
        settled = not (uncounted["succeeded"] or uncounted["failed"])
        if final is not None and settled and not terminating and active <= 0:
            final_type, reason, message = final
            status["conditions"] = job_status.with_condition(
                status.get("conditions") or [], final_type, "True", reason, message
            )
            if final_type == job_status.COMPLETE:
                status["completionTime"] = timestamps.format_time(self.now())
                self.emit(job, NORMAL, "Completed", "Job completed")
        if status != (job.get("status") or {}):
            await self._put_status(job, status)

    async def _put_status(self, job: Obj, status: Obj) -> Obj:
        body = {**job, "status": status}
        written = await self.client.update_status(JOB, body)
        self.written[object_key(job)] = int(meta(written).get("resourceVersion") or 0)
        return written

    async def _remove_finalizers(self, pods: list[Mapping[str, Any]]) -> set[str]:
        """Remove the tracking finalizer from each pod; the uids still holding it afterwards."""

        async def remove(pod: Mapping[str, Any]) -> str | None:
            finalizers = list(meta(pod).get("finalizers") or [])
            position = finalizers.index(job_pods.TRACKING_FINALIZER)
            patch = [
                {"op": "test", "path": f"/metadata/finalizers/{position}", "value": job_pods.TRACKING_FINALIZER},
                {"op": "remove", "path": f"/metadata/finalizers/{position}"},
            ]
            try:
                await self.client.patch(
                    POD, meta(pod)["name"], patch, namespace=meta(pod).get("namespace"), patch_type="json"
                )
            except NotFound:
                return None  # gone: nothing holds it any more
            except ApiError:
                return uid_of(pod)  # still held; the next sync tries again
            self.removed.add(uid_of(pod))
            return None

        results = await asyncio.gather(*(remove(p) for p in pods if job_pods.has_finalizer(p)))
        return {uid for uid in results if uid}

    async def _release_orphan(self, pod_key: str) -> None:
        pod = self.pods.get(pod_key)
        if pod is None or not job_pods.has_finalizer(pod) or uid_of(pod) in self.removed:
            return
        ref = controller_ref(pod)
        if ref is not None and ref.get("kind") == JOB.kind:
            try:
                live = await self.client.get(JOB, ref["name"], namespace=meta(pod).get("namespace"))
                if uid_of(live) == ref.get("uid"):
                    self.enqueue(f"{meta(pod).get('namespace')}/{ref['name']}")  # not an orphan: its Job is back
                    return
            except NotFound:
                pass
        await self._remove_finalizers([pod])

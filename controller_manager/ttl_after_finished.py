"""TTL-after-finished controller ("ttl-after-finished"): delete finished Jobs once their TTL has passed.

    Job events ──► its key, only when it has ttlSecondsAfterFinished and is finished
    reconcile(key):
        not finished, no TTL, or being deleted ──► nothing
        finish time = completionTime, else the Complete / Failed condition's lastTransitionTime
        expired? ── no ──► look again when it expires
                 └ yes ──► read the Job fresh (the TTL may have changed), still expired ──► DELETE with
                           propagationPolicy Foreground and its resourceVersion as precondition
The Foreground deletion makes the garbage collector remove the Job's pods before the Job itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.job.status import COMPLETE, FAILED, condition, is_finished
from controller_manager.ownership import meta, uid_of
from kubemini.api import timestamps
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key, split_key

JOB = by_kind("Job")


def finish_time(job: Mapping[str, Any]) -> datetime | None:
    status = job.get("status") or {}
    if status.get("completionTime"):
        return timestamps.parse(status["completionTime"])
    for kind in (COMPLETE, FAILED):
        entry = condition(job, kind)
        if entry is not None and entry.get("status") == "True" and entry.get("lastTransitionTime"):
            return timestamps.parse(entry["lastTransitionTime"])
    return None


def seconds_left(job: Mapping[str, Any], *, now: datetime) -> float | None:
    """Seconds until the Job may be deleted (≤ 0: now); None when it never expires (yet)."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    if ttl is None or meta(job).get("deletionTimestamp") or not is_finished(job):
        return None
    finished = finish_time(job)
    if finished is None:
        return None
    return (finished - now).total_seconds() + float(ttl)


class TTLAfterFinishedController(ClientController):
    name = "ttl-after-finished"
    default_workers = 5

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        now: Callable[[], datetime] | None = None,
        **common: Any,
    ):
        self.now = now or (lambda: datetime.now(UTC))
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.jobs = self.add_informer(informers.informer(JOB), key_for=self._key_if_expiring)

    def _key_if_expiring(self, job: Mapping[str, Any]) -> str | None:
        return object_key(job) if seconds_left(job, now=self.now()) is not None else None

    async def reconcile(self, key: str) -> Result | None:
        job = self.jobs.get(key)
        if job is None:
            return None
        left = seconds_left(job, now=self.now())
        if left is None:
            return None
        if left > 0:
            return Result(requeue_after=left)
        namespace, name = split_key(key)
        try:
            fresh = await self.client.get(JOB, name, namespace=namespace)
        except NotFound:
            return None
        left = seconds_left(fresh, now=self.now())
        if left is None or uid_of(fresh) != uid_of(job):
            return None
        if left > 0:
            return Result(requeue_after=left)  # the TTL was raised meanwhile
        try:
            await self.client.delete(
                JOB,
                name,
                namespace=namespace,
                propagation_policy="Foreground",
                preconditions={"uid": uid_of(fresh), "resourceVersion": meta(fresh).get("resourceVersion")},
            )
        except NotFound:
            return None
        except Conflict:
            return Result(requeue=True)  # changed since we read it: decide again on the fresh object
        return None

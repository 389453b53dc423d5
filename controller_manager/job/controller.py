"""Job controller: run a Job's pods to completion and keep its status exact.

    Job events ──► its key
    Pod events ──► the controlling Job's key (creation/deletion expectations, finalizer removals seen);
                   a pod holding the tracking finalizer whose Job is gone ──► `pod:<ns>/<name>`
    reconcile(key), from the stores:
        claim pods (selector) ──► account for finished pods (tracking.py)
        finished or being deleted ──► only finish the accounting (finalizers off, counters)
        verdict (status.py): failure or success reached ──► interim condition, delete active pods
        else, expectations met: suspended ──► delete active pods, Suspended condition
                                otherwise ──► create / delete pods towards the wanted active count
                                             (Indexed: the lowest pending indexes), after the
                                             failure back-off (10 s doubling, at most 6 min)
        status: flush uncounted ──► remove finalizers ──► counters, active/ready/terminating, and
                the final Complete / Failed condition once no pod is left running or uncounted
    `pod:` keys ──► the orphan's finalizer removed once its Job is confirmed gone

Every status write is a PUT carrying the resourceVersion read: a status computed from a
stale cache is refused (409) and the sync runs again, so counters never move twice.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.expectations import Expectations
from controller_manager.job import pods as job_pods
from controller_manager.job import status as job_status
from controller_manager.job import tracking
from controller_manager.job.managing import PodManagement
from controller_manager.job.status_writing import StatusWriting
from controller_manager.ownership import claim_matching, controller_ref, meta, uid_of
from kubemini.api import timestamps
from kubemini.api.pods import is_active, is_terminating
from kubemini.api.registry import by_kind
from kubemini.api.selectors import SelectorError, selector_from_label_selector
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

JOB, POD = by_kind("Job"), by_kind("Pod")
ORPHAN_PREFIX = "pod:"
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 360.0
BURST_PODS = 500

Obj = dict[str, Any]


class JobController(PodManagement, StatusWriting, ClientController):
    name = "job"
    default_workers = 5

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        backoff_base_seconds: float = BACKOFF_BASE_SECONDS,
        backoff_max_seconds: float = BACKOFF_MAX_SECONDS,
        now: Callable[[], datetime] | None = None,
        **common: Any,
    ):
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.now = now or (lambda: datetime.now(UTC))
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.expectations = Expectations()
        self.removed: set[str] = set()  # pod uids whose finalizer we removed, not yet seen removed
        self.backoff: dict[str, tuple[int, float]] = {}  # key[#index] → (failures since success, when)
        self.written: dict[str, int] = {}  # key → resourceVersion of our last status write
        self.jobs = self.add_informer(informers.informer(JOB))
        self.pods = self.watch(
            informers.informer(POD), on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted
        )

    # -- handlers -------------------------------------------------------------------------------

    def _job_of(self, pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != JOB.kind:
            return None
        job = self.jobs.get(f"{meta(pod).get('namespace')}/{ref.get('name')}")
        return job if job is not None and uid_of(job) == ref.get("uid") else None

    def _route(self, pod: Mapping[str, Any]) -> str | None:
        job = self._job_of(pod)
        if job is not None:
            self.enqueue(object_key(job))
            return object_key(job)
        if job_pods.has_finalizer(pod) and uid_of(pod) not in self.removed:
            self.enqueue(ORPHAN_PREFIX + object_key(pod))
        return None

    def _pod_added(self, pod: Obj) -> None:
        key = self._route(pod)
        if key is not None:
            if is_terminating(pod):
                self.expectations.deletion_observed(key, object_key(pod))
            else:
                self.expectations.creation_observed(key)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        if not job_pods.has_finalizer(new):
            self.removed.discard(uid_of(new))
        key = self._route(new)
        if key is not None and is_terminating(new):
            self.expectations.deletion_observed(key, object_key(new))
        if controller_ref(old) != controller_ref(new):
            self._route(old)

    def _pod_deleted(self, pod: Obj) -> None:
        self.removed.discard(uid_of(pod))
        key = self._route(pod)
        if key is not None:
            self.expectations.deletion_observed(key, object_key(pod))

    # -- reconcile ------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        if key.startswith(ORPHAN_PREFIX):
            await self._release_orphan(key[len(ORPHAN_PREFIX) :])
            return None
        cached = self.jobs.get(key)
        if cached is None:
            self.expectations.forget(key)
            self.written.pop(key, None)
            for entry in [k for k in self.backoff if k == key or k.startswith(f"{key}#")]:
                del self.backoff[entry]
            return None
        if int(meta(cached).get("resourceVersion") or 0) < self.written.get(key, 0):
            # Our cache has not caught up with our own last status write: a sync now could only
            # lose a 409 and back off. The write's own watch event brings the key back.
            return None
        job = copy.deepcopy(cached)
        try:
            return await self._sync(key, job)
        except Conflict:
            return Result(requeue=True)  # our view was stale: the newer object's event is on its way
        except NotFound:
            return None  # the Job went away meanwhile: its deletion event re-drives us

    async def _sync(self, key: str, job: Obj) -> Result | None:
        now = self.now()
        pods = await self._claim(job)
        finished, deleting = job_status.is_finished(job), bool(meta(job).get("deletionTimestamp"))
        acct = tracking.account(job, pods, removed=self.removed, now=now, finished=finished, releasing=deleting)
        done = finished or deleting
        status: Obj = copy.deepcopy(job.get("status") or {})
        active = [p for p in pods if is_active(p)]
        if done:
            flushed = await self._flush(job, status, acct)
            await self._settle(flushed, status, acct, pods, active=len(active), final=None)
            return None
        spec = job.get("spec") or {}
        if not spec.get("suspend") and not status.get("startTime"):
            status["startTime"] = timestamps.format_time(now)
        job["status"] = status
        restarts = sum(job_pods.restart_count(p) for p in active)
        verdict = job_status.verdict(job, acct, active=len(active), restarts=restarts, now=now)
        self._note_backoff(key, acct)
        waits: list[float] = []
        if verdict.deadline_in is not None:
            waits.append(verdict.deadline_in)
        # Accounting (flush, finalizers) and pod management touch different objects: overlap them.
        flushing = asyncio.ensure_future(self._flush(job, copy.deepcopy(status), acct))
        try:
            created, deleted = await self._decide(key, job, status, pods, active, acct, verdict, waits, now=now)
        except BaseException:
            await asyncio.gather(flushing, return_exceptions=True)
            raise
        flushed = await flushing
        for pod in pods:
            grace = job_pods.seconds_until_grace_over(pod, now=now) if job_pods.only_replace_failed(job) else None
            if grace is not None:
                waits.append(grace + 0.05)
        await self._settle(
            flushed, status, acct, pods, active=len(active) + created - deleted, final=verdict.final, deleted=deleted
        )
        return Result(requeue_after=min(waits)) if waits else None

    async def _decide(
        self,
        key: str,
        job: Obj,
        status: Obj,
        pods: list,
        active: list,
        acct: tracking.Accounting,
        verdict: job_status.Verdict,
        waits: list[float],
        *,
        now: datetime,
    ) -> tuple[int, int]:
        """Conditions into `status`, pods created or deleted: (created, deleted)."""
        spec = job.get("spec") or {}
        created = deleted = 0
        if verdict.final is not None:
            final_type, reason, message = verdict.final
            interim = job_status.INTERIM[final_type]
            if not job_status.is_true(job, interim):
                status["conditions"] = job_status.with_condition(
                    status.get("conditions") or [], interim, "True", reason, message
                )
                if final_type == job_status.FAILED:
                    self.emit(job, WARNING, reason, message)
            deleted = await self._delete_pods(key, job, active)
        elif self.expectations.satisfied(key):
            if spec.get("suspend"):
                deleted = await self._delete_pods(key, job, active)
                if not job_status.is_true(job, job_status.SUSPENDED):
                    status["conditions"] = job_status.with_condition(
                        status.get("conditions") or [], job_status.SUSPENDED, "True", "JobSuspended", "Job suspended"
                    )
                    self.emit(job, NORMAL, "Suspended", "Job suspended")
            else:
                if job_status.is_true(job, job_status.SUSPENDED):
                    status["conditions"] = job_status.with_condition(
                        status.get("conditions") or [], job_status.SUSPENDED, "False", "JobResumed", "Job resumed"
                    )
                    status["startTime"] = timestamps.format_time(now)  # the active deadline counts from the resume
                    self.emit(job, NORMAL, "Resumed", "Job resumed")
                created, deleted, wait = await self._manage(key, job, pods, active, acct)
                if wait is not None:
                    waits.append(wait)
        return created, deleted

    # -- pods -----------------------------------------------------------------------------------

    async def _claim(self, job: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        try:
            selector = selector_from_label_selector((job.get("spec") or {}).get("selector"))
        except SelectorError as error:
            raise TerminalError(f"invalid selector: {error}") from error
        if not selector:
            raise TerminalError("a Job needs a non-empty selector")
        candidates = self.pods.by_index("namespace", meta(job).get("namespace") or "")
        return await claim_matching(self.client, POD, owner=job, owner_rt=JOB, candidates=candidates, selector=selector)

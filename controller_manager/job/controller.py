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
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.expectations import Expectations
from controller_manager.job import pods as job_pods
from controller_manager.job import status as job_status
from controller_manager.job import tracking
from controller_manager.ownership import claim_matching, controller_ref, meta, uid_of
from controller_manager.slow_start import run_in_batches
from kubemini.api import timestamps
from kubemini.api.pods import TERMINAL_PHASES, deletion_order, is_active, is_ready, is_terminating, phase
from kubemini.api.registry import by_kind
from kubemini.api.selectors import SelectorError, selector_from_label_selector
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import ApiError, Conflict, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

JOB, POD = by_kind("Job"), by_kind("Pod")
ORPHAN_PREFIX = "pod:"
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 360.0
BURST_PODS = 500

Obj = dict[str, Any]


class JobController(ClientController):
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
            for entry in [k for k in self.backoff if k == key or k.startswith(f"{key}#")]:
                del self.backoff[entry]
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
            await self._write_status(job, status, acct, pods, active=len(active), final=None)
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
        for pod in pods:
            grace = job_pods.seconds_until_grace_over(pod, now=now) if job_pods.only_replace_failed(job) else None
            if grace is not None:
                waits.append(grace + 0.05)
        await self._write_status(
            job, status, acct, pods, active=len(active) + created - deleted, final=verdict.final, deleted=deleted
        )
        return Result(requeue_after=min(waits)) if waits else None

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

    def _backoff_wait(self, entry: str) -> float:
        failures, when = self.backoff.get(entry, (0, 0.0))
        if failures <= 0:
            return 0.0
        delay = min(self.backoff_base_seconds * 2 ** (failures - 1), self.backoff_max_seconds)
        return max(when + delay - time.monotonic(), 0.0)

    def _note_backoff(self, key: str, acct: tracking.Accounting) -> None:
        for pod in acct.new_failures:
            index = job_pods.index_of(pod)
            for entry in {key, f"{key}#{index}"} if index is not None else {key}:
                failures, _ = self.backoff.get(entry, (0, 0.0))
                self.backoff[entry] = (failures + 1, time.monotonic())
        if acct.new_successes and not acct.new_failures:
            self.backoff.pop(key, None)

    async def _manage(
        self,
        key: str,
        job: Obj,
        pods: list[Mapping[str, Any]],
        active: list[Mapping[str, Any]],
        acct: tracking.Accounting,
    ) -> tuple[int, int, float | None]:
        """(pods created, pods deleted, seconds until the back-off allows more)."""
        spec = job.get("spec") or {}
        parallelism = int(spec.get("parallelism") if spec.get("parallelism") is not None else 1)
        terminating = [p for p in pods if is_terminating(p) and phase(p) not in TERMINAL_PHASES]
        busy = len(active) + (len(terminating) if job_pods.only_replace_failed(job) else 0)
        if job_pods.is_indexed(job):
            return await self._manage_indexed(key, job, pods, active, acct, parallelism=parallelism, busy=busy)
        completions = spec.get("completions")
        if completions is None:
            wanted = len(active) if acct.succeeded_total > 0 else parallelism
        else:
            wanted = max(min(parallelism, int(completions) - acct.succeeded_total), 0)
        if len(active) > wanted:
            victims = sorted(active, key=lambda p: deletion_order(p))[: len(active) - wanted]
            return 0, await self._delete_pods(key, job, victims), None
        missing = min(wanted - busy, BURST_PODS)
        if missing <= 0:
            return 0, 0, None
        wait = self._backoff_wait(key)
        if wait > 0:
            return 0, 0, wait
        bodies = iter([job_pods.pod_for(job, None) for _ in range(missing)])
        return await self._create_pods(key, job, bodies, missing), 0, None

    async def _manage_indexed(
        self, key: str, job: Obj, pods: list, active: list, acct: tracking.Accounting, *, parallelism: int, busy: int
    ) -> tuple[int, int, float | None]:
        completions = int((job.get("spec") or {}).get("completions") or 0)
        finished = acct.completed_indexes | acct.failed_indexes
        keep: dict[int, Mapping[str, Any]] = {}
        extra: list[Mapping[str, Any]] = []
        for pod in sorted(active, key=lambda p: (not is_ready(p), meta(p).get("creationTimestamp") or "")):
            index = job_pods.index_of(pod)
            if index is None or index >= completions or index in finished or index in keep:
                extra.append(pod)  # out of range, already done, or a duplicate of its index
            else:
                keep[index] = pod
        if extra:
            return 0, await self._delete_pods(key, job, extra), None
        replace_failed = job_pods.only_replace_failed(job)
        occupied = {job_pods.index_of(p) for p in pods if is_active(p) or (replace_failed and is_terminating(p))}
        pending = [i for i in range(completions) if i not in finished and i not in occupied]
        room = min(max(parallelism - busy, 0), BURST_PODS)
        bodies, waits = [], []
        for index in pending:
            if len(bodies) >= room:
                break
            wait = self._backoff_wait(f"{key}#{index}")
            if wait > 0:
                waits.append(wait)
                continue
            failures = None
            if (job.get("spec") or {}).get("backoffLimitPerIndex") is not None:
                failures = sum(1 for p in pods if job_pods.index_of(p) == index and phase(p) == "Failed")
            bodies.append(job_pods.pod_for(job, index, index_failures=failures))
        created = await self._create_pods(key, job, iter(bodies), len(bodies)) if bodies else 0
        return created, 0, (min(waits) if waits else None)

    async def _create_pods(self, key: str, job: Mapping[str, Any], bodies: Iterator[Obj], count: int) -> int:
        self.expectations.expect_creations(key, count)
        namespace = meta(job).get("namespace")

        async def create_one() -> None:
            created = await self.client.create(POD, next(bodies), namespace=namespace)
            self.emit(job, NORMAL, "SuccessfulCreate", f"Created pod: {meta(created).get('name')}")

        done, error = await run_in_batches(count, create_one)
        for _ in range(count - done):
            self.expectations.creation_observed(key)  # refused or never sent: no ADDED event will come
        if error is not None:
            message = error.message if isinstance(error, ApiError) else str(error)
            self.emit(job, WARNING, "FailedCreate", f"Error creating: {message}")
            raise error
        return done

    async def _delete_pods(self, key: str, job: Mapping[str, Any], victims: list[Mapping[str, Any]]) -> int:
        if not victims:
            return 0
        self.expectations.expect_deletions(key, [object_key(p) for p in victims])

        async def delete(pod: Mapping[str, Any]) -> None:
            try:
                await self.client.delete(POD, meta(pod)["name"], namespace=meta(pod).get("namespace"),
                                         preconditions={"uid": uid_of(pod)})  # fmt: skip
                self.emit(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta(pod)['name']}")
            except ApiError:
                self.expectations.deletion_observed(key, object_key(pod))
                raise

        results = await asyncio.gather(*(delete(p) for p in victims), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException) and not isinstance(r, NotFound)]
        if errors:
            raise errors[0]
        return len(victims)

    # -- status and finalizers -------------------------------------------------------------------

    async def _write_status(
        self, job: Obj, status: Obj, acct: tracking.Accounting, pods: list[Mapping[str, Any]], *,
        active: int, final: tuple[str, str, str] | None, deleted: int = 0,
    ) -> None:  # fmt: skip
        status = {**status, **tracking.flushed_status({**job, "status": status}, acct)}
        terminating = sum(1 for p in pods if is_terminating(p) and phase(p) not in TERMINAL_PHASES) + deleted
        status.update(
            active=max(active, 0),
            ready=sum(1 for p in pods if is_active(p) and is_ready(p)),
            terminating=terminating,
        )
        if acct.needs_flush:
            job = await self._put_status(job, status)
        await self._remove_finalizers(acct.to_unfinalize)
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
        return await self.client.update_status(JOB, body)

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

"""The Job controller's pod management: how many pods run, which are made and which go.

_manage(job, pods, active, accounting) ──► (created, deleted, seconds until the back-off ends)
    NonIndexed: wanted = min(parallelism, completions - succeeded) (no completions: parallelism
        until the first success, then only the running ones finish)
    Indexed: one pod per pending index, lowest first, up to parallelism; duplicates and pods of
        finished or out-of-range indexes deleted
    podReplacementPolicy Failed: terminating pods still take a slot
    after failures, new pods wait 10 s (--job-backoff-base) doubling per failure, at most 6 min
creations in slow-start batches, deletions with the pod's uid as precondition, both through
expectations so a lagging cache never doubles them
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from typing import Any

from controller_manager.expectations import Expectations
from controller_manager.job import pods as job_pods
from controller_manager.job import tracking
from controller_manager.ownership import meta, uid_of
from controller_manager.slow_start import run_in_batches
from kubemini.api.pods import TERMINAL_PHASES, deletion_order, is_active, is_ready, is_terminating, phase
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.store import object_key

POD = by_kind("Pod")
BURST_PODS = 500

Obj = dict[str, Any]


class PodManagement:
    """Mixed into JobController (before the Controller base, whose `emit` it uses)."""

    client: ApiClient
    expectations: Expectations
    backoff: dict[str, tuple[int, float]]
    backoff_base_seconds: float
    backoff_max_seconds: float

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
                await self.client.delete(
                    POD, meta(pod)["name"], namespace=meta(pod).get("namespace"), preconditions={"uid": uid_of(pod)}
                )
                self.emit(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta(pod)['name']}")
            except ApiError:
                self.expectations.deletion_observed(key, object_key(pod))
                raise

        results = await asyncio.gather(*(delete(p) for p in victims), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException) and not isinstance(r, NotFound)]
        if errors:
            raise errors[0]
        return len(victims)

"""Counting each finished pod exactly once, across controller-manager crashes (the job-tracking finalizer).

    every pod carries the `batch.kubernetes.io/job-tracking` finalizer from its creation
    account(job, pods) ──► finished pods with the finalizer, not yet in the status:
        succeeded ──► uid into status.uncountedTerminatedPods.succeeded (Indexed: the index into
                      completedIndexes; the index itself prevents a second count)
        failed    ──► podFailurePolicy: Ignore = not counted; FailJob = failure target; else the uid
                      into uncountedTerminatedPods.failed (backoffLimitPerIndex: maybe a failed index)
    1. status written with those uids (the flush)   ── a crash here: uids known, finalizers still on
    2. finalizers removed from every finished pod   ── a crash here: the next sync finds them removed
    3. settle(): uids whose pod lost its finalizer move from uncounted into succeeded / failed
A pod is never counted while it holds the finalizer and is never looked at again once it lost
it, so no result is lost or doubled whatever step a crash interrupts. Pods whose finalizer we
removed but whose update our cache has not shown yet are skipped (`removed`), as Kubernetes'
finalizer expectations do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from controller_manager.job import failure_policy
from controller_manager.job.indexes import format_indexes, parse_indexes
from controller_manager.job.pods import counts_as_failed, has_finalizer, index_failure_count, index_of, is_indexed
from controller_manager.ownership import uid_of
from kubemini.api.pods import phase

Obj = dict[str, Any]


@dataclass
class Accounting:
    indexed: bool
    counted_succeeded: int  # status.succeeded of a NonIndexed job (Indexed: the completed indexes count)
    counted_failed: int
    uncounted_succeeded: list[str]
    uncounted_failed: list[str]
    completed_indexes: set[int]
    failed_indexes: set[int]
    to_unfinalize: list[Mapping[str, Any]] = field(default_factory=list)
    new_failures: list[Mapping[str, Any]] = field(default_factory=list)
    new_successes: int = 0
    fail_job_message: str | None = None
    needs_flush: bool = False

    @property
    def succeeded_total(self) -> int:
        """Counted + not yet counted: the number every decision of this sync uses."""
        if self.indexed:
            return len(self.completed_indexes)
        return self.counted_succeeded + len(self.uncounted_succeeded)

    @property
    def failed_total(self) -> int:
        return self.counted_failed + len(self.uncounted_failed)


def _uncounted(status: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    uncounted = status.get("uncountedTerminatedPods") or {}
    return list(uncounted.get("succeeded") or []), list(uncounted.get("failed") or [])


def account(
    job: Mapping[str, Any],
    pods: Iterable[Mapping[str, Any]],
    *,
    removed: set[str],
    now: datetime,
    finished: bool = False,
    releasing: bool = False,
) -> Accounting:
    """What this sync learns from the pods. A `finished` Job counts every pod that did not succeed as
    failed; a Job being deleted (`releasing`) lets go of every pod, counting only what finished."""
    spec, status = job.get("spec") or {}, job.get("status") or {}
    indexed = is_indexed(job)
    completions = int(spec.get("completions") or 0)
    per_index_limit = spec.get("backoffLimitPerIndex")
    uncounted_s, uncounted_f = _uncounted(status)
    acct = Accounting(
        indexed,
        int(status.get("succeeded") or 0),
        int(status.get("failed") or 0),
        uncounted_s,
        uncounted_f,
        parse_indexes(status.get("completedIndexes"), completions) if indexed else set(),
        parse_indexes(status.get("failedIndexes"), completions) if indexed else set(),
    )
    known_s, known_f = set(uncounted_s), set(uncounted_f)
    for pod in pods:
        uid = uid_of(pod)
        if not has_finalizer(pod) or uid in removed:
            continue  # counted before (or being counted): never again
        index = index_of(pod)
        valid_index = not indexed or (index is not None and 0 <= index < completions)
        if phase(pod) == "Succeeded" and uid not in known_f:
            acct.to_unfinalize.append(pod)
            if indexed:
                if valid_index and index not in acct.completed_indexes and index not in acct.failed_indexes:
                    acct.completed_indexes.add(index)
                    acct.new_successes += 1
                    acct.needs_flush = True
            elif uid not in known_s:
                acct.uncounted_succeeded.append(uid)
                acct.new_successes += 1
                acct.needs_flush = True
        elif counts_as_failed(pod, job, now=now) or (finished and phase(pod) != "Succeeded"):
            acct.to_unfinalize.append(pod)
            if uid in known_f or not valid_index:
                continue
            action, message = (
                failure_policy.pod_failure_action(job, pod) if spec.get("podFailurePolicy") else (None, None)
            )
            if action == failure_policy.FAIL_JOB and acct.fail_job_message is None:
                acct.fail_job_message = message
            if action == failure_policy.IGNORE:
                continue
            acct.uncounted_failed.append(uid)
            acct.new_failures.append(pod)
            acct.needs_flush = True
            if indexed and per_index_limit is not None and index is not None:
                if action == failure_policy.FAIL_INDEX or index_failure_count(pod) + 1 > int(per_index_limit):
                    acct.failed_indexes.add(index)
                    acct.completed_indexes.discard(index)
        elif releasing:
            acct.to_unfinalize.append(pod)
    return acct


def flushed_status(job: Mapping[str, Any], acct: Accounting) -> Obj:
    """The job's status with this sync's uncounted uids and indexes (step 1)."""
    status = dict(job.get("status") or {})
    status["uncountedTerminatedPods"] = {"succeeded": acct.uncounted_succeeded, "failed": acct.uncounted_failed}
    if acct.indexed:
        status["completedIndexes"] = format_indexes(acct.completed_indexes)
        status["succeeded"] = len(acct.completed_indexes)
        if (job.get("spec") or {}).get("backoffLimitPerIndex") is not None:
            status["failedIndexes"] = format_indexes(acct.failed_indexes)
    return status


def settle(status: Mapping[str, Any], *, still_finalized: set[str], indexed: bool) -> Obj:
    """Step 3: uids whose pod holds no finalizer any more leave the uncounted lists for the counters."""
    settled = dict(status)
    uncounted_s, uncounted_f = _uncounted(status)
    done_s = [uid for uid in uncounted_s if uid not in still_finalized]
    done_f = [uid for uid in uncounted_f if uid not in still_finalized]
    if not indexed:
        settled["succeeded"] = int(status.get("succeeded") or 0) + len(done_s)
    settled["failed"] = int(status.get("failed") or 0) + len(done_f)
    settled["uncountedTerminatedPods"] = {
        "succeeded": [uid for uid in uncounted_s if uid in still_finalized],
        "failed": [uid for uid in uncounted_f if uid in still_finalized],
    }
    return settled

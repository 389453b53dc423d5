"""A Job's conditions and the verdict of one sync (pure).

    status + accounting + pods + now ──verdict()──► Verdict
        final: (Failed | Complete, reason, message), once known; the interim condition
               FailureTarget / SuccessCriteriaMet is written at once, the final one only when no
               pod is active, terminating or uncounted any more (Kubernetes' delayed terminal condition)
        deadline_in: seconds until activeDeadlineSeconds runs out (to look again then)

Failure reasons, first match wins: a FailJob rule of the podFailurePolicy, BackoffLimitExceeded
(failures > backoffLimit; with restartPolicy OnFailure, container restarts count too),
DeadlineExceeded, MaxFailedIndexesExceeded, FailedIndexes. Success: a successPolicy rule
(SuccessPolicy), else CompletionsReached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from controller_manager.job.failure_policy import success_policy_match
from controller_manager.job.tracking import Accounting
from kubemini.api import timestamps

FAILED, COMPLETE, FAILURE_TARGET, SUCCESS_CRITERIA_MET, SUSPENDED = (
    "Failed",
    "Complete",
    "FailureTarget",
    "SuccessCriteriaMet",
    "Suspended",
)
INTERIM = {FAILED: FAILURE_TARGET, COMPLETE: SUCCESS_CRITERIA_MET}
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
MAX_FAILED_INDEXES = ("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes")
FAILED_INDEXES = ("FailedIndexes", "Job has failed indexes")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")

Obj = dict[str, Any]


def condition(job: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    for entry in (job.get("status") or {}).get("conditions") or []:
        if entry.get("type") == type_:
            return entry
    return None


def is_true(job: Mapping[str, Any], type_: str) -> bool:
    entry = condition(job, type_)
    return entry is not None and entry.get("status") == "True"


def is_finished(job: Mapping[str, Any]) -> bool:
    return is_true(job, COMPLETE) or is_true(job, FAILED)


def with_condition(conditions: list[Obj], type_: str, status: str, reason: str, message: str) -> list[Obj]:
    """Conditions with `type_` set; an unchanged one keeps its lastTransitionTime."""
    now = timestamps.now()
    out = [dict(entry) for entry in conditions]
    for entry in out:
        if entry.get("type") == type_:
            if entry.get("status") != status:
                entry["lastTransitionTime"] = now
            entry.update(status=status, reason=reason, message=message, lastProbeTime=now)
            return out
    out.append(
        {"type": type_, "status": status, "reason": reason, "message": message, "lastProbeTime": now,
         "lastTransitionTime": now}
    )  # fmt: skip
    return out


@dataclass(frozen=True)
class Verdict:
    final: tuple[str, str, str] | None = None
    deadline_in: float | None = None


def _failure(job: Mapping[str, Any], acct: Accounting, *, restarts: int, now: datetime) -> tuple[str, str] | None:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    if acct.fail_job_message is not None:
        return "PodFailurePolicy", acct.fail_job_message
    limit = int(spec.get("backoffLimit") if spec.get("backoffLimit") is not None else 6)
    policy = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy")
    if acct.failed_total > limit:
        return BACKOFF_LIMIT_EXCEEDED
    if policy == "OnFailure" and restarts and (restarts + acct.failed_total > limit if limit else restarts > 0):
        return BACKOFF_LIMIT_EXCEEDED
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and status.get("startTime") and not spec.get("suspend"):
        if (now - timestamps.parse(status["startTime"])).total_seconds() >= float(deadline):
            return DEADLINE_EXCEEDED
    if acct.indexed and spec.get("backoffLimitPerIndex") is not None:
        max_failed = spec.get("maxFailedIndexes")
        if max_failed is not None and len(acct.failed_indexes) > int(max_failed):
            return MAX_FAILED_INDEXES
        done = len(acct.failed_indexes | acct.completed_indexes)
        if acct.failed_indexes and done >= int(spec.get("completions") or 0):
            return FAILED_INDEXES
    return None


def _success(job: Mapping[str, Any], acct: Accounting, *, active: int) -> tuple[str, str] | None:
    spec = job.get("spec") or {}
    if acct.indexed and spec.get("successPolicy"):
        message = success_policy_match(job, acct.completed_indexes)
        if message is not None:
            return "SuccessPolicy", message
    completions = spec.get("completions")
    if completions is None:
        return COMPLETIONS_REACHED if acct.succeeded_total > 0 and active == 0 else None
    return COMPLETIONS_REACHED if acct.succeeded_total >= int(completions) else None


def verdict(job: Mapping[str, Any], acct: Accounting, *, active: int, restarts: int, now: datetime) -> Verdict:
    for final_type, interim in INTERIM.items():
        entry = condition(job, interim)
        if entry is not None and entry.get("status") == "True":
            return Verdict((final_type, str(entry.get("reason") or ""), str(entry.get("message") or "")))
    failure = _failure(job, acct, restarts=restarts, now=now)
    if failure is not None:
        return Verdict((FAILED, *failure))
    success = _success(job, acct, active=active)
    if success is not None:
        return Verdict((COMPLETE, *success))
    spec, status = job.get("spec") or {}, job.get("status") or {}
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and status.get("startTime") and not spec.get("suspend"):
        elapsed = (now - timestamps.parse(status["startTime"])).total_seconds()
        return Verdict(deadline_in=max(float(deadline) - elapsed, 0.0))
    return Verdict()

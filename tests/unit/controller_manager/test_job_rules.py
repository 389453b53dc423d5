"""Job rules as pure functions: interval strings, pod failure policy, accounting across crashes, verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller_manager.job import failure_policy, status, tracking
from controller_manager.job.indexes import format_indexes, parse_indexes
from controller_manager.job.pods import INDEX_ANNOTATION, TRACKING_FINALIZER, counts_as_failed, pod_for

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def a_job(**spec) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "namespace": "default", "uid": "uid-j"},
        "spec": {
            "completions": 3,
            "parallelism": 1,
            "backoffLimit": 6,
            "completionMode": "NonIndexed",
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "i"}]}},
            **spec,
        },  # fmt: skip
        "status": {},
    }


def a_pod(name: str, phase: str, *, code: int | None = None, index: int | None = None, finalizer: bool = True,
          deleting: str | None = None, conditions: list | None = None) -> dict:  # fmt: skip
    meta: dict = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "finalizers": [TRACKING_FINALIZER] if finalizer else [],
    }
    if index is not None:
        meta["annotations"] = {INDEX_ANNOTATION: str(index)}
    if deleting:
        meta["deletionTimestamp"] = deleting
    statuses = []
    if code is not None:
        statuses = [{"name": "main", "state": {"terminated": {"exitCode": code}}}]
    return {"metadata": meta, "status": {"phase": phase, "containerStatuses": statuses, "conditions": conditions or []}}


@pytest.mark.parametrize(
    ("text", "indexes", "canonical"),
    [
        ("", set(), ""),
        ("0", {0}, "0"),
        ("0,1", {0, 1}, "0,1"),
        ("0-2,5", {0, 1, 2, 5}, "0-2,5"),
        ("4-9", {4, 5}, "4,5"),
    ],
)
def test_index_intervals(text, indexes, canonical):
    assert parse_indexes(text, 6) == indexes
    assert format_indexes(indexes) == canonical


def test_indexed_pods_carry_index_hostname_env_and_the_tracking_finalizer():
    body = pod_for(a_job(completionMode="Indexed"), 2, index_failures=1)
    meta = body["metadata"]
    assert meta["generateName"] == "j-2-" and meta["annotations"][INDEX_ANNOTATION] == "2"
    assert meta["annotations"]["batch.kubernetes.io/job-index-failure-count"] == "1"
    assert TRACKING_FINALIZER in meta["finalizers"] and meta["ownerReferences"][0]["uid"] == "uid-j"
    assert body["spec"]["hostname"] == "j-2"
    assert body["spec"]["containers"][0]["env"][0]["name"] == "JOB_COMPLETION_INDEX"


def test_pod_failure_policy_first_matching_rule_wins():
    job = a_job(podFailurePolicy={"rules": [
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
        {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}},
        {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [42]}},
    ]})  # fmt: skip
    disrupted = a_pod("a", "Failed", code=42, conditions=[{"type": "DisruptionTarget", "status": "True"}])
    assert failure_policy.pod_failure_action(job, disrupted)[0] == "Ignore"
    action, message = failure_policy.pod_failure_action(job, a_pod("b", "Failed", code=42))
    assert action == "FailJob"
    assert message == "Container main for pod default/b failed with exit code 42 matching FailJob rule at index 1"
    assert failure_policy.pod_failure_action(job, a_pod("c", "Failed", code=1))[0] == "Count"


def test_finished_pods_are_counted_once_through_uncounted_and_the_finalizer():
    job = a_job()
    pods = [a_pod("s", "Succeeded", code=0), a_pod("f", "Failed", code=1), a_pod("r", "Running")]
    acct = tracking.account(job, pods, removed=set(), now=NOW)
    assert acct.uncounted_succeeded == ["uid-s"] and acct.uncounted_failed == ["uid-f"] and acct.needs_flush
    assert {p["metadata"]["name"] for p in acct.to_unfinalize} == {"s", "f"}
    flushed = tracking.flushed_status(job, acct)
    # A crash after the flush: the next sync sees the uids in the status and does not add them again.
    again = tracking.account({**job, "status": flushed}, pods, removed=set(), now=NOW)
    assert not again.needs_flush and len(again.to_unfinalize) == 2
    assert again.succeeded_total == 1 and again.failed_total == 1
    # Finalizers removed for s only: s is counted, f stays uncounted until its finalizer goes.
    settled = tracking.settle(flushed, still_finalized={"uid-f", "uid-r"}, indexed=False)
    assert settled["succeeded"] == 1 and settled["failed"] == 0
    assert settled["uncountedTerminatedPods"] == {"succeeded": [], "failed": ["uid-f"]}
    # Once counted, a pod without the finalizer (or one whose removal our cache has not shown) never counts again.
    after = tracking.account(
        {**job, "status": settled}, [a_pod("s", "Succeeded", finalizer=False)], removed=set(), now=NOW
    )
    assert after.succeeded_total == 1 and not after.needs_flush
    lagging = tracking.account({**job, "status": settled}, [pods[0]], removed={"uid-s"}, now=NOW)
    assert lagging.succeeded_total == 1 and not lagging.to_unfinalize


def test_terminating_pods_count_as_failed_unless_only_failed_pods_are_replaced():
    deleting = a_pod("t", "Running", deleting=(NOW + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert counts_as_failed(deleting, a_job(), now=NOW)
    replace_failed = a_job(podReplacementPolicy="Failed")
    assert not counts_as_failed(deleting, replace_failed, now=NOW)
    assert counts_as_failed(deleting, replace_failed, now=NOW + timedelta(seconds=31)), "grace period over"


def test_verdicts():
    def verdict_of(job, pods, *, active=0, restarts=0, now=NOW):
        acct = tracking.account(job, pods, removed=set(), now=now)
        return status.verdict(job, acct, active=active, restarts=restarts, now=now).final

    failures = [a_pod(f"f{i}", "Failed", code=1) for i in range(3)]
    assert verdict_of(a_job(backoffLimit=2), failures)[:2] == ("Failed", "BackoffLimitExceeded")
    assert verdict_of(a_job(backoffLimit=3), failures) is None
    on_failure = a_job(backoffLimit=2)
    on_failure["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert verdict_of(on_failure, [], active=1, restarts=3)[1] == "BackoffLimitExceeded"
    late = a_job(activeDeadlineSeconds=10)
    late["status"]["startTime"] = "2026-01-01T11:59:00Z"
    assert verdict_of(late, [], active=1)[1] == "DeadlineExceeded"
    done = [a_pod(f"s{i}", "Succeeded", code=0) for i in range(3)]
    assert verdict_of(a_job(), done) == ("Complete", *status.COMPLETIONS_REACHED)
    assert verdict_of(a_job(completions=None, parallelism=2), done[:1], active=1) is None, "others still running"
    indexed = a_job(completionMode="Indexed", completions=3, backoffLimitPerIndex=0, maxFailedIndexes=0)
    assert verdict_of(indexed, [a_pod("x", "Failed", code=1, index=1)])[1] == "MaxFailedIndexesExceeded"
    target = a_job()
    target["status"]["conditions"] = [{"type": "FailureTarget", "status": "True", "reason": "R", "message": "M"}]
    assert verdict_of(target, done) == ("Failed", "R", "M"), "an interim condition decides for good"

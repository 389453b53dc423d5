"""Job controller on scripted nodes: completions, parallelism, Indexed mode, failures, policies, suspend.

Pods exit as each Job's annotations say (scripted_nodes.py); the real scheduler places them and
the real controller-manager (job back-off base 0.2 s) runs the Jobs.
"""

from __future__ import annotations

from tests.integration.controller_manager.cluster import condition
from tests.integration.controller_manager.jobs import (
    TRACKING_FINALIZER,
    finished,
    job,
    job_pods,
    jobs_path,
    status_of,
)


def test_job_runs_its_completions_with_parallelism(api, kubectl, namespace, cluster):
    api.create(jobs_path(namespace), job("pi", completions=5, parallelism=2, run_seconds=0.3))
    kubectl.run("wait", "--for=condition=complete", "job/pi", "-n", namespace, "--timeout=30s")
    done = api.get(f"{jobs_path(namespace)}/pi")
    status = done["status"]
    assert status["succeeded"] == 5 and status.get("failed", 0) == 0 and status["active"] == 0, status
    assert status["uncountedTerminatedPods"] == {"succeeded": [], "failed": []} or not any(
        status["uncountedTerminatedPods"].values()
    )
    assert status["startTime"] and status["completionTime"] >= status["startTime"]
    assert condition(done, "SuccessCriteriaMet")["reason"] == "CompletionsReached"
    pods = job_pods(api, namespace, "pi")
    assert len(pods) == 5 and all(p["status"]["phase"] == "Succeeded" for p in pods)
    assert not any(TRACKING_FINALIZER in (p["metadata"].get("finalizers") or []) for p in pods)
    assert cluster.scripted.max_running.get((namespace, "pi"), 0) <= 2, "never more than parallelism pods at once"
    table = kubectl.run("get", "jobs", "-n", namespace).stdout.splitlines()
    assert table[0].split()[:4] == ["NAME", "STATUS", "COMPLETIONS", "DURATION"], table
    assert table[1].split()[:3] == ["pi", "Complete", "5/5"], table


def test_pods_failing_until_the_backoff_limit_fail_the_job(api, namespace):
    api.create(jobs_path(namespace), job("flaky", exit_code=3, backoffLimit=2))
    failed = api.wait_for(
        lambda: finished(api, namespace, "flaky", "Failed"),
        what="Job Failed after its backoff limit",
        seen=lambda: status_of(api, namespace, "flaky"),
    )
    assert condition(failed, "Failed")["reason"] == "BackoffLimitExceeded"
    assert condition(failed, "FailureTarget")["reason"] == "BackoffLimitExceeded"
    assert failed["status"]["failed"] == 3 and failed["status"]["active"] == 0, failed["status"]
    assert len(job_pods(api, namespace, "flaky")) == 3, "one pod per attempt: backoffLimit 2 means 3 tries"


def test_indexed_job_with_a_failing_index(api, namespace):
    manifest = job(
        "idx",
        completionMode="Indexed",
        completions=4,
        parallelism=4,
        backoffLimitPerIndex=1,
        notes={"exit-code-2": "1"},
    )
    api.create(jobs_path(namespace), manifest)
    failed = api.wait_for(
        lambda: finished(api, namespace, "idx", "Failed"),
        what="Indexed Job Failed with index 2 failed twice",
        seen=lambda: status_of(api, namespace, "idx"),
    )
    status = failed["status"]
    assert status["completedIndexes"] == "0,1,3" and status["failedIndexes"] == "2", status
    assert condition(failed, "Failed")["reason"] == "FailedIndexes"
    assert status["succeeded"] == 3 and status["failed"] == 2, status
    pods = job_pods(api, namespace, "idx")
    for pod in pods:
        index = pod["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        assert pod["metadata"]["name"].startswith(f"idx-{index}-")
        assert pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == index
        assert pod["spec"]["hostname"] == f"idx-{index}"
        env = {e["name"]: e for e in pod["spec"]["containers"][0]["env"]}
        assert "job-completion-index" in env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"]
    failures_of_2 = sorted(
        p["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"]
        for p in pods
        if p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == "2"
    )
    assert failures_of_2 == ["0", "1"], failures_of_2


def test_pod_failure_policy_ignores_a_disruption_and_fails_on_an_exit_code(api, namespace):
    policy = {
        "rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}},
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
        ]
    }
    api.create(jobs_path(namespace), job("steady", exit_code=None, backoffLimit=0, podFailurePolicy=policy))
    first = api.wait_for(
        lambda: [p for p in job_pods(api, namespace, "steady") if p["status"].get("phase") == "Running"],
        what="the Job's pod running",
    )[0]
    name = first["metadata"]["name"]
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": namespace}}
    api.create(f"/api/v1/namespaces/{namespace}/pods/{name}/eviction", eviction)
    replacement = api.wait_for(
        lambda: [
            p
            for p in job_pods(api, namespace, "steady")
            if p["metadata"]["name"] != name and p["status"].get("phase") == "Running"
        ],
        what="a replacement pod after the eviction, the Job still running",
        seen=lambda: status_of(api, namespace, "steady"),
    )
    assert replacement
    status = status_of(api, namespace, "steady")
    assert status.get("failed", 0) == 0, f"a disruption matching Ignore must not count: {status}"
    assert not condition(api.get(f"{jobs_path(namespace)}/steady"), "Failed")

    api.create(jobs_path(namespace), job("answer", exit_code=42, backoffLimit=6, podFailurePolicy=policy))
    failed = api.wait_for(
        lambda: finished(api, namespace, "answer", "Failed"),
        what="Job failed by its FailJob rule",
        seen=lambda: status_of(api, namespace, "answer"),
    )
    reason = condition(failed, "Failed")
    assert reason["reason"] == "PodFailurePolicy", reason
    assert "failed with exit code 42 matching FailJob rule at index 0" in reason["message"], reason
    assert failed["status"]["failed"] == 1


def test_active_deadline_fails_a_job_and_stops_its_pods(api, namespace):
    api.create(jobs_path(namespace), job("slow", exit_code=None, parallelism=2, completions=2, activeDeadlineSeconds=2))
    failed = api.wait_for(
        lambda: finished(api, namespace, "slow", "Failed"),
        what="Job failed by its active deadline",
        timeout=30,
        seen=lambda: status_of(api, namespace, "slow"),
    )
    assert condition(failed, "Failed")["reason"] == "DeadlineExceeded"
    assert failed["status"]["active"] == 0
    assert all(p["status"]["phase"] == "Failed" for p in job_pods(api, namespace, "slow"))


def test_suspend_and_resume(api, namespace):
    path = f"{jobs_path(namespace)}/sleepy"
    api.create(jobs_path(namespace), job("sleepy", exit_code=None, parallelism=2, completions=4, suspend=True))
    api.wait_for(
        lambda: condition(api.get(path), "Suspended").get("status") == "True",
        what="Suspended condition",
        seen=lambda: api.get(path).get("status"),
    )
    assert not job_pods(api, namespace, "sleepy") and not api.get(path)["status"].get("startTime")
    api.merge_patch(path, {"spec": {"suspend": False}})
    api.wait_for(
        lambda: api.get(path)["status"].get("active") == 2 and api.get(path)["status"].get("ready") == 2,
        what="2 active, ready pods after resume",
        seen=lambda: api.get(path).get("status"),
    )
    resumed = api.get(path)
    assert (
        condition(resumed, "Suspended")["status"] == "False"
        and condition(resumed, "Suspended")["reason"] == "JobResumed"
    )
    assert resumed["status"]["startTime"]
    api.merge_patch(path, {"spec": {"suspend": True}})
    api.wait_for(
        lambda: (
            not [p for p in job_pods(api, namespace, "sleepy") if p["status"].get("phase") == "Running"]
            and api.get(path)["status"].get("active") == 0
        ),
        what="active pods deleted on suspension",
        seen=lambda: api.get(path).get("status"),
    )


def test_success_policy_completes_an_indexed_job_early(api, namespace):
    manifest = job(
        "leader",
        exit_code=None,
        completionMode="Indexed",
        completions=3,
        parallelism=3,
        successPolicy={"rules": [{"succeededIndexes": "0"}]},
        notes={"exit-code-0": "0"},
    )
    api.create(jobs_path(namespace), manifest)
    done = api.wait_for(
        lambda: finished(api, namespace, "leader"),
        what="Job Complete by its success policy",
        seen=lambda: status_of(api, namespace, "leader"),
    )
    assert condition(done, "Complete")["reason"] == "SuccessPolicy"
    assert condition(done, "SuccessCriteriaMet")["message"] == "Matched rules at index 0"
    assert done["status"]["completedIndexes"] == "0" and done["status"]["active"] == 0
    others = [p for p in job_pods(api, namespace, "leader") if not p["metadata"]["name"].startswith("leader-0-")]
    assert all(p["status"]["phase"] == "Failed" for p in others), "the other indexes were stopped (or are gone)"
    assert done["status"]["failed"] == 2, "the two stopped pods are counted as failed, as Kubernetes counts them"


def test_ttl_after_finished_deletes_the_job_and_its_pods(api, namespace):
    api.create(jobs_path(namespace), job("brief", ttlSecondsAfterFinished=1))
    # Complete, or already gone: a second after it finished, a slow poll may only see the deletion
    # (the TTL controller deletes finished Jobs only).
    api.wait_for(
        lambda: api.get_or_none(f"{jobs_path(namespace)}/brief") is None or finished(api, namespace, "brief"),
        what="Job Complete",
    )
    api.wait_for(
        lambda: api.get_or_none(f"{jobs_path(namespace)}/brief") is None and not job_pods(api, namespace, "brief"),
        what="the finished Job and its pods deleted a second after it finished",
        seen=lambda: (api.get_or_none(f"{jobs_path(namespace)}/brief"), len(job_pods(api, namespace, "brief"))),
    )

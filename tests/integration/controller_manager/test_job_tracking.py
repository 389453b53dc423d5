"""The job-tracking finalizer across a controller-manager kill -9: exactly 50 successes, none lost or doubled."""

from __future__ import annotations

from tests.integration.controller_manager.jobs import TRACKING_FINALIZER, finished, job, job_pods, jobs_path, status_of

COMPLETIONS = 50


def test_kill_9_in_the_middle_of_a_50_completion_job_counts_each_pod_once(api, cluster, namespace):
    api.create(jobs_path(namespace), job("count", completions=COMPLETIONS, parallelism=8, run_seconds=0.05))

    def midway():
        status = status_of(api, namespace, "count")
        done = status.get("succeeded", 0) + len((status.get("uncountedTerminatedPods") or {}).get("succeeded") or [])
        return 10 <= done < COMPLETIONS - 10 and status

    api.wait_for(midway, what="the Job a fifth of the way through", seen=lambda: status_of(api, namespace, "count"))
    cluster.restart_manager(kill=True)
    done = api.wait_for(
        lambda: finished(api, namespace, "count"),
        what="the Job Complete after the controller-manager was killed and replaced",
        timeout=60,
        seen=lambda: status_of(api, namespace, "count"),
    )
    status = done["status"]
    pods = job_pods(api, namespace, "count")
    succeeded_pods = [p for p in pods if p["status"].get("phase") == "Succeeded"]
    assert status["succeeded"] == COMPLETIONS, status
    assert len(succeeded_pods) == COMPLETIONS, f"{len(succeeded_pods)} pods succeeded for {COMPLETIONS} completions"
    assert status.get("failed", 0) == 0 and not any((status.get("uncountedTerminatedPods") or {}).values()), status
    assert not [p["metadata"]["name"] for p in pods if TRACKING_FINALIZER in (p["metadata"].get("finalizers") or [])]

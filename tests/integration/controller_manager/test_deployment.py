"""Deployment features end to end with kubectl: Recreate, rollback, pause/resume, progress deadline, history."""

from __future__ import annotations

import time

from tests.integration.controller_manager.cluster import condition, deployment, is_ready
from tests.integration.controller_manager.test_rolling_update import IMAGE_V1, IMAGE_V2, image_of, wait_rolled_out
from tests.support.watch_reader import WatchReader

IMAGE_V3 = "kubemini/busybox:1.35-v3"


def set_image(api, namespace: str, image: str, *, cause: str | None = None) -> None:
    body: dict = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}}
    if cause:
        body["metadata"] = {"annotations": {"kubernetes.io/change-cause": cause}}
    api.merge_patch(f"/apis/apps/v1/namespaces/{namespace}/deployments/web", body)


def pod_images(api, namespace: str) -> list[str]:
    return sorted(image_of(p) for p in api.items(f"/api/v1/namespaces/{namespace}/pods"))


def revisions(api, namespace: str) -> dict[str, str]:
    """revision → image of each ReplicaSet."""
    return {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: image_of(rs["spec"]["template"])
        for rs in api.items(f"/apis/apps/v1/namespaces/{namespace}/replicasets")
    }


def test_recreate_never_overlaps_old_and_new_pods(api, kubectl, namespace):
    api.create(
        f"/apis/apps/v1/namespaces/{namespace}/deployments",
        deployment("web", replicas=4, strategy={"type": "Recreate"}),
    )
    wait_rolled_out(kubectl, namespace)
    path = f"/api/v1/namespaces/{namespace}/pods"
    listing = api.get(path)
    pods = {p["metadata"]["uid"]: p for p in listing["items"]}
    reader = WatchReader(api.url, path, resourceVersion=listing["metadata"]["resourceVersion"])
    overlaps, saw_empty = [], False
    try:
        set_image(api, namespace, IMAGE_V2)
        deadline = time.monotonic() + 60
        while not (len(pods) == 4 and all(image_of(p) == IMAGE_V2 and is_ready(p) for p in pods.values())):
            event = reader.next(max(deadline - time.monotonic(), 0.01))
            assert event is not None
            if event["type"] == "DELETED":
                pods.pop(event["object"]["metadata"]["uid"], None)
            elif event["type"] in ("ADDED", "MODIFIED"):
                pods[event["object"]["metadata"]["uid"]] = event["object"]
            images = {image_of(p) for p in pods.values()}  # terminating pods count: they still run
            saw_empty = saw_empty or not pods
            if len(images) > 1:
                overlaps.append(sorted(p["metadata"]["name"] for p in pods.values()))
    finally:
        reader.close()
    assert not overlaps, f"old and new pods existed together: {overlaps[:3]}"
    assert saw_empty, "old pods were never all gone before new ones started"
    wait_rolled_out(kubectl, namespace)


def test_rollback_with_kubectl_rollout_undo(api, kubectl, namespace):
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=3))
    wait_rolled_out(kubectl, namespace)
    set_image(api, namespace, IMAGE_V2, cause="to v2")
    wait_rolled_out(kubectl, namespace)
    set_image(api, namespace, IMAGE_V3, cause="to v3")
    wait_rolled_out(kubectl, namespace)
    assert revisions(api, namespace) == {"1": IMAGE_V1, "2": IMAGE_V2, "3": IMAGE_V3}
    history = kubectl.run("rollout", "history", "deployment/web", "-n", namespace).stdout
    assert "to v2" in history and "to v3" in history, history

    undo = kubectl.run("rollout", "undo", "deployment/web", "-n", namespace)
    assert "rolled back" in undo.stdout, undo.stdout
    wait_rolled_out(kubectl, namespace)
    api.wait_for(
        lambda: pod_images(api, namespace) == [IMAGE_V2] * 3,
        what="pods back on v2",
        seen=lambda: pod_images(api, namespace),
    )
    assert revisions(api, namespace) == {"1": IMAGE_V1, "3": IMAGE_V3, "4": IMAGE_V2}
    web = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert web["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"
    v2 = next(
        rs
        for rs in api.items(f"/apis/apps/v1/namespaces/{namespace}/replicasets")
        if image_of(rs["spec"]["template"]) == IMAGE_V2
    )
    assert v2["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "2"

    kubectl.run("rollout", "undo", "deployment/web", "-n", namespace, "--to-revision=1")
    wait_rolled_out(kubectl, namespace)
    api.wait_for(
        lambda: pod_images(api, namespace) == [IMAGE_V1] * 3,
        what="pods back on v1",
        seen=lambda: pod_images(api, namespace),
    )
    assert revisions(api, namespace) == {"3": IMAGE_V3, "4": IMAGE_V2, "5": IMAGE_V1}
    detail = kubectl.run("rollout", "history", "deployment/web", "-n", namespace, "--revision=5").stdout
    assert IMAGE_V1 in detail, detail
    assert len(api.items(f"/apis/apps/v1/namespaces/{namespace}/replicasets")) == 3


def test_pause_holds_the_rollout_and_resume_finishes_it(api, kubectl, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/deployments/web"
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=3))
    wait_rolled_out(kubectl, namespace)
    kubectl.run("rollout", "pause", "deployment/web", "-n", namespace)
    kubectl.run("set", "image", "deployment/web", f"web={IMAGE_V2}", "-n", namespace)
    kubectl.run("scale", "deployment/web", "--replicas=5", "-n", namespace)

    def observed_paused():
        d = api.get(base)
        done = d["status"].get("observedGeneration") == d["metadata"]["generation"]
        return done and condition(d, "Progressing").get("reason") == "DeploymentPaused" and d

    api.wait_for(observed_paused, what="paused spec observed", seen=lambda: api.get(base)["status"])
    # Scaling still happens while paused; the new template does not roll out.
    api.wait_for(
        lambda: pod_images(api, namespace) == [IMAGE_V1] * 5, what="5 v1 pods", seen=lambda: pod_images(api, namespace)
    )
    assert len(api.items(f"/apis/apps/v1/namespaces/{namespace}/replicasets")) == 1

    kubectl.run("rollout", "resume", "deployment/web", "-n", namespace)
    wait_rolled_out(kubectl, namespace)
    api.wait_for(
        lambda: pod_images(api, namespace) == [IMAGE_V2] * 5, what="5 v2 pods", seen=lambda: pod_images(api, namespace)
    )
    assert condition(api.get(base), "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_progress_deadline_exceeded_when_pods_never_become_ready(api, kubectl, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    stuck = deployment("web", replicas=2, progressDeadlineSeconds=2)
    # No node carries this label: the pods stay Pending, the rollout cannot progress.
    stuck["spec"]["template"]["spec"]["nodeSelector"] = {"kubemini.io/no-such-node": "true"}
    api.create(base, stuck)

    def timed_out():
        progressing = condition(api.get(f"{base}/web"), "Progressing")
        return progressing.get("reason") == "ProgressDeadlineExceeded" and progressing

    progressing = api.wait_for(
        timed_out, what="ProgressDeadlineExceeded", timeout=15, seen=lambda: api.get(f"{base}/web")["status"]
    )
    assert progressing["status"] == "False"
    assert condition(api.get(f"{base}/web"), "Available")["status"] == "False"
    result = kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=20s", check=False)
    assert result.returncode != 0 and "exceeded its progress deadline" in result.stderr, result.stderr


def test_revision_history_limit_deletes_old_replicasets(api, kubectl, namespace):
    api.create(
        f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=2, revisionHistoryLimit=1)
    )
    wait_rolled_out(kubectl, namespace)
    for image in (IMAGE_V2, IMAGE_V3, "kubemini/busybox:1.35-v4"):
        set_image(api, namespace, image)
        wait_rolled_out(kubectl, namespace)
    api.wait_for(
        lambda: sorted(revisions(api, namespace)) == ["3", "4"],
        what="only the current and one old revision",
        seen=lambda: revisions(api, namespace),
    )

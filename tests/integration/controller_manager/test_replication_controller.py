"""ReplicationController: the ReplicaSet machinery with equality selectors, driven by kubectl on hollow nodes."""

from __future__ import annotations

from tests.integration.controller_manager.cluster import is_active

GUESTBOOK_RC = """
apiVersion: v1
kind: ReplicationController
metadata:
  name: redis-replica
  labels: {app: redis, role: replica}
spec:
  replicas: 2
  selector: {app: redis, role: replica}
  template:
    metadata:
      labels: {app: redis, role: replica, tier: backend}
    spec:
      containers:
      - name: replica
        image: kubemini/busybox:1.35
        ports: [{containerPort: 6379}]
"""


def rc_pods(api, namespace: str) -> list[dict]:
    return [p for p in api.items(f"/api/v1/namespaces/{namespace}/pods") if is_active(p)]


def test_replication_controller_scales_with_kubectl_and_adopts_by_equality(api, kubectl, namespace):
    path = f"/api/v1/namespaces/{namespace}/replicationcontrollers/redis-replica"
    # An orphan with every selector label (and more) is adopted; one missing a label is not.
    pods_path = f"/api/v1/namespaces/{namespace}/pods"
    container = [{"name": "c", "image": "kubemini/busybox:1.35"}]
    api.create(pods_path, {"metadata": {"name": "stray", "labels": {"app": "redis", "role": "replica", "x": "y"}},
                           "spec": {"containers": container}})  # fmt: skip
    api.create(
        pods_path, {"metadata": {"name": "other", "labels": {"app": "redis"}}, "spec": {"containers": container}}
    )
    kubectl.run("apply", "-n", namespace, "-f", "-", input_text=GUESTBOOK_RC)

    def owned(count: int):
        pods = [
            p
            for p in rc_pods(api, namespace)
            if any(
                r.get("kind") == "ReplicationController" and r.get("controller")
                for r in p["metadata"].get("ownerReferences") or []
            )
        ]
        status = api.get(path).get("status") or {}
        return len(pods) == count and status.get("readyReplicas") == count and status.get("replicas") == count and pods

    pods = api.wait_for(lambda: owned(2), what="2 ready pods owned by the RC", seen=lambda: api.get(path).get("status"))
    assert "stray" in {p["metadata"]["name"] for p in pods}, "the matching orphan must be adopted"
    other = api.get(f"{pods_path}/other")
    assert not other["metadata"].get("ownerReferences"), "a pod missing a selector label is not the RC's"

    kubectl.run("scale", "rc", "redis-replica", "--replicas=4", "-n", namespace)
    pods = api.wait_for(
        lambda: owned(4), what="4 pods after kubectl scale rc", seen=lambda: api.get(path).get("status")
    )
    for pod in pods:
        assert pod["metadata"]["labels"]["role"] == "replica"
    table = kubectl.run("get", "rc", "-n", namespace).stdout.split()
    assert table[:5] == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"] and table[5:9] == [
        "redis-replica",
        "4",
        "4",
        "4",
    ], table
    kubectl.run("scale", "rc", "redis-replica", "--replicas=1", "-n", namespace)
    api.wait_for(lambda: owned(1), what="1 pod after scaling down", seen=lambda: len(rc_pods(api, namespace)))
    kubectl.run("delete", "rc", "redis-replica", "-n", namespace)
    api.wait_for(
        lambda: [p["metadata"]["name"] for p in rc_pods(api, namespace)] == ["other"],
        what="the RC's pods deleted with it, the unrelated pod kept",
        seen=lambda: [p["metadata"]["name"] for p in rc_pods(api, namespace)],
    )

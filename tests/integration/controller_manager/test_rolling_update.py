"""Rolling updates checked against every pod event, not samples: surge and availability bounds hold always."""

from __future__ import annotations

import time

from tests.integration.controller_manager.cluster import condition, deployment, is_active, is_ready
from tests.support.watch_reader import WatchReader

IMAGE_V1 = "kubemini/busybox:1.35"
IMAGE_V2 = "kubemini/busybox:1.35-v2"


def image_of(pod: dict) -> str:
    return pod["spec"]["containers"][0]["image"]


class PodTimeline:
    """Pods of one namespace rebuilt event by event; each event yields one moment to check."""

    def __init__(self, pods: list[dict]):
        self.pods = {pod["metadata"]["uid"]: pod for pod in pods}
        self.moments: list[tuple[int, int, int]] = []  # (active, ready active, all incl. terminating)

    def apply(self, event: dict) -> None:
        pod = event["object"]
        if event["type"] in ("ADDED", "MODIFIED"):
            self.pods[pod["metadata"]["uid"]] = pod
        elif event["type"] == "DELETED":
            self.pods.pop(pod["metadata"]["uid"], None)
        else:
            return
        active = [p for p in self.pods.values() if is_active(p)]
        self.moments.append((len(active), sum(1 for p in active if is_ready(p)), len(self.pods)))

    def settled_on(self, image: str, replicas: int) -> bool:
        return len(self.pods) == replicas and all(image_of(p) == image and is_ready(p) for p in self.pods.values())


def follow(api, namespace: str, change) -> PodTimeline:
    """Apply `change()`, then replay every pod event until all pods run the new image and are Ready."""
    path = f"/api/v1/namespaces/{namespace}/pods"
    listing = api.get(path)
    timeline = PodTimeline(listing["items"])
    reader = WatchReader(api.url, path, resourceVersion=listing["metadata"]["resourceVersion"])
    try:
        image = change()
        replicas = 10
        deadline = time.monotonic() + 60
        while not timeline.settled_on(image, replicas):
            remaining = deadline - time.monotonic()
            assert remaining > 0, (
                f"rollout did not settle; pods: {[(image_of(p), is_ready(p)) for p in timeline.pods.values()]}"
            )
            event = reader.next(remaining)
            assert event is not None, "watch ended early"
            timeline.apply(event)
    finally:
        reader.close()
    return timeline


def wait_rolled_out(kubectl, namespace: str, name: str = "web") -> str:
    result = kubectl.run("rollout", "status", f"deployment/{name}", "-n", namespace, "--timeout=60s")
    assert "successfully rolled out" in result.stdout, result.stdout
    return result.stdout


def test_rollout_with_surge_two_never_exceeds_twelve_pods_nor_drops_below_ten_ready(api, kubectl, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 0}}
    api.create(base, deployment("web", replicas=10, strategy=strategy))
    wait_rolled_out(kubectl, namespace)

    def set_image() -> str:
        api.merge_patch(
            f"{base}/web", {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": IMAGE_V2}]}}}}
        )
        wait_rolled_out(kubectl, namespace)
        return IMAGE_V2

    timeline = follow(api, namespace, set_image)
    worst_total = max(active for active, _, _ in timeline.moments)
    worst_ready = min(ready for _, ready, _ in timeline.moments)
    assert worst_total <= 12, f"{worst_total} active pods at once (maxSurge 2 allows 12)"
    assert worst_ready >= 10, f"only {worst_ready} ready pods at one moment (maxUnavailable 0 needs 10)"
    assert worst_total > 10, "the rollout never surged: the bound was not exercised"
    assert len(timeline.moments) >= 40, f"too few events to trust: {len(timeline.moments)}"

    d = api.get(f"{base}/web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    status = d["status"]
    assert status["observedGeneration"] == d["metadata"]["generation"]
    assert (status["replicas"], status["updatedReplicas"], status["availableReplicas"]) == (10, 10, 10)
    assert condition(d, "Available")["reason"] == "MinimumReplicasAvailable"
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"

    replicasets = api.items(f"/apis/apps/v1/namespaces/{namespace}/replicasets")
    assert len(replicasets) == 2
    for rs in replicasets:
        hash_label = rs["metadata"]["labels"]["pod-template-hash"]
        assert rs["metadata"]["name"] == f"web-{hash_label}"
        assert rs["spec"]["selector"]["matchLabels"]["pod-template-hash"] == hash_label
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "10"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "12"
    sizes = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs["spec"]["replicas"] for rs in replicasets
    }
    assert sizes == {"1": 0, "2": 10}

    events = api.items(f"/api/v1/namespaces/{namespace}/events", fieldSelector="involvedObject.name=web")
    messages = [e["message"] for e in events if e["reason"] == "ScalingReplicaSet"]
    assert any(m.startswith("Scaled up replica set web-") and m.endswith("to 10 from 0") for m in messages), messages
    assert any(m.startswith("Scaled down replica set web-") for m in messages), messages


def test_percentages_round_surge_up_and_unavailable_down(api, kubectl, namespace):
    """replicas 10, maxSurge 25% → 3 (rounded up), maxUnavailable 25% → 2 (rounded down)."""
    base = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    api.create(base, deployment("web", replicas=10, strategy=strategy))
    wait_rolled_out(kubectl, namespace)

    def set_image() -> str:
        api.merge_patch(
            f"{base}/web", {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": IMAGE_V2}]}}}}
        )
        wait_rolled_out(kubectl, namespace)
        return IMAGE_V2

    timeline = follow(api, namespace, set_image)
    assert max(active for active, _, _ in timeline.moments) <= 13
    assert min(ready for _, ready, _ in timeline.moments) >= 8
    rs = next(r for r in api.items(f"/apis/apps/v1/namespaces/{namespace}/replicasets") if r["spec"]["replicas"] == 10)
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "13"

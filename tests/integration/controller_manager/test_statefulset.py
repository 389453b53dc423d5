"""StatefulSet on hollow nodes: ordered scale up and down, claims and their retention, partitioned
rolling update, rollout history and undo with kubectl, Parallel management and ordinals.start."""

from __future__ import annotations

import queue

from tests.integration.controller_manager.cluster import is_ready
from tests.support.watch_reader import WatchReader

IMAGE_V1, IMAGE_V2 = "kubemini/busybox:1.35", "kubemini/busybox:1.35-v2"


def statefulset(name: str, *, replicas: int, image: str = IMAGE_V1, **spec) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "db", "image": image}]},
            },
            **spec,
        },
    }


def drain(reader: WatchReader) -> list[dict]:
    events = []
    while True:
        try:
            event = reader.events.get_nowait()
        except queue.Empty:
            return events
        if event is not None and event["type"] != "BOOKMARK":
            events.append(event)


def live(api, namespace: str) -> dict[str, dict]:
    pods = api.items(f"/api/v1/namespaces/{namespace}/pods")
    return {p["metadata"]["name"]: p for p in pods if not p["metadata"].get("deletionTimestamp")}


def settled(api, namespace: str, name: str, names: list[str], image: str = IMAGE_V1):
    sts = api.get(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}")
    pods = live(api, namespace)
    status = sts.get("status") or {}
    return (
        sorted(pods) == sorted(names)
        and all(is_ready(p) and p["spec"]["containers"][0]["image"] == image for p in pods.values())
        and status.get("readyReplicas") == len(names)
        and status.get("observedGeneration") == sts["metadata"]["generation"]
        and pods
    )


def test_ordered_scale_up_and_down_with_claims(api, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/statefulsets"
    pods_path = f"/api/v1/namespaces/{namespace}/pods"
    reader = WatchReader(api.url, pods_path, resourceVersion=api.get(pods_path)["metadata"]["resourceVersion"])
    claim = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    manifest = statefulset(
        "web",
        replicas=3,
        volumeClaimTemplates=[claim],
        persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete", "whenDeleted": "Retain"},
    )
    try:
        api.create(base, manifest)
        pods = api.wait_for(
            lambda: settled(api, namespace, "web", ["web-0", "web-1", "web-2"]),
            what="web-0..2 ready",
            seen=lambda: sorted(live(api, namespace)),
        )
        for index, pod in enumerate(sorted(pods.values(), key=lambda p: p["metadata"]["name"])):
            assert pod["spec"]["hostname"] == f"web-{index}" and pod["spec"]["subdomain"] == "web"
            labels = pod["metadata"]["labels"]
            assert labels["statefulset.kubernetes.io/pod-name"] == f"web-{index}"
            assert labels["apps.kubernetes.io/pod-index"] == str(index)
            assert labels["controller-revision-hash"].startswith("web-")
            volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "data")
            assert volume["persistentVolumeClaim"]["claimName"] == f"data-web-{index}"
        claims = api.items(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims")
        assert sorted(c["metadata"]["name"] for c in claims) == ["data-web-0", "data-web-1", "data-web-2"]
        assert all(c["metadata"]["labels"]["app"] == "web" for c in claims)

        api.merge_patch(f"{base}/web", {"spec": {"replicas": 1}})
        api.wait_for(
            lambda: settled(api, namespace, "web", ["web-0"]),
            what="scaled down to web-0",
            seen=lambda: sorted(live(api, namespace)),
        )
        api.wait_for(
            lambda: (
                [c["metadata"]["name"] for c in api.items(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims")]
                == ["data-web-0"]
            ),
            what="the scaled-down pods' claims deleted (whenScaled: Delete)",
        )
    finally:
        reader.close()
    ready: set[str] = set()
    gone: set[str] = set()
    events = drain(reader)
    assert (
        len([e for e in events if e["type"] == "ADDED"]) == 3
        and len([e for e in events if e["type"] == "DELETED"]) == 2
    )
    for event in events:
        pod, name = event["object"], event["object"]["metadata"]["name"]
        ordinal = int(name.rsplit("-", 1)[1])
        if event["type"] == "ADDED" and ordinal > 0:
            assert f"web-{ordinal - 1}" in ready, f"{name} created before web-{ordinal - 1} was ready"
        if event["type"] == "MODIFIED" and pod["metadata"].get("deletionTimestamp") and name == "web-1":
            assert "web-2" in gone, "web-1 deleted before web-2 was gone (scale down is highest first, one at a time)"
        if event["type"] == "DELETED":
            gone.add(name)
        elif is_ready(pod):
            ready.add(name)


def test_partitioned_rolling_update_history_and_undo(api, kubectl, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/statefulsets"
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}
    api.create(base, statefulset("db", replicas=3, updateStrategy=strategy))
    api.wait_for(lambda: settled(api, namespace, "db", ["db-0", "db-1", "db-2"]), what="db-0..2 ready")
    kubectl.run("set", "image", "statefulset/db", f"db={IMAGE_V2}", "-n", namespace)
    kubectl.run("rollout", "status", "statefulset/db", "-n", namespace, "--timeout=40s")

    def images():
        return {name: pod["spec"]["containers"][0]["image"] for name, pod in live(api, namespace).items()}

    api.wait_for(
        lambda: images() == {"db-0": IMAGE_V1, "db-1": IMAGE_V2, "db-2": IMAGE_V2},
        what="ordinals at or above the partition updated",
        seen=images,
    )
    status = api.get(f"{base}/db")["status"]
    assert status["currentRevision"] != status["updateRevision"] and status["updatedReplicas"] == 2, status
    api.merge_patch(f"{base}/db", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    api.wait_for(
        lambda: settled(api, namespace, "db", ["db-0", "db-1", "db-2"], IMAGE_V2),
        what="all updated",
        timeout=30,
        seen=images,
    )
    api.wait_for(
        lambda: (s := api.get(f"{base}/db")["status"])["currentRevision"] == s["updateRevision"],
        what="currentRevision caught up",
    )
    history = kubectl.run("rollout", "history", "statefulset/db", "-n", namespace).stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"], history
    kubectl.run("rollout", "undo", "statefulset/db", "-n", namespace)
    api.wait_for(
        lambda: settled(api, namespace, "db", ["db-0", "db-1", "db-2"], IMAGE_V1),
        what="rolled back",
        timeout=30,
        seen=images,
    )


def test_parallel_management_and_ordinals_start(api, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/statefulsets"
    api.create(base, statefulset("par", replicas=3, podManagementPolicy="Parallel", ordinals={"start": 5}))
    api.wait_for(
        lambda: settled(api, namespace, "par", ["par-5", "par-6", "par-7"]),
        what="par-5..7 ready",
        seen=lambda: sorted(live(api, namespace)),
    )
    api.merge_patch(f"{base}/par", {"spec": {"replicas": 1}})
    api.wait_for(
        lambda: settled(api, namespace, "par", ["par-5"]), what="par-5 only", seen=lambda: sorted(live(api, namespace))
    )

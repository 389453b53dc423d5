"""ReplicaSet controller against the real apiserver with hollow nodes: sizes, names, adoption, status."""

from __future__ import annotations

from tests.integration.controller_manager.cluster import is_active, is_ready, replicaset


def rs_pods(api, namespace: str) -> list[dict]:
    return [pod for pod in api.items(f"/api/v1/namespaces/{namespace}/pods") if is_active(pod)]


def test_replicaset_scales_up_and_down(api, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/replicasets"
    api.create(base, replicaset("web", replicas=5))

    def settled(count: int):
        rs = api.get(f"{base}/web")
        status = rs.get("status") or {}
        pods = rs_pods(api, namespace)
        return (
            len(pods) == count
            and status.get("readyReplicas") == count
            and status.get("availableReplicas") == count
            and status.get("replicas") == count
            and status.get("fullyLabeledReplicas") == count
            and status.get("observedGeneration") == rs["metadata"]["generation"]
            and pods
        ) or (count == 0 and not pods and status.get("replicas") == 0)

    pods = api.wait_for(lambda: settled(5), what="5 ready pods", seen=lambda: api.get(f"{base}/web").get("status"))
    for pod in pods:
        name = pod["metadata"]["name"]
        assert name.startswith("web-") and len(name) == len("web-") + 5, name
        owner = pod["metadata"]["ownerReferences"][0]
        assert owner["kind"] == "ReplicaSet" and owner["name"] == "web" and owner["controller"] is True
        assert is_ready(pod) and pod["spec"]["nodeName"].startswith("hollow-cm-")

    api.merge_patch(f"{base}/web/scale", {"spec": {"replicas": 8}})
    api.wait_for(lambda: settled(8), what="8 ready pods", seen=lambda: len(rs_pods(api, namespace)))
    api.merge_patch(f"{base}/web/scale", {"spec": {"replicas": 2}})
    api.wait_for(lambda: settled(2), what="2 pods", seen=lambda: len(rs_pods(api, namespace)))
    api.merge_patch(f"{base}/web/scale", {"spec": {"replicas": 0}})
    api.wait_for(lambda: settled(0), what="no pods", seen=lambda: len(rs_pods(api, namespace)))


def orphan_pod(name: str, labels: dict, **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "web", "image": "kubemini/busybox:1.35"}], **spec},
    }


def test_adopts_matching_orphans_and_releases_pods_that_stop_matching(api, namespace):
    pods_path = f"/api/v1/namespaces/{namespace}/pods"
    api.create(pods_path, orphan_pod("stray", {"app": "adopt"}))
    rs = api.create(f"/apis/apps/v1/namespaces/{namespace}/replicasets", replicaset("adopt", replicas=2))

    def owned():
        pods = [p for p in rs_pods(api, namespace) if p["metadata"].get("ownerReferences")]
        return len(pods) == 2 and all(is_ready(p) for p in pods) and pods

    pods = api.wait_for(owned, what="2 owned ready pods", seen=lambda: rs_pods(api, namespace))
    stray = next(p for p in pods if p["metadata"]["name"] == "stray")
    assert stray["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "adopt",
            "uid": rs["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert len(rs_pods(api, namespace)) == 2, "the adopted orphan must count: only one pod created"

    api.merge_patch(f"{pods_path}/stray", {"metadata": {"labels": {"app": "gone"}}})
    api.wait_for(
        lambda: not api.get(f"{pods_path}/stray")["metadata"].get("ownerReferences"),
        what="stray released",
        seen=lambda: api.get(f"{pods_path}/stray")["metadata"].get("ownerReferences"),
    )
    api.wait_for(
        lambda: len([p for p in rs_pods(api, namespace) if p["metadata"]["labels"]["app"] == "adopt"]) == 2,
        what="a replacement for the released pod",
        seen=lambda: [p["metadata"]["name"] for p in rs_pods(api, namespace)],
    )


def test_scale_down_removes_the_least_valuable_pod_first(api, namespace):
    pods_path = f"/api/v1/namespaces/{namespace}/pods"
    api.create(f"/apis/apps/v1/namespaces/{namespace}/replicasets", replicaset("rank", replicas=2))
    api.wait_for(
        lambda: len([p for p in rs_pods(api, namespace) if is_ready(p)]) == 2,
        what="2 ready pods",
        seen=lambda: rs_pods(api, namespace),
    )
    ready = sorted(p["metadata"]["name"] for p in rs_pods(api, namespace))
    # Never scheduled (no scheduler serves it): adopted, then the first to go when there are too many.
    api.create(pods_path, orphan_pod("unscheduled", {"app": "rank"}, schedulerName="nobody"))
    api.wait_for(
        lambda: api.get_or_none(f"{pods_path}/unscheduled") is None,
        what="the unscheduled pod deleted as the surplus",
        seen=lambda: [p["metadata"]["name"] for p in rs_pods(api, namespace)],
    )
    assert sorted(p["metadata"]["name"] for p in rs_pods(api, namespace)) == ready

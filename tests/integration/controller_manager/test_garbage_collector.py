"""Cascading deletion in all three propagation policies, over workloads and plain kinds."""

from __future__ import annotations

import time

from tests.integration.controller_manager.cluster import deployment
from tests.integration.controller_manager.test_rolling_update import wait_rolled_out
from tests.support.watch_reader import WatchReader


def owner_ref(obj: dict, *, block: bool = False) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "blockOwnerDeletion": block,
    }


# Every namespace holds this ConfigMap (root-ca-cert-publisher): not the GC's business.
PUBLISHED = {"kube-root-ca.crt"}


def names(api, path: str) -> list[str]:
    return sorted(item["metadata"]["name"] for item in api.items(path) if item["metadata"]["name"] not in PUBLISHED)


def test_background_deletes_dependents_of_every_kind(api, kubectl, namespace):
    ns = f"/api/v1/namespaces/{namespace}"
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=3))
    wait_rolled_out(kubectl, namespace)
    secret = api.create(f"{ns}/secrets", {"metadata": {"name": "owner"}, "stringData": {"k": "v"}})
    meta = {"ownerReferences": [owner_ref(secret)]}
    api.create(f"{ns}/configmaps", {"metadata": {"name": "cm", **meta}, "data": {"a": "b"}})
    api.create(f"{ns}/services", {"metadata": {"name": "svc", **meta}, "spec": {"ports": [{"port": 80}]}})
    api.create(f"{ns}/endpoints", {"metadata": {"name": "svc", **meta}, "subsets": []})
    # A dependent with a second, living owner only loses the reference.
    keeper = api.create(f"{ns}/configmaps", {"metadata": {"name": "keeper"}})
    api.create(
        f"{ns}/configmaps", {"metadata": {"name": "shared", "ownerReferences": [owner_ref(secret), owner_ref(keeper)]}}
    )

    kubectl.run("delete", "deployment/web", "secret/owner", "-n", namespace)
    api.wait_for(
        lambda: not api.items(f"/apis/apps/v1/namespaces/{namespace}/replicasets") and not api.items(f"{ns}/pods"),
        what="ReplicaSets and pods of the deleted Deployment gone",
        seen=lambda: names(api, f"{ns}/pods"),
    )
    api.wait_for(
        lambda: (
            names(api, f"{ns}/configmaps") == ["keeper", "shared"]
            and not api.items(f"{ns}/services")
            and not api.items(f"{ns}/endpoints")
        ),
        what="secret's dependents gone except the shared one",
        seen=lambda: (names(api, f"{ns}/configmaps"), names(api, f"{ns}/services"), names(api, f"{ns}/endpoints")),
    )
    shared = api.wait_for(
        lambda: (
            (cm := api.get(f"{ns}/configmaps/shared"))["metadata"].get("ownerReferences") == [owner_ref(keeper)] and cm
        ),
        what="only the living owner left on the shared dependent",
        seen=lambda: api.get(f"{ns}/configmaps/shared")["metadata"].get("ownerReferences"),
    )
    assert shared["metadata"]["name"] == "shared"


def test_foreground_owner_outlives_its_blocking_dependents(api, kubectl, namespace):
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=3))
    wait_rolled_out(kubectl, namespace)
    readers = {
        kind: WatchReader(api.url, path, resourceVersion=api.get(path)["metadata"]["resourceVersion"])
        for kind, path in (
            ("Deployment", f"/apis/apps/v1/namespaces/{namespace}/deployments"),
            ("ReplicaSet", f"/apis/apps/v1/namespaces/{namespace}/replicasets"),
            ("Pod", f"/api/v1/namespaces/{namespace}/pods"),
        )
    }
    try:
        api.delete(f"/apis/apps/v1/namespaces/{namespace}/deployments/web", propagationPolicy="Foreground")
        marked = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
        assert "foregroundDeletion" in marked["metadata"]["finalizers"] and marked["metadata"]["deletionTimestamp"]
        deleted: dict[str, list[int]] = {kind: [] for kind in readers}
        deadline = time.monotonic() + 30
        while len(deleted["Deployment"]) < 1 or len(deleted["Pod"]) < 3 or len(deleted["ReplicaSet"]) < 1:
            for kind, reader in readers.items():
                while not reader.events.empty():
                    event = reader.next(1)
                    if event and event["type"] == "DELETED":
                        deleted[kind].append(int(event["object"]["metadata"]["resourceVersion"]))
            assert time.monotonic() < deadline, f"deletions seen so far: {deleted}"
            time.sleep(0.05)
    finally:
        for reader in readers.values():
            reader.close()
    # resourceVersions are etcd revisions: one global order across kinds.
    assert max(deleted["Pod"]) < min(deleted["ReplicaSet"]) < min(deleted["Deployment"]), deleted


def test_orphan_keeps_dependents_and_strips_the_owner(api, kubectl, namespace):
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=2))
    wait_rolled_out(kubectl, namespace)
    rs_path = f"/apis/apps/v1/namespaces/{namespace}/replicasets"
    kubectl.run("delete", "deployment/web", "--cascade=orphan", "-n", namespace)
    assert api.get_or_none(f"/apis/apps/v1/namespaces/{namespace}/deployments/web") is None
    replicasets = api.items(rs_path)
    assert len(replicasets) == 1 and not replicasets[0]["metadata"].get("ownerReferences")
    rs_name = replicasets[0]["metadata"]["name"]
    pods = api.items(f"/api/v1/namespaces/{namespace}/pods")
    assert len(pods) == 2 and all(p["metadata"]["ownerReferences"][0]["name"] == rs_name for p in pods)

    api.delete(f"{rs_path}/{rs_name}", propagationPolicy="Orphan")
    api.wait_for(lambda: not api.items(rs_path), what="orphaned ReplicaSet removed", seen=lambda: names(api, rs_path))
    pods = api.items(f"/api/v1/namespaces/{namespace}/pods")
    assert len(pods) == 2 and all(not p["metadata"].get("ownerReferences") for p in pods), pods


def test_foreground_deletion_of_an_owner_reference_ring_finishes(api, namespace):
    """Three pods owning each other in a ring, blocking: a Foreground delete of one used to leave
    all three waiting on each other forever (and their namespace Terminating). As Kubernetes'
    GC does, a member whose dependent is already deleting its own dependents unblocks its
    references, so the ring unwinds; then the namespace goes too."""
    ns = f"/api/v1/namespaces/{namespace}"
    spec = {"containers": [{"name": "c", "image": "kubemini/busybox:1.35"}], "nodeSelector": {"nowhere": "x"}}
    ring = [api.create(f"{ns}/pods", {"metadata": {"name": f"ring-{i}"}, "spec": spec}) for i in range(3)]
    for index, pod in enumerate(ring):
        owner = ring[index - 1]  # 0 is owned by 2, 1 by 0, 2 by 1
        api.merge_patch(
            f"{ns}/pods/{pod['metadata']['name']}",
            {"metadata": {"ownerReferences": [owner_ref(owner, block=True)]}},
        )
    api.delete(f"{ns}/pods/ring-0", propagationPolicy="Foreground")
    api.wait_for(
        lambda: not api.items(f"{ns}/pods"),
        what="every pod of the ring deleted",
        seen=lambda: [(p["metadata"]["name"], p["metadata"].get("finalizers")) for p in api.items(f"{ns}/pods")],
    )


def test_namespace_with_a_foreground_deleted_ring_goes_away(api, namespace):
    ns = f"/api/v1/namespaces/{namespace}"
    spec = {"containers": [{"name": "c", "image": "kubemini/busybox:1.35"}], "nodeSelector": {"nowhere": "x"}}
    ring = [api.create(f"{ns}/configmaps", {"metadata": {"name": f"ring-{i}"}}) for i in range(3)]
    pods = [api.create(f"{ns}/pods", {"metadata": {"name": f"pod-{i}"}, "spec": spec}) for i in range(3)]
    for index, obj in enumerate(ring + pods):
        owners = (ring + pods)[index - 1]
        path = (
            f"{ns}/configmaps/{obj['metadata']['name']}"
            if obj["kind"] == "ConfigMap"
            else f"{ns}/pods/{obj['metadata']['name']}"
        )
        api.merge_patch(path, {"metadata": {"ownerReferences": [owner_ref(owners, block=True)]}})
    api.delete(f"{ns}/configmaps/ring-1", propagationPolicy="Foreground")
    api.delete(ns)
    api.wait_for(
        lambda: api.get_or_none(ns) is None,
        what=f"namespace {namespace} removed",
        timeout=30,
        seen=lambda: (
            (api.get_or_none(ns) or {}).get("status"),
            [
                (o["metadata"]["name"], o["metadata"].get("finalizers"))
                for o in api.items(f"{ns}/pods") + api.items(f"{ns}/configmaps")
            ],
        ),
    )

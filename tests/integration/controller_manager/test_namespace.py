"""Deleting a namespace empties it of every kind, refuses new content meanwhile, then removes it."""

from __future__ import annotations

from tests.integration.controller_manager.cluster import deployment, replicaset
from tests.integration.controller_manager.test_rolling_update import wait_rolled_out


def test_namespace_deletion_removes_everything_then_the_namespace(api, kubectl, namespace):
    ns = f"/api/v1/namespaces/{namespace}"
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=3))
    api.create(f"/apis/apps/v1/namespaces/{namespace}/replicasets", replicaset("solo", replicas=2))
    api.create(f"{ns}/configmaps", {"metadata": {"name": "cm"}, "data": {"a": "b"}})
    api.create(f"{ns}/secrets", {"metadata": {"name": "s"}, "stringData": {"a": "b"}})
    api.create(f"{ns}/services", {"metadata": {"name": "svc"}, "spec": {"ports": [{"port": 80}]}})
    api.create(f"{ns}/serviceaccounts", {"metadata": {"name": "sa"}})
    api.create(
        f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases",
        {"metadata": {"name": "l"}, "spec": {"holderIdentity": "x"}},
    )
    wait_rolled_out(kubectl, namespace)
    api.wait_for(lambda: len(api.items(f"{ns}/pods")) == 5, what="5 pods", seen=lambda: len(api.items(f"{ns}/pods")))

    api.delete(ns)
    marked = api.get(ns)
    assert marked["status"]["phase"] == "Terminating"
    refused = api.http.post(f"{ns}/configmaps", json={"metadata": {"name": "late"}})
    assert refused.status_code in (403, 404), refused.text
    api.wait_for(
        lambda: api.get_or_none(ns) is None,
        what=f"namespace {namespace} removed",
        timeout=30,
        seen=lambda: (api.get_or_none(ns) or {}).get("status"),
    )
    for path in (f"{ns}/pods", f"{ns}/configmaps", f"/apis/apps/v1/namespaces/{namespace}/replicasets"):
        assert api.items(path) == [], path

"""The resourcequota controller: status.hard mirrors spec.hard, status.used follows the live objects,
and usage comes back when pods are deleted or finish, so admission lets new ones in again."""

from __future__ import annotations

QUOTA = {"pods": "2", "requests.cpu": "1", "services": "3"}


def cpu_pod(name: str, *, cpu: str = "200m", **spec) -> dict:
    container = {"name": "main", "image": "kubemini/busybox:1.35", "resources": {"requests": {"cpu": cpu}}}
    return {"metadata": {"name": name}, "spec": {"containers": [container], **spec}}


def test_used_follows_pods_and_frees_on_delete_and_finish(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/resourcequotas/compute"
    pods = f"/api/v1/namespaces/{namespace}/pods"
    api.create(
        f"/api/v1/namespaces/{namespace}/resourcequotas", {"metadata": {"name": "compute"}, "spec": {"hard": QUOTA}}
    )

    def used_is(expected: dict):
        def check():
            status = api.get(path).get("status") or {}
            return status.get("hard") == QUOTA and status.get("used") == expected

        return check

    api.wait_for(used_is({"pods": "0", "requests.cpu": "0", "services": "0"}), what="status counted", timeout=10)
    api.create(pods, cpu_pod("a"))
    # Bound to a node no kubelet runs: only this test changes its status.
    api.create(pods, cpu_pod("b", nodeName="no-such-node"))
    api.wait_for(used_is({"pods": "2", "requests.cpu": "400m", "services": "0"}), what="two pods", timeout=10)
    refused = api.http.post(pods, json=cpu_pod("c"))
    assert refused.status_code == 403
    assert "exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2" in refused.json()["message"]

    api.delete(f"{pods}/a", gracePeriodSeconds=0)
    api.wait_for(used_is({"pods": "1", "requests.cpu": "200m", "services": "0"}), what="a deleted", timeout=10)
    api.create(pods, cpu_pod("c"))

    finished = api.get(f"{pods}/b")
    finished["status"] = {"phase": "Failed"}
    response = api.http.put(f"{pods}/b/status", json=finished)
    assert response.status_code == 200, response.text
    api.wait_for(used_is({"pods": "1", "requests.cpu": "200m", "services": "0"}), what="b finished", timeout=10)
    api.create(pods, cpu_pod("d", cpu="100m"))
    api.wait_for(used_is({"pods": "2", "requests.cpu": "300m", "services": "0"}), what="c and d", timeout=10)

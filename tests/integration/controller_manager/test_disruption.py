"""PodDisruptionBudgets: their status from the disruption controller, the eviction API spending it,
and `kubectl drain` moving pods off a node one budget-allowed eviction at a time (hollow nodes)."""

from __future__ import annotations

import contextlib
import queue

import httpx

from tests.integration.controller_manager.cluster import HollowNodes, condition, deployment, is_active, is_ready
from tests.integration.controller_manager.test_rolling_update import wait_rolled_out
from tests.support.watch_reader import WatchReader

VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


def pdb(name: str, **spec) -> dict:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": name}}, **spec},
    }


def evict(api, namespace: str, name: str) -> httpx.Response:
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": namespace}}
    return api.http.post(f"/api/v1/namespaces/{namespace}/pods/{name}/eviction", json=body)


def ready_pods(api, namespace: str) -> list[dict]:
    return [p for p in api.items(f"/api/v1/namespaces/{namespace}/pods") if is_active(p) and is_ready(p)]


def budget_status(api, namespace: str, name: str) -> dict:
    return api.get(f"/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets/{name}").get("status") or {}


def min_ready_during(reader: WatchReader, pods: list[dict]) -> int:
    """Replay a pod watch from `pods` (the list it started at): the fewest ready, not-terminating pods."""
    state = {pod["metadata"]["name"]: pod for pod in pods}
    lowest = None
    while True:
        try:
            event = reader.events.get_nowait()
        except queue.Empty:
            break
        if event is None or event["type"] not in ("ADDED", "MODIFIED", "DELETED"):
            continue
        name = event["object"]["metadata"]["name"]
        if event["type"] == "DELETED":
            state.pop(name, None)
        else:
            state[name] = event["object"]
        count = sum(1 for p in state.values() if is_ready(p) and not p["metadata"].get("deletionTimestamp"))
        lowest = count if lowest is None else min(lowest, count)
    assert lowest is not None, "no pod events seen during the drain"
    return lowest


def test_a_budget_blocks_an_eviction_and_allows_one_when_it_can(api, kubectl, namespace):
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=3))
    wait_rolled_out(kubectl, namespace)
    api.create(f"/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets", pdb("web", minAvailable=3))
    status = api.wait_for(
        lambda: (s := budget_status(api, namespace, "web")).get("observedGeneration") and s, what="the budget's status"
    )
    assert (
        status["currentHealthy"],
        status["desiredHealthy"],
        status["expectedPods"],
        status["disruptionsAllowed"],
    ) == (3, 3, 3, 0), status
    victim = ready_pods(api, namespace)[0]["metadata"]["name"]
    refused = evict(api, namespace, victim)
    assert refused.status_code == 429, refused.text
    assert refused.json()["message"] == VIOLATION and refused.json()["reason"] == "TooManyRequests"
    assert "needs 3 healthy pods and has 3 currently" in refused.json()["details"]["causes"][0]["message"]
    assert not api.get(f"/api/v1/namespaces/{namespace}/pods/{victim}")["metadata"].get("deletionTimestamp")

    api.merge_patch(
        f"/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets/web",
        {"spec": {"minAvailable": None, "maxUnavailable": "33%"}},
    )
    status = api.wait_for(
        lambda: (s := budget_status(api, namespace, "web")).get("disruptionsAllowed") == 1 and s,
        what="one disruption allowed with maxUnavailable 33% of 3 (rounded up: 1)",
        seen=lambda: budget_status(api, namespace, "web"),
    )
    assert status["desiredHealthy"] == 2 and condition({"status": status}, "DisruptionAllowed")["status"] == "True"
    allowed = evict(api, namespace, victim)
    assert allowed.status_code == 201, allowed.text
    evicted = api.get_or_none(f"/api/v1/namespaces/{namespace}/pods/{victim}")
    assert evicted is None or evicted["metadata"].get("deletionTimestamp")
    second = [p["metadata"]["name"] for p in ready_pods(api, namespace) if p["metadata"]["name"] != victim][0]
    assert evict(api, namespace, second).status_code == 429, "the one allowed disruption is spent"
    api.wait_for(
        lambda: (
            len(ready_pods(api, namespace)) == 3 and budget_status(api, namespace, "web").get("disruptionsAllowed") == 1
        ),
        what="the replacement ready and the budget allowing one again",
        seen=lambda: budget_status(api, namespace, "web"),
    )


def test_kubectl_drain_moves_pods_within_the_budget(cluster, api, kubectl, namespace):
    nodes = HollowNodes(
        cluster.url, "drain-", 2, cluster.logs / "drain-kubelet.log", extra_args=("--node-labels", "pool=drain")
    ).start()
    try:
        manifest = deployment("app", replicas=4)
        manifest["spec"]["template"]["spec"]["nodeSelector"] = {"pool": "drain"}
        api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", manifest)
        wait_rolled_out(kubectl, namespace, "app")
        api.create(f"/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets", pdb("app", minAvailable=3))
        api.wait_for(lambda: budget_status(api, namespace, "app").get("disruptionsAllowed") == 1, what="budget ready")
        on_first = [p for p in ready_pods(api, namespace) if p["spec"]["nodeName"] == "drain-0"]
        assert on_first, "the scheduler spread some pods onto drain-0"
        path = f"/api/v1/namespaces/{namespace}/pods"
        listing = api.get(path)
        reader = WatchReader(api.url, path, resourceVersion=listing["metadata"]["resourceVersion"])
        result = kubectl.run("drain", "drain-0", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s")
        assert "drain-0 drained" in result.stdout, result.stdout
        lowest = min_ready_during(reader, listing["items"])
        assert lowest >= 3, f"only {lowest} pods were ready at one point: the budget (minAvailable 3) was broken"
        pods = ready_pods(api, namespace)
        assert len(pods) == 4 and all(p["spec"]["nodeName"] == "drain-1" for p in pods), [
            p["spec"]["nodeName"] for p in pods
        ]
        assert api.get("/api/v1/nodes/drain-0")["spec"]["unschedulable"] is True
        reader.close()
    finally:
        nodes.stop()
        for name in nodes.names:
            with contextlib.suppress(AssertionError):
                api.delete(f"/api/v1/nodes/{name}")

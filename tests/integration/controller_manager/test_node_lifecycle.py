"""Losing a node: Ready=Unknown, unreachable taints, its pods evicted and recreated elsewhere, recovery.
Also active/standby: two controller managers, one Lease, one of them working.

These tests bring their own etcd and apiserver: they kill nodes and controller managers,
which must not disturb the package's shared cluster.
"""

from __future__ import annotations

import pytest

from tests.integration.controller_manager.cluster import (
    Api,
    ControllerManager,
    HollowNodes,
    Scheduler,
    condition,
    deployment,
    is_active,
    is_ready,
)

FAST_NODE_FLAGS = (
    "--node-monitor-grace-period",
    "2",
    "--node-monitor-period",
    "0.5",
    "--pod-eviction-timeout",
    "1",
)


@pytest.fixture
def own_api(own_apiserver):
    client = Api(own_apiserver.url)
    yield client
    client.close()


@pytest.fixture
def processes():
    started: list = []
    yield started
    for process in reversed(started):
        process.stop()


def taint_keys(node: dict) -> set[tuple[str, str]]:
    return {(t["key"], t["effect"]) for t in (node.get("spec") or {}).get("taints") or []}


def test_lost_node_is_tainted_and_its_pods_move_to_the_other_nodes(own_apiserver, own_api, processes, tmp_path):
    api, url = own_api, own_apiserver.url
    processes.append(ControllerManager(url, tmp_path / "cm.log", extra_args=FAST_NODE_FLAGS).start())
    processes.append(Scheduler(url, tmp_path / "scheduler.log").start())
    doomed = HollowNodes(url, "doomed-", 1, tmp_path / "doomed.log")
    processes.append(doomed.start())
    base = "/apis/apps/v1/namespaces/default/deployments"
    api.create(base, deployment("web", replicas=3))
    api.wait_for(
        lambda: (api.get(f"{base}/web").get("status") or {}).get("availableReplicas") == 3,
        what="3 available pods on the only node",
    )
    first = {p["metadata"]["name"] for p in api.items("/api/v1/namespaces/default/pods")}
    processes.append(HollowNodes(url, "keeper-", 2, tmp_path / "keepers.log").start())

    doomed.kill()

    def unreachable():
        node = api.get("/api/v1/nodes/doomed-0")
        wanted = {("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
        return condition(node, "Ready").get("status") == "Unknown" and wanted <= taint_keys(node) and node

    node = api.wait_for(
        unreachable,
        what="doomed node Unknown and tainted",
        timeout=15,
        seen=lambda: api.get("/api/v1/nodes/doomed-0")["spec"],
    )
    assert condition(node, "Ready")["reason"] == "NodeStatusUnknown"

    def moved():
        pods = [p for p in api.items("/api/v1/namespaces/default/pods") if is_active(p)]
        placed = [p for p in pods if is_ready(p) and p["spec"].get("nodeName", "").startswith("keeper-")]
        return len(pods) == 3 and len(placed) == 3 and pods

    pods = api.wait_for(
        moved,
        what="3 ready pods on the keeper nodes",
        timeout=20,
        seen=lambda: [
            (p["metadata"]["name"], p["spec"].get("nodeName"), is_active(p))
            for p in api.items("/api/v1/namespaces/default/pods")
        ],
    )
    assert not first & {p["metadata"]["name"] for p in pods}, "replacements are new pods"
    evicted = [p for p in api.items("/api/v1/namespaces/default/pods") if p["metadata"]["name"] in first]
    assert evicted and all(p["metadata"].get("deletionTimestamp") for p in evicted)
    events = api.items("/api/v1/namespaces/default/events", fieldSelector="reason=TaintManagerEviction")
    assert {e["involvedObject"]["name"] for e in events} >= {p["metadata"]["name"] for p in evicted}

    # The node comes back: its kubelet reports Ready, the taints go, the evicted pods finish terminating.
    processes.append(HollowNodes(url, "doomed-", 1, tmp_path / "doomed-again.log").start())
    api.wait_for(
        lambda: not taint_keys(api.get("/api/v1/nodes/doomed-0")),
        what="taints removed from the recovered node",
        timeout=15,
        seen=lambda: taint_keys(api.get("/api/v1/nodes/doomed-0")),
    )
    api.wait_for(
        lambda: not first & {p["metadata"]["name"] for p in api.items("/api/v1/namespaces/default/pods")},
        what="evicted pods gone once their node is back",
    )


def test_only_the_lease_holder_runs_controllers_and_a_standby_takes_over(own_apiserver, own_api, processes, tmp_path):
    url = own_apiserver.url
    lease_flags = ("--lease-duration-seconds", "3", "--renew-deadline-seconds", "2", "--retry-period-seconds", "0.3")
    first = ControllerManager(url, tmp_path / "a.log", extra_args=lease_flags).start()
    processes.append(first)
    second = ControllerManager(url, tmp_path / "b.log", extra_args=lease_flags).start(wait_leading=False)
    processes.append(second)
    lease = own_api.get("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager")
    holder = lease["spec"]["holderIdentity"]
    assert first.leading() and not second.leading(), holder

    first.stop()  # releases the Lease on SIGTERM
    own_api.wait_for(second.leading, what="standby leading after the leader stopped", timeout=10)
    own_api.create(
        "/apis/apps/v1/namespaces/default/replicasets",
        {
            "metadata": {"name": "after"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "after"}},
                "template": {
                    "metadata": {"labels": {"app": "after"}},
                    "spec": {"containers": [{"name": "c", "image": "i:1"}]},
                },
            },
        },
    )
    own_api.wait_for(
        lambda: len(own_api.items("/api/v1/namespaces/default/pods")) == 2, what="the new leader creates pods"
    )
    new_holder = own_api.get("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager")
    assert new_holder["spec"]["holderIdentity"] not in ("", holder)

"""DaemonSet on hollow nodes: one pod per eligible node, a rolling update with a node joining mid-way,
rollout history and undo with kubectl, and a removed node's pod cleaned up."""

from __future__ import annotations

import contextlib

import pytest

from tests.integration.controller_manager.cluster import HollowNodes, is_ready

IMAGE_V1, IMAGE_V2 = "kubemini/busybox:1.35", "kubemini/busybox:1.35-v2"
POOL = {"pool": "daemon"}


@pytest.fixture
def pool(cluster, api):
    """Five hollow nodes labelled pool=daemon; more can be added with the returned function."""
    started: list[HollowNodes] = []

    def add(prefix: str, count: int) -> HollowNodes:
        nodes = HollowNodes(
            cluster.url,
            prefix,
            count,
            cluster.logs / f"{prefix}kubelet.log",
            extra_args=("--node-labels", "pool=daemon"),
        ).start()
        started.append(nodes)
        return nodes

    add("ds-a-", 5)
    yield add
    for nodes in started:
        nodes.stop()
        for name in nodes.names:
            with contextlib.suppress(AssertionError):
                api.delete(f"/api/v1/nodes/{name}")


def daemonset(name: str, image: str = IMAGE_V1) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"nodeSelector": POOL, "containers": [{"name": "agent", "image": image}]},
            },
        },
    }


def live_pods(api, namespace: str) -> list[dict]:
    return [p for p in api.items(f"/api/v1/namespaces/{namespace}/pods") if not p["metadata"].get("deletionTimestamp")]


def settled(api, namespace: str, name: str, *, nodes: int, image: str):
    ds = api.get(f"/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}")
    status = ds.get("status") or {}
    pods = live_pods(api, namespace)
    placed = sorted(p["spec"].get("nodeName") or "" for p in pods)
    return (
        status.get("observedGeneration") == ds["metadata"]["generation"]
        and status.get("desiredNumberScheduled") == nodes
        and status.get("numberAvailable") == nodes
        and status.get("updatedNumberScheduled") == nodes
        and len(pods) == nodes
        and len(set(placed)) == nodes
        and all(is_ready(p) and p["spec"]["containers"][0]["image"] == image for p in pods)
        and pods
    )


def test_daemonset_places_rolls_and_undoes_across_nodes(api, kubectl, namespace, pool):
    path = f"/apis/apps/v1/namespaces/{namespace}/daemonsets/agent"
    api.create(f"/apis/apps/v1/namespaces/{namespace}/daemonsets", daemonset("agent"))
    pods = api.wait_for(
        lambda: settled(api, namespace, "agent", nodes=5, image=IMAGE_V1),
        what="one ready pod on each of the 5 pool nodes",
        seen=lambda: api.get(path).get("status"),
    )
    assert sorted(p["spec"]["nodeName"] for p in pods) == [f"ds-a-{i}" for i in range(5)]
    pod = pods[0]
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [pod["spec"]["nodeName"]]}]}]
    keys = {(t.get("key"), t.get("effect")) for t in pod["spec"]["tolerations"]}
    assert {("node.kubernetes.io/unreachable", "NoExecute"), ("node.kubernetes.io/unschedulable", "NoSchedule")} <= keys
    kubectl.run("rollout", "status", "daemonset/agent", "-n", namespace, "--timeout=30s")

    kubectl.run("set", "image", "daemonset/agent", f"agent={IMAGE_V2}", "-n", namespace)
    pool("ds-b-", 1)  # a node joins in the middle of the rollout
    api.wait_for(
        lambda: settled(api, namespace, "agent", nodes=6, image=IMAGE_V2),
        what="6 updated pods, the new node included",
        timeout=40,
        seen=lambda: api.get(path).get("status"),
    )
    kubectl.run("rollout", "status", "daemonset/agent", "-n", namespace, "--timeout=30s")
    history = kubectl.run("rollout", "history", "daemonset/agent", "-n", namespace).stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"], history

    kubectl.run("rollout", "undo", "daemonset/agent", "-n", namespace)
    api.wait_for(
        lambda: settled(api, namespace, "agent", nodes=6, image=IMAGE_V1),
        what="back on the first image after undo",
        timeout=40,
        seen=lambda: api.get(path).get("status"),
    )
    revisions = api.items(f"/apis/apps/v1/namespaces/{namespace}/controllerrevisions")
    assert sorted(r["revision"] for r in revisions) == [2, 3], "the undone-to revision is renumbered newest"


def test_a_removed_node_loses_its_daemon_pod_and_a_tainted_one_gets_none(api, namespace, pool):
    extra = pool("ds-c-", 1)
    api.create(f"/apis/apps/v1/namespaces/{namespace}/daemonsets", daemonset("watcher"))
    api.wait_for(lambda: settled(api, namespace, "watcher", nodes=6, image=IMAGE_V1), what="6 pods")
    extra.kill()
    api.delete("/api/v1/nodes/ds-c-0")
    api.wait_for(
        lambda: settled(api, namespace, "watcher", nodes=5, image=IMAGE_V1),
        what="the removed node's pod deleted",
        seen=lambda: [p["spec"].get("nodeName") for p in live_pods(api, namespace)],
    )
    api.merge_patch(
        "/api/v1/nodes/ds-a-4", {"spec": {"taints": [{"key": "dedicated", "value": "x", "effect": "NoExecute"}]}}
    )
    api.wait_for(
        lambda: settled(api, namespace, "watcher", nodes=4, image=IMAGE_V1),
        what="no daemon pod on a node with an untolerated NoExecute taint",
        seen=lambda: [p["spec"].get("nodeName") for p in live_pods(api, namespace)],
    )

"""Garbage collector, taint eviction and node lifecycle syncs with a recording fake client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controller_manager.garbage_collector import GarbageCollector
from controller_manager.node_lifecycle import NodeHealth, NodeLifecycleController
from controller_manager.taint_eviction import TaintEvictionController
from tests.unit.controller_manager.fakes import FakeClient, fill, pod, replicaset, shared_informers


def gc_with(client: FakeClient, **stores: list[dict]) -> GarbageCollector:
    collector = GarbageCollector(client, shared_informers(client))  # type: ignore[arg-type]
    for kind, objects in stores.items():
        fill(collector.stores[kind], *objects)
    return collector


async def test_dependent_of_a_vanished_owner_is_deleted_after_a_live_check():
    client = FakeClient()
    rs = replicaset("web", replicas=1)
    orphaned = pod("web-1", labels={"app": "web"}, owner=rs)
    client.objects[("Pod", "default/web-1")] = orphaned
    collector = gc_with(client, Pod=[orphaned])
    await collector.reconcile("Pod:default/web-1")
    assert client.of("get", "ReplicaSet") == [("get", "ReplicaSet", "default/web")], "owner confirmed gone live"
    assert client.of("delete", "Pod") == [("delete", "Pod", "default/web-1")]
    options = client.bodies[-1]
    assert options["propagation_policy"] == "Background" and options["preconditions"]["uid"] == "uid-web-1"
    # The uid is remembered as gone: a second dependent costs no lookup.
    client.actions.clear()
    second = pod("web-2", labels={"app": "web"}, owner=rs)
    client.objects[("Pod", "default/web-2")] = second
    collector.stores["Pod"].store.put(second)
    await collector.reconcile("Pod:default/web-2")
    assert not client.of("get", "ReplicaSet") and client.of("delete", "Pod")


async def test_a_dependent_with_a_living_owner_only_loses_the_dead_reference():
    client = FakeClient()
    alive, dead = replicaset("alive", replicas=1), replicaset("dead", replicas=1)
    both = pod("p", labels={}, owner=alive)
    both["metadata"]["ownerReferences"].append(
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "dead", "uid": dead["metadata"]["uid"]}
    )
    collector = gc_with(client, Pod=[both], ReplicaSet=[alive])
    await collector.reconcile("Pod:default/p")
    assert not client.of("delete")
    assert client.bodies[-1]["metadata"]["ownerReferences"] == [both["metadata"]["ownerReferences"][0]]


async def test_foreground_owner_keeps_its_finalizer_while_blocking_dependents_exist():
    client = FakeClient()
    rs = replicaset("web", replicas=1, metadata={"deletionTimestamp": "2026-01-01T00:00:00Z",
                                                  "finalizers": ["foregroundDeletion"]})  # fmt: skip
    child = pod("web-1", labels={"app": "web"}, owner=rs)
    child["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] = True
    client.objects[("Pod", "default/web-1")] = child
    collector = gc_with(client, ReplicaSet=[rs], Pod=[child])
    await collector.reconcile("ReplicaSet:default/web")
    assert not client.of("patch"), "a blocking dependent remains"
    assert "Pod:default/web-1" in collector.queue._dirty
    await collector.reconcile("Pod:default/web-1")
    assert client.of("delete", "Pod"), "the dependent of a foreground-deleting owner is deleted"
    collector.stores["Pod"].store.remove("default/web-1")
    await collector.reconcile("ReplicaSet:default/web")
    assert client.bodies[-1]["metadata"]["finalizers"] is None


async def test_orphan_strips_references_then_drops_the_finalizer():
    client = FakeClient()
    rs = replicaset("web", replicas=1, metadata={"deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["orphan"]})
    children = [pod(f"web-{i}", labels={"app": "web"}, owner=rs) for i in range(2)]
    collector = gc_with(client, ReplicaSet=[rs], Pod=children)
    await collector.reconcile("ReplicaSet:default/web")
    assert [a[2] for a in client.of("patch", "Pod")] == ["default/web-0", "default/web-1"]
    assert all(b["metadata"]["ownerReferences"] is None for b in client.bodies[:2])
    assert client.of("patch", "ReplicaSet") and client.bodies[-1]["metadata"]["finalizers"] is None
    assert not client.of("delete")


def tainted_node(added: datetime) -> dict:
    taint = {
        "key": "node.kubernetes.io/unreachable",
        "effect": "NoExecute",
        "timeAdded": added.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "spec": {"taints": [taint]}}


def tolerating(seconds: int) -> dict:
    p = pod("p", labels={})
    p["spec"]["tolerations"] = [
        {
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": seconds,
        }
    ]
    return p


async def test_eviction_waits_for_the_toleration_then_deletes():
    client = FakeClient()
    controller = TaintEvictionController(client, shared_informers(client))  # type: ignore[arg-type]
    fill(controller.nodes, tainted_node(datetime.now(UTC) - timedelta(seconds=10)))
    fill(controller.pods, tolerating(300))
    result = await controller.reconcile("default/p")
    assert not client.of("delete") and 285 < result.requeue_after <= 291
    controller.pods.store.put(tolerating(5))
    await controller.reconcile("default/p")
    assert client.of("delete", "Pod") == [("delete", "Pod", "default/p")]


async def test_eviction_timeout_flag_caps_long_tolerations():
    client = FakeClient()
    controller = TaintEvictionController(client, shared_informers(client), max_eviction_seconds=1)  # type: ignore[arg-type]
    fill(controller.nodes, tainted_node(datetime.now(UTC) - timedelta(seconds=3)))
    fill(controller.pods, tolerating(300))
    await controller.reconcile("default/p")
    assert client.of("delete", "Pod")


async def test_a_silent_node_turns_unknown_gets_tainted_and_its_pods_unready():
    client = FakeClient()
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1", "resourceVersion": "5"},
        "spec": {},
        "status": {"conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "h"}]},
    }
    client.objects[("Node", "n1")] = node
    controller = NodeLifecycleController(client, shared_informers(client), grace_period_seconds=0.0)  # type: ignore[arg-type]
    fill(controller.nodes, node)
    fill(controller.pods, pod("p", labels={}, node="n1"))
    controller.health["n1"] = NodeHealth(probed_at=-1e9, renew_time=None, heartbeat="h")  # heard of long ago
    result = await controller.reconcile("n1")
    verbs = [(a[0], a[1]) for a in client.actions]
    assert verbs == [("patch/status", "Node"), ("patch", "Node"), ("patch/status", "Pod")]
    assert client.bodies[0]["status"]["conditions"][0]["status"] == "Unknown"
    assert {(t["key"], t["effect"]) for t in client.bodies[1]["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    }
    assert client.bodies[2]["status"]["conditions"][0]["status"] == "False"
    assert result.requeue_after == controller.monitor_period_seconds

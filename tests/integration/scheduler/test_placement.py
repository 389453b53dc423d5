"""The scheduler process against a real apiserver + etcd, with plain Node objects.

Each test owns its apiserver, creates its nodes, starts `python -m scheduler` and
checks where pods land, what unschedulable pods say, and what gets recorded.
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter

from tests.integration.scheduler.conftest import (
    NODE,
    POD,
    events_for,
    node_of,
    pods_by_name,
    wait_bound,
    wait_until,
)
from tests.unit.scheduler.objects import make_node, make_pod


async def create_nodes(api, *nodes: dict) -> None:
    for node in nodes:
        await api.create(NODE, node)


async def wait_unschedulable(api, name: str, message: str, *, timeout: float = 15.0) -> dict:
    """Wait for PodScheduled=False/Unschedulable carrying exactly `message`; the condition."""

    async def condition():
        pod = await api.get(POD, name, namespace="default")
        for entry in pod.get("status", {}).get("conditions") or []:
            if entry["type"] == "PodScheduled" and entry.get("message") == message:
                return entry
        return None

    async def seen():
        pod = await api.get(POD, name, namespace="default")
        return pod["spec"].get("nodeName"), pod["status"].get("conditions")

    return await wait_until(condition, what=f"{name} to be reported: {message}", timeout=timeout, describe=seen)


async def test_unschedulable_with_kubernetes_message_until_a_node_with_room_arrives(api, start_scheduler):
    infra = make_node("infra", cpu="8", taints=[{"key": "node-role", "value": "infra", "effect": "NoSchedule"}])
    await create_nodes(api, make_node("small-1", cpu="1"), make_node("small-2", cpu="1"), infra)
    scheduler = start_scheduler()
    await api.create(POD, make_pod("big", cpu="2"))
    message = "0/3 nodes are available: 1 node(s) had untolerated taint {node-role: infra}, 2 Insufficient cpu."
    condition = await wait_unschedulable(api, "big", message)
    assert (condition["status"], condition["reason"]) == ("False", "Unschedulable")
    failed = await wait_until(lambda: events_for(api, "big", "FailedScheduling"), what="a FailedScheduling event")
    assert failed[0]["type"] == "Warning" and failed[0]["message"] == message
    assert failed[0]["source"]["component"] == "default-scheduler"
    assert scheduler.metric("scheduler_pending_pods", queue="unschedulable") == 1
    assert scheduler.metric("scheduler_schedule_attempts_total", result="unschedulable") >= 1

    await create_nodes(api, make_node("roomy", cpu="4"))
    assert await wait_bound(api, "big") == "roomy"
    pod = await api.get(POD, "big", namespace="default")
    scheduled = [c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert [c["status"] for c in scheduled] == ["True"]
    assigned = await wait_until(lambda: events_for(api, "big", "Scheduled"), what="a Scheduled event")
    assert assigned[0]["message"] == "Successfully assigned default/big to roomy"
    assert scheduler.metric("scheduler_schedule_attempts_total", result="scheduled") == 1
    assert scheduler.metric("scheduler_e2e_scheduling_duration_seconds_count") == 1
    assert scheduler.metric("scheduler_pending_pods", queue="unschedulable") == 0


async def test_assumed_pods_fill_a_node_and_deleted_pods_free_it(api, start_scheduler):
    await create_nodes(api, make_node("only", cpu="2", memory="1Gi", pods="3"))
    start_scheduler()
    await asyncio.gather(*(api.create(POD, make_pod(f"p{i}", cpu="600m", memory="256Mi")) for i in range(3)))
    for name in ("p0", "p1", "p2"):
        assert await wait_bound(api, name) == "only"
    await api.create(POD, make_pod("p3", cpu="600m", memory="256Mi"))
    # One node, two shortfalls: both are reasons, counted once each.
    await wait_unschedulable(api, "p3", "0/1 nodes are available: 1 Insufficient cpu, 1 Too many pods.")
    await api.create(POD, make_pod("greedy", cpu="100m", memory="2Gi"))
    await wait_unschedulable(api, "greedy", "0/1 nodes are available: 1 Insufficient memory, 1 Too many pods.")

    await api.delete(POD, "p0", namespace="default", grace_period_seconds=0)
    assert await wait_bound(api, "p3") == "only"
    await api.create(POD, make_pod("tiny"))
    await wait_unschedulable(api, "tiny", "0/1 nodes are available: 1 Too many pods.")
    assert (await node_of(api, "greedy")) is None


async def test_taints_tolerations_and_readiness(api, start_scheduler):
    await create_nodes(
        api,
        make_node("gpu", labels={"role": "gpu"}, taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
        make_node("draining", taints=[{"key": "maintenance", "effect": "NoExecute"}]),
        make_node("spot", taints=[{"key": "spot", "effect": "PreferNoSchedule"}]),
        make_node("plain"),
    )
    start_scheduler()
    gpu_pod = make_pod("trainer", node_selector={"role": "gpu"}, tolerations=[{"key": "dedicated", "value": "gpu"}])
    pinned = make_pod("pinned", node_selector={"kubernetes.io/hostname": "draining"})
    tolerant = make_pod(
        "tolerant",
        node_selector={"kubernetes.io/hostname": "draining"},
        tolerations=[{"key": "maintenance", "operator": "Exists", "effect": "NoExecute"}],
    )
    for pod in (make_pod("web"), gpu_pod, pinned, tolerant):
        await api.create(POD, pod)
    assert await wait_bound(api, "web") == "plain", "PreferNoSchedule steers away from spot"
    assert await wait_bound(api, "trainer") == "gpu"
    assert await wait_bound(api, "tolerant") == "draining"
    await wait_unschedulable(
        api,
        "pinned",
        "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
        "1 node(s) had untolerated taint {maintenance: }, 2 node(s) didn't match Pod's node affinity/selector.",
    )

    # A node that is not Ready is avoided until it is.
    await create_nodes(api, make_node("late", labels={"tier": "late"}, ready="False"))
    await api.create(POD, make_pod("waits", node_selector={"tier": "late"}))
    await wait_unschedulable(
        api,
        "waits",
        "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
        "1 node(s) had untolerated taint {maintenance: }, "
        "1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, "
        "2 node(s) didn't match Pod's node affinity/selector.",
    )
    node = await api.get(NODE, "late")
    ready = copy.deepcopy(node)
    ready["status"]["conditions"][0]["status"] = "True"
    await api.update_status(NODE, ready)
    assert await wait_bound(api, "waits") == "late"


async def test_node_selector_and_node_affinity(api, start_scheduler):
    await create_nodes(
        api,
        make_node("n1", labels={"zone": "a", "cores": "8"}),
        make_node("n2", labels={"zone": "b", "cores": "16", "disk": "ssd"}),
        make_node("n3", labels={"zone": "c", "cores": "32"}),
    )
    start_scheduler()

    def required(*terms):
        return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}

    def expr(key, operator, *values):
        return {"key": key, "operator": operator, "values": list(values)}

    expected = {
        "by-selector": (make_pod("by-selector", node_selector={"disk": "ssd"}), "n2"),
        "by-in-gt": (make_pod("by-in-gt", affinity=required({"matchExpressions": [
            expr("zone", "In", "a", "c"), expr("cores", "Gt", "10")]})), "n3"),
        "by-lt": (make_pod("by-lt", affinity=required({"matchExpressions": [expr("cores", "Lt", "10")]})), "n1"),
        "by-notin": (make_pod("by-notin", affinity=required({"matchExpressions": [
            expr("zone", "NotIn", "a", "c"), {"key": "disk", "operator": "Exists"}]})), "n2"),
        "by-absent": (make_pod("by-absent", affinity=required(
            {"matchExpressions": [{"key": "disk", "operator": "DoesNotExist"}, expr("zone", "NotIn", "a")]})), "n3"),
        "by-field": (make_pod("by-field", affinity=required({"matchFields": [
            expr("metadata.name", "In", "n1")]})), "n1"),
        "by-preference": (make_pod("by-preference", affinity={"nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 80, "preference": {"matchExpressions": [expr("zone", "In", "b")]}},
                {"weight": 10, "preference": {"matchExpressions": [expr("zone", "In", "c")]}},
            ]}}), "n2"),
    }  # fmt: skip
    for pod, _ in expected.values():
        await api.create(POD, pod)
    await api.create(POD, make_pod("nowhere", node_selector={"zone": "z"}))
    placed = {name: await wait_bound(api, name) for name in expected}
    assert placed == {name: node for name, (_, node) in expected.items()}
    await wait_unschedulable(
        api, "nowhere", "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
    )


async def test_host_ports_conflict(api, start_scheduler):
    await create_nodes(api, make_node("only"))
    start_scheduler()
    await api.create(POD, make_pod("first", host_port=8080))
    assert await wait_bound(api, "first") == "only"
    await api.create(POD, make_pod("second", host_port=8080))
    await api.create(POD, make_pod("other-port", host_port=8081))
    assert await wait_bound(api, "other-port") == "only"
    await wait_unschedulable(
        api, "second", "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."
    )


async def test_ten_pods_of_one_owner_spread_four_three_three(api, start_scheduler):
    # Big nodes and tiny requests: resource scores tie everywhere, so only the owner spread decides.
    await create_nodes(api, *[make_node(f"n{i}", cpu="32", memory="128Gi") for i in range(3)])
    start_scheduler()
    pods = [make_pod(f"web-{i}", cpu="10m", memory="10Mi", owner_uid="rs-web-uid") for i in range(10)]
    await asyncio.gather(*(api.create(POD, pod) for pod in pods))

    async def placements():
        listed = await pods_by_name(api)
        return {name: pod["spec"].get("nodeName") for name, pod in listed.items()}

    async def all_placed():
        placed = await placements()
        return placed if len(placed) == 10 and all(placed.values()) else None

    placed = await wait_until(all_placed, what="all ten pods bound", describe=placements)
    counts = Counter(placed.values())
    assert sorted(counts.values()) == [3, 3, 4], counts


async def test_pods_for_another_scheduler_are_left_alone(api, start_scheduler):
    await create_nodes(api, make_node("only"))
    start_scheduler()
    await api.create(POD, make_pod("theirs", scheduler_name="someone-else"))
    await api.create(POD, make_pod("ours"))
    # The scheduler saw "theirs" before "ours" (one watch, in order): it had its chance to err.
    assert await wait_bound(api, "ours") == "only"
    assert await node_of(api, "theirs") is None

"""The range allocator's reconcile, on stores filled by hand: which PATCH it sends, and when none."""

from __future__ import annotations

from controller_manager.nodeipam.range_allocator import RangeAllocator
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers


def node(name: str, cidr: str | None = None) -> dict:
    obj: dict = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": {}}
    if cidr:
        obj["spec"] = {"podCIDR": cidr, "podCIDRs": [cidr]}
    return obj


def allocator(*nodes: dict, cluster: str = "10.244.0.0/16") -> tuple[RangeAllocator, FakeClient]:
    client = FakeClient()
    controller = RangeAllocator(client, shared_informers(client), cluster_cidr=cluster, mask_size=24)  # type: ignore[arg-type]
    fill(controller.nodes, *nodes)
    return controller, client


async def test_cidrs_held_by_any_node_are_skipped_whatever_the_key_order():
    controller, client = allocator(node("new"), node("held", "10.244.0.0/24"))
    await controller.reconcile("new")  # before "held" was ever looked at
    assert client.actions == [("patch", "Node", "new")]
    assert client.bodies == [{"spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]}}]


async def test_a_node_with_a_cidr_is_left_alone():
    controller, client = allocator(node("held", "10.244.0.0/24"))
    assert await controller.reconcile("held") is None
    assert client.actions == []


async def test_a_failed_write_is_retried_with_the_same_cidr():
    controller, client = allocator(node("a"))
    await controller.reconcile("a")
    await controller.reconcile("a")  # the store has not seen the patch yet
    assert [b["spec"]["podCIDR"] for b in client.bodies] == ["10.244.0.0/24", "10.244.0.0/24"]
    assert controller.cidrs.used_count == 1


async def test_a_deleted_nodes_cidr_is_freed():
    controller, client = allocator(node("a", "10.244.0.0/24"))
    await controller.reconcile("a")
    controller.nodes.store.remove("a")
    await controller.reconcile("a")
    assert controller.cidrs.used_count == 0


async def test_exhaustion_requeues_and_records_cidr_not_available():
    events: list[tuple[str, str, str]] = []
    controller, client = allocator(node("a"), node("b"), cluster="10.244.0.0/24")
    controller.emit = lambda obj, type_, reason, message: events.append((type_, reason, message))  # type: ignore[method-assign]
    await controller.reconcile("a")
    result = await controller.reconcile("b")
    assert result is not None and result.requeue
    assert events == [("Normal", "CIDRNotAvailable", "Node b status is now: CIDRNotAvailable")]
    assert client.actions == [("patch", "Node", "a")]

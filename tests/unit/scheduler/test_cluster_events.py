"""Informer events reach the cache and the queue, and only helpful changes release parked pods."""

from __future__ import annotations

import asyncio
import copy

import pytest

from kubemini.client.clock import FakeClock
from scheduler.cache import SchedulerCache
from scheduler.cluster_events import ClusterEvents
from scheduler.scheduling_queue import ACTIVE, UNSCHEDULABLE, SchedulingQueue
from tests.unit.scheduler.objects import make_node, make_pod


@pytest.fixture
def handlers() -> ClusterEvents:
    cache = SchedulerCache()
    cache.set_node(make_node("a"))
    return ClusterEvents(cache=cache, queue=SchedulingQueue(clock=FakeClock()))


async def park(handlers: ClusterEvents, pod: dict) -> None:
    handlers.on_pod_add(pod)
    entry = await asyncio.wait_for(handlers.queue.pop(), 1)
    handlers.queue.requeue_unschedulable(entry.key)
    handlers.queue.clock.advance(11)  # past any backoff, short of the 60 s flush
    assert handlers.queue.location(entry.key) == UNSCHEDULABLE


def test_pending_pods_of_ours_are_queued_and_others_are_not(handlers):
    handlers.on_pod_add(make_pod("mine"))
    handlers.on_pod_add(make_pod("theirs", scheduler_name="other-scheduler"))
    handlers.on_pod_add(make_pod("finished", phase="Succeeded"))
    deleting = make_pod("deleting")
    deleting["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    handlers.on_pod_add(deleting)
    assert handlers.queue.lengths()[ACTIVE] == 1 and "default/mine" in handlers.queue


def test_bound_pods_go_to_the_cache_and_leave_the_queue(handlers):
    pending = make_pod("p", cpu="1")
    handlers.on_pod_add(pending)
    bound = copy.deepcopy(pending)
    bound["spec"]["nodeName"] = "a"
    handlers.on_pod_update(pending, bound)
    assert "default/p" not in handlers.queue
    assert handlers.cache.node("a").requested_cpu == 1000


async def test_a_status_only_update_does_not_release_a_parked_pod(handlers):
    pod = make_pod("p")
    await park(handlers, pod)
    reported = copy.deepcopy(pod)
    reported["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]
    handlers.on_pod_update(pod, reported)
    assert handlers.queue.location("default/p") == UNSCHEDULABLE
    relabelled = copy.deepcopy(reported)
    relabelled["metadata"]["labels"] = {"tier": "web"}
    handlers.on_pod_update(reported, relabelled)
    assert handlers.queue.location("default/p") == ACTIVE


async def test_deleting_a_bound_pod_releases_parked_pods(handlers):
    handlers.on_pod_add(make_pod("big", cpu="3", node_name="a"))
    await park(handlers, make_pod("p", cpu="2"))
    handlers.on_pod_delete(make_pod("unrelated-pending"))
    assert handlers.queue.location("default/p") == UNSCHEDULABLE
    handlers.on_pod_delete(make_pod("big", cpu="3", node_name="a"))
    assert handlers.queue.location("default/p") == ACTIVE
    assert handlers.cache.node("a").requested_cpu == 0


async def test_a_bound_pod_finishing_releases_parked_pods(handlers):
    running = make_pod("job", cpu="3", node_name="a", phase="Running")
    handlers.on_pod_add(running)
    await park(handlers, make_pod("p", cpu="2"))
    handlers.on_pod_update(running, make_pod("job", cpu="3", node_name="a", phase="Succeeded"))
    assert handlers.queue.location("default/p") == ACTIVE


async def test_a_new_node_releases_parked_pods_and_a_heartbeat_does_not(handlers):
    await park(handlers, make_pod("p"))
    old = make_node("a")
    heartbeat = copy.deepcopy(old)
    heartbeat["status"]["conditions"][0]["lastHeartbeatTime"] = "2025-01-01T00:00:10Z"
    handlers.on_node_update(old, heartbeat)
    assert handlers.queue.location("default/p") == UNSCHEDULABLE
    handlers.on_node_add(make_node("b"))
    assert handlers.queue.location("default/p") == ACTIVE


@pytest.mark.parametrize(
    "change",
    [
        lambda node: node["metadata"]["labels"].update(disk="ssd"),
        lambda node: node["spec"].update(taints=[]),
        lambda node: node["spec"].update(unschedulable=False),
        lambda node: node["status"]["allocatable"].update(cpu="64"),
        lambda node: node["status"]["conditions"][0].update(status="True"),
    ],
)
async def test_node_changes_that_could_help_release_parked_pods(handlers, change):
    old = make_node("a", ready="False", unschedulable=True, taints=[{"key": "k", "effect": "NoSchedule"}])
    new = copy.deepcopy(old)
    change(new)
    await park(handlers, make_pod("p"))
    handlers.on_node_update(old, new)
    assert handlers.queue.location("default/p") == ACTIVE


def test_deleted_nodes_leave_the_cache(handlers):
    handlers.on_node_delete(make_node("a"))
    assert handlers.cache.nodes() == []

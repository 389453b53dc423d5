"""One scheduling cycle with fakes: assume, bind in the background, report failures, handle binding errors."""

from __future__ import annotations

import asyncio
import random

import pytest

from kubemini.client.events import EventRecorder
from scheduler.binding import Binder
from scheduler.cache import SchedulerCache
from scheduler.event_sink import EventSink
from scheduler.metrics import ERROR, SCHEDULED, UNSCHEDULABLE, SchedulerMetrics
from scheduler.reporting import FailureReporter
from scheduler.schedule_one import SchedulingLoop
from scheduler.scheduling import NodePicker
from scheduler.scheduling_queue import BACKOFF, SchedulingQueue
from scheduler.scheduling_queue import UNSCHEDULABLE as PARKED
from tests.unit.scheduler.fakes import FakeClient, FakePodInformer, api_error, settle
from tests.unit.scheduler.objects import make_node, make_pod


class Harness:
    def __init__(self, *pods, nodes=("a",), max_in_flight=8):
        self.client = FakeClient()
        self.pods = FakePodInformer(*pods)
        self.cache = SchedulerCache()
        for name in nodes:
            self.cache.set_node(make_node(name, cpu="2"))
        self.queue = SchedulingQueue()
        self.metrics = SchedulerMetrics()
        self.events = EventSink(EventRecorder(self.client, component="default-scheduler"))
        self.binder = Binder(
            [self.client],
            cache=self.cache,
            queue=self.queue,
            metrics=self.metrics,
            events=self.events,
            max_in_flight=max_in_flight,
        )
        self.reporter = FailureReporter(self.client, events=self.events)
        self.loop = SchedulingLoop(
            pods=self.pods,
            cache=self.cache,
            queue=self.queue,
            binder=self.binder,
            reporter=self.reporter,
            metrics=self.metrics,
            picker=NodePicker(rng=random.Random(3)),
        )
        for pod in pods:
            self.queue.add(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}")

    async def cycle(self) -> None:
        self.loop.schedule_one(await asyncio.wait_for(self.queue.pop(), 1))
        await settle()

    def attempts(self, result: str) -> float:
        return self.metrics.registry.get_sample_value("scheduler_schedule_attempts_total", {"result": result})


async def test_a_fitting_pod_is_assumed_bound_and_announced():
    harness = Harness(make_pod("web", cpu="1"))
    await harness.cycle()
    assert harness.client.bindings == [("default", "web", "a")]
    assert harness.cache.node("a").requested_cpu == 1000 and harness.cache.is_assumed("default/web")
    assert "default/web" not in harness.queue
    assert harness.attempts(SCHEDULED) == 1
    event_writer = asyncio.create_task(harness.events.run())
    await harness.events.drain(1)
    await settle()
    event_writer.cancel()
    [event] = harness.client.events("Scheduled")
    assert event["message"] == "Successfully assigned default/web to a" and event["type"] == "Normal"
    assert event["involvedObject"]["name"] == "web"


async def test_the_next_decision_sees_an_assumption_whose_binding_is_still_in_flight():
    harness = Harness(make_pod("one", cpu="1500m"), make_pod("two", cpu="1500m"), nodes=("a", "b"))
    harness.client.bind_gate = asyncio.Event()
    await harness.cycle()
    await harness.cycle()
    assert harness.binder.in_flight() == 2
    assumed_on = {harness.cache.node_of("default/one"), harness.cache.node_of("default/two")}
    assert assumed_on == {"a", "b"}, "the second pod must not land on the node the first one took"
    harness.client.bind_gate.set()
    await settle()
    assert len(harness.client.bindings) == 2 and harness.binder.in_flight() == 0


async def test_a_pod_that_fits_nowhere_is_parked_and_reported():
    harness = Harness(make_pod("huge", cpu="3"))
    await harness.cycle()
    assert harness.queue.location("default/huge") == PARKED
    assert harness.attempts(UNSCHEDULABLE) == 1
    [(name, namespace, body, patch_type, subresource)] = harness.client.patches
    assert (name, namespace, patch_type, subresource) == ("huge", "default", "strategic", "status")
    [condition] = body["status"]["conditions"]
    assert condition["type"] == "PodScheduled" and condition["status"] == "False"
    assert condition["reason"] == "Unschedulable"
    assert condition["message"] == "0/1 nodes are available: 1 Insufficient cpu."
    assert harness.events.pending() == 1


async def test_a_pod_already_saying_unschedulable_is_not_patched_again():
    message = "0/1 nodes are available: 1 Insufficient cpu."
    pod = make_pod("huge", cpu="3")
    pod["status"]["conditions"] = [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}
    ]
    harness = Harness(pod)
    await harness.cycle()
    assert harness.client.patches == []
    assert harness.events.pending() == 1, "the event is still recorded (its count climbs)"


@pytest.mark.parametrize(
    "message", ['pod web is already assigned to node "b"', "pod is being deleted, cannot be assigned to a host"]
)
async def test_a_conflict_saying_someone_else_decided_drops_the_pod(message):
    harness = Harness(make_pod("web", cpu="1"))
    harness.client.bind_errors["web"] = api_error(409, message)
    await harness.cycle()
    assert "default/web" not in harness.queue
    assert harness.cache.node("a").requested_cpu == 0, "the assumption is forgotten"
    assert harness.attempts(ERROR) == 1


@pytest.mark.parametrize(("code", "message"), [(500, "etcd timed out"), (409, "the object has been modified")])
async def test_any_other_binding_failure_forgets_and_requeues_with_backoff(code, message):
    harness = Harness(make_pod("web", cpu="1"))
    harness.client.bind_errors["web"] = api_error(code, message)
    await harness.cycle()
    assert harness.queue.location("default/web") == BACKOFF
    assert harness.cache.node("a").requested_cpu == 0 and not harness.cache.knows("default/web")


async def test_pods_that_are_gone_bound_or_not_ours_are_skipped():
    bound = make_pod("bound", node_name="a")
    other = make_pod("other", scheduler_name="my-scheduler")
    harness = Harness(bound, other)
    harness.queue.add("default/vanished")
    for _ in range(3):
        await harness.cycle()
    assert harness.client.bindings == []
    assert sum(harness.queue.lengths().values()) == 0


async def test_the_loop_never_has_more_bindings_in_flight_than_allowed():
    pods = [make_pod(f"p{i}", cpu="10m") for i in range(6)]
    harness = Harness(*pods, max_in_flight=2)
    harness.client.bind_gate = asyncio.Event()
    runner = asyncio.create_task(harness.loop.run())
    await settle()
    assert harness.binder.in_flight() == 2 and harness.queue.lengths()["active"] == 4
    harness.client.bind_gate.set()
    for _ in range(50):
        await settle()
        if len(harness.client.bindings) == 6:
            break
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert len(harness.client.bindings) == 6


async def test_scheduled_events_wait_while_the_binder_is_more_than_half_busy():
    pods = [make_pod(f"p{i}", cpu="10m") for i in range(6)]
    harness = Harness(*pods, max_in_flight=4)
    harness.events.wait_turn = harness.binder.wait_for_slack
    for _ in range(2):
        await harness.cycle()  # bound at once: two Scheduled events queued
    harness.client.bind_gate = asyncio.Event()
    for _ in range(4):
        await harness.cycle()
    assert harness.binder.in_flight() == 4 and not harness.binder.has_slack()
    writer = asyncio.create_task(harness.events.run())
    for _ in range(5):
        await settle()
    assert harness.client.events("Scheduled") == [] and harness.events.pending() == 1  # one taken, waiting
    harness.client.bind_gate.set()
    await harness.events.drain(1)
    for _ in range(5):
        await settle()
    writer.cancel()
    await asyncio.gather(writer, return_exceptions=True)
    assert len(harness.client.events("Scheduled")) == 6

"""The scheduling queue on a fake clock: order, backoff, parking, moves, deletes."""

from __future__ import annotations

import asyncio

import pytest

from kubemini.client.clock import FakeClock
from scheduler.scheduling_queue import ACTIVE, BACKOFF, IN_FLIGHT, UNSCHEDULABLE, SchedulingQueue


async def pop(queue: SchedulingQueue, timeout: float = 1.0) -> str:
    return (await asyncio.wait_for(queue.pop(), timeout)).key


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(clock) -> SchedulingQueue:
    return SchedulingQueue(clock=clock)


async def test_higher_priority_first_then_older_first(queue):
    queue.add("ns/young", priority=0, created="2025-01-01T00:00:05Z")
    queue.add("ns/old", priority=0, created="2025-01-01T00:00:01Z")
    queue.add("ns/urgent", priority=1000, created="2025-01-01T00:00:09Z")
    queue.add("ns/old", priority=0, created="2025-01-01T00:00:01Z")  # seen again: still once
    assert [await pop(queue) for _ in range(3)] == ["ns/urgent", "ns/old", "ns/young"]
    assert queue.lengths()[IN_FLIGHT] == 3


async def test_pop_waits_for_a_pod(queue):
    waiter = asyncio.create_task(queue.pop())
    await settle()
    assert not waiter.done()
    queue.add("ns/p")
    assert (await asyncio.wait_for(waiter, 1)).key == "ns/p"


async def test_unschedulable_pods_wait_for_a_move_then_respect_their_backoff(queue, clock):
    queue.add("ns/p")
    await pop(queue)
    assert queue.requeue_unschedulable("ns/p") == UNSCHEDULABLE
    clock.advance(0.5)
    assert queue.move_all_to_active() == 1
    assert queue.location("ns/p") == BACKOFF, "the first failure backs off for 1s"
    waiter = asyncio.create_task(queue.pop())
    await settle()
    assert not waiter.done()
    clock.advance(0.5)
    assert (await asyncio.wait_for(waiter, 1)).key == "ns/p"


async def test_backoff_doubles_from_one_second_to_ten(queue, clock):
    queue.add("ns/p")
    seen = []
    for _ in range(6):
        entry = await queue.pop()
        queue.requeue_backoff(entry.key)
        seen.append(queue.backoff_seconds(entry))
        clock.advance(queue.backoff_seconds(entry))
    assert seen == [1, 2, 4, 8, 10, 10]


async def test_a_pod_not_yet_due_stays_in_backoff(queue, clock):
    queue.add("ns/p")
    await pop(queue)
    queue.requeue_backoff("ns/p")
    waiter = asyncio.create_task(queue.pop())
    clock.advance(0.9)
    await settle()
    assert not waiter.done() and queue.location("ns/p") == BACKOFF
    clock.advance(0.1)
    assert (await asyncio.wait_for(waiter, 1)).key == "ns/p"


async def test_a_move_during_the_attempt_sends_the_pod_to_backoff_not_to_parking(queue):
    queue.add("ns/p")
    await pop(queue)
    queue.move_all_to_active()  # e.g. a node was added while we were deciding
    assert queue.requeue_unschedulable("ns/p") == BACKOFF


async def test_a_pod_changed_during_the_attempt_is_retried_too(queue):
    queue.add("ns/p")
    await pop(queue)
    queue.update("ns/p", priority=0)
    assert queue.requeue_unschedulable("ns/p") == BACKOFF


async def test_updating_a_parked_pod_releases_it(queue, clock):
    queue.add("ns/p")
    await pop(queue)
    queue.requeue_unschedulable("ns/p")
    clock.advance(5)
    queue.update("ns/p", priority=0)
    assert queue.location("ns/p") == ACTIVE


async def test_parked_pods_are_flushed_after_sixty_seconds(queue, clock):
    queue.add("ns/p")
    await pop(queue)
    queue.requeue_unschedulable("ns/p")
    clock.advance(59)
    assert queue.flush_unschedulable() == 0
    clock.advance(1)
    assert queue.flush_unschedulable() == 1
    assert queue.location("ns/p") == ACTIVE


async def test_deleted_pods_leave_every_part_of_the_queue(queue):
    queue.add("ns/a")
    queue.add("ns/b")
    queue.delete("ns/a")
    assert await pop(queue) == "ns/b"
    queue.delete("ns/b")  # deleted while in flight
    assert queue.requeue_unschedulable("ns/b") is None
    assert queue.requeue_backoff("ns/b") is None
    assert "ns/b" not in queue
    assert queue.lengths() == {ACTIVE: 0, BACKOFF: 0, UNSCHEDULABLE: 0, IN_FLIGHT: 0}


async def test_done_forgets_the_pod_and_a_later_add_queues_it_afresh(queue):
    queue.add("ns/p")
    await pop(queue)
    queue.add("ns/p")  # an old event while in flight changes nothing
    assert queue.location("ns/p") == IN_FLIGHT
    queue.done("ns/p")
    assert "ns/p" not in queue
    queue.add("ns/p")
    assert await pop(queue) == "ns/p"


async def test_a_priority_change_reorders_the_active_queue(queue):
    queue.add("ns/a", created="1")
    queue.add("ns/b", created="2")
    queue.update("ns/b", priority=10, created="2")
    assert [await pop(queue) for _ in range(2)] == ["ns/b", "ns/a"]


async def test_drained_is_set_only_while_pop_waits_for_a_ready_pod(queue):
    queue.add("default/a")
    queue.add("default/b")
    assert not queue.drained.is_set()
    assert await pop(queue) == "default/a"
    assert not queue.drained.is_set()  # b is still ready
    assert await pop(queue) == "default/b"
    waiting = asyncio.create_task(pop(queue))
    await settle()
    assert queue.drained.is_set()
    queue.add("default/c")
    assert await waiting == "default/c"
    assert not queue.drained.is_set()

"""WorkQueue: dedup, one worker per key, exact backoff on a fake clock, shutdown."""

from __future__ import annotations

import asyncio

import pytest

from kubemini.client.clock import FakeClock
from kubemini.client.workqueue import WorkQueue


async def next_key(queue: WorkQueue, timeout: float = 1.0):
    return await asyncio.wait_for(queue.get(), timeout)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_keys_are_deduplicated_while_queued():
    queue = WorkQueue()
    for key in ("a", "b", "a", "a", "b", "c"):
        queue.add(key)
    assert len(queue) == 3
    assert [await next_key(queue) for _ in range(3)] == ["a", "b", "c"]
    assert len(queue) == 0


async def test_key_is_never_handed_to_two_workers_at_once():
    queue = WorkQueue()
    queue.add("a")
    assert await next_key(queue) == "a"
    queue.add("a")  # changed again while being processed
    queue.add("a")
    second_worker = asyncio.create_task(queue.get())
    await settle()
    assert not second_worker.done(), "a key in processing must not be handed out again"
    assert len(queue) == 0
    queue.done("a")
    assert await asyncio.wait_for(second_worker, 1) == "a", "re-added while processing → queued after done"
    queue.done("a")
    assert len(queue) == 0 and not queue.processing()


async def test_concurrent_workers_never_overlap_on_a_key():
    queue = WorkQueue()
    active: dict[str, int] = {}
    overlaps: list[str] = []
    handled = 0

    async def worker():
        nonlocal handled
        while (key := await queue.get()) is not None:
            active[key] = active.get(key, 0) + 1
            if active[key] > 1:
                overlaps.append(key)
            await asyncio.sleep(0.001)
            active[key] -= 1
            handled += 1
            queue.done(key)

    workers = [asyncio.create_task(worker()) for _ in range(4)]
    for round_ in range(50):
        for key in ("a", "b", "c"):
            queue.add(key)
        await asyncio.sleep(0.0005 * (round_ % 3))
    while len(queue) or queue.processing():
        await asyncio.sleep(0.005)
    queue.shutdown()
    await asyncio.wait_for(asyncio.gather(*workers), 2)
    assert overlaps == []
    assert 3 <= handled < 150, "adds while queued must collapse"


async def test_rate_limited_backoff_doubles_from_5ms_and_forget_resets():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    expected = [0.005, 0.01, 0.02, 0.04]
    for delay in expected:
        queue.add_rate_limited("k")
        assert queue.delayed()["k"] == pytest.approx(delay)
        getter = asyncio.create_task(queue.get())
        await settle()
        clock.advance(delay * 0.99)
        await settle()
        assert not getter.done(), f"key handed out before its {delay}s backoff elapsed"
        clock.advance(delay * 0.02)
        assert await asyncio.wait_for(getter, 1) == "k"
        queue.done("k")
    assert queue.num_requeues("k") == 4
    queue.forget("k")
    assert queue.num_requeues("k") == 0
    queue.add_rate_limited("k")
    assert queue.delayed()["k"] == pytest.approx(0.005)


async def test_per_key_backoff_caps_at_1000_seconds():
    clock = FakeClock()
    queue = WorkQueue(clock=clock, qps=1e9)
    for _ in range(30):
        queue.add_rate_limited("k")
        clock.advance(2000)
        assert await next_key(queue) == "k"
        queue.done("k")
    queue.add_rate_limited("k")
    assert queue.delayed()["k"] == pytest.approx(1000.0)


async def test_global_bucket_allows_a_burst_of_100_then_10_per_second():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    for i in range(100):
        queue.add_rate_limited(f"k{i}")
    assert all(delay == pytest.approx(0.005) for delay in queue.delayed().values())
    queue.add_rate_limited("k100")
    queue.add_rate_limited("k101")
    assert queue.delayed()["k100"] == pytest.approx(0.1)
    assert queue.delayed()["k101"] == pytest.approx(0.2)


async def test_add_after_keeps_the_earliest_time_and_add_is_immediate():
    clock = FakeClock()
    queue = WorkQueue(clock=clock)
    queue.add_after("k", 10)
    queue.add_after("k", 3)
    queue.add_after("k", 7)
    assert queue.delayed()["k"] == pytest.approx(3)
    getter = asyncio.create_task(queue.get())
    await settle()
    clock.advance(3)
    assert await asyncio.wait_for(getter, 1) == "k"
    queue.done("k")
    clock.advance(10)  # the stale 7 s / 10 s entries must not bring it back
    queue.add("other")
    assert await next_key(queue) == "other"
    assert len(queue) == 0


async def test_shutdown_wakes_waiting_getters_after_draining():
    queue = WorkQueue()
    getters = [asyncio.create_task(queue.get()) for _ in range(3)]
    await settle()
    queue.add("last")
    await settle()
    queue.add_after("later", 100)
    queue.shutdown()
    results = await asyncio.wait_for(asyncio.gather(*getters), 1)
    assert results.count("last") == 1 and results.count(None) == 2
    queue.add("ignored")
    assert await next_key(queue) is None

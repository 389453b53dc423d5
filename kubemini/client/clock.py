"""Time as the work queue sees it: real monotonic time, or a fake that tests move.

A clock answers `now()` (seconds, monotonic) and `wait_for(event, timeout)`:
return when the event is set or `timeout` seconds of *this clock's* time have
passed. `FakeClock.advance()` is what wakes fake-time waiters, so backoff
timing is tested exactly and without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    async def wait_for(self, event: asyncio.Event, timeout: float | None) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def wait_for(self, event: asyncio.Event, timeout: float | None) -> None:
        if timeout is None:
            await event.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(timeout, 0.0))


class FakeClock:
    def __init__(self, start: float = 1000.0):
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
        for deadline, future in list(self._sleepers):
            if deadline <= self._now and not future.done():
                future.set_result(None)

    @property
    def waiters(self) -> int:
        """How many callers are waiting on fake time (lets tests know a getter is parked)."""
        return sum(1 for _, future in self._sleepers if not future.done())

    async def wait_for(self, event: asyncio.Event, timeout: float | None) -> None:
        if timeout is None:
            await event.wait()
            return
        if timeout <= 0 or event.is_set():
            return
        entry = (self._now + timeout, asyncio.get_running_loop().create_future())
        self._sleepers.append(entry)
        event_waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({entry[1], event_waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            event_waiter.cancel()
            self._sleepers.remove(entry)

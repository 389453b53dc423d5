"""The queue of keys between informer handlers and reconcile workers.

    add(key) ──► queued (deduplicated) ──► get() → worker ──► done(key)
    add_after(key, s) ──► delayed (earliest time wins) ──┘  ▲
    add_rate_limited(key) = add_after(key, limiter.when(key))│
    add(key) while key is being processed ──► held as dirty ─┘ queued again on done()

A key is never handed to two workers at once, and a key added many times
while queued is processed once: reconcile is level-triggered, so only "this
key needs a look" matters, never how many events asked. Time comes from an
injectable clock so tests can check backoff exactly.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Hashable

from kubemini.client.clock import Clock, MonotonicClock
from kubemini.client.rate_limiting import (
    BASE_DELAY_SECONDS,
    BUCKET_BURST,
    BUCKET_QPS,
    MAX_DELAY_SECONDS,
    ControllerRateLimiter,
)


class WorkQueue:
    def __init__(
        self,
        *,
        name: str = "",
        clock: Clock | None = None,
        base_delay_seconds: float = BASE_DELAY_SECONDS,
        max_delay_seconds: float = MAX_DELAY_SECONDS,
        qps: float = BUCKET_QPS,
        burst: int = BUCKET_BURST,
    ):
        self.name = name
        self.clock = clock or MonotonicClock()
        self.limiter = ControllerRateLimiter(
            clock=self.clock,
            base_delay_seconds=base_delay_seconds,
            max_delay_seconds=max_delay_seconds,
            qps=qps,
            burst=burst,
        )
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._delayed: dict[Hashable, float] = {}
        self._heap: list[tuple[float, int, Hashable]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._shutting_down = False

    def __len__(self) -> int:
        """Keys ready to be handed out (not counting delayed or in-process ones)."""
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def processing(self) -> set[Hashable]:
        return set(self._processing)

    def delayed(self) -> dict[Hashable, float]:
        """Delayed keys → seconds until due."""
        now = self.clock.now()
        return {key: due - now for key, due in self._delayed.items()}

    def add(self, key: Hashable) -> None:
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake.set()

    def add_after(self, key: Hashable, seconds: float) -> None:
        if self._shutting_down:
            return
        if seconds <= 0:
            self.add(key)
            return
        due = self.clock.now() + seconds
        current = self._delayed.get(key)
        if current is not None and current <= due:
            return
        self._delayed[key] = due
        heapq.heappush(self._heap, (due, next(self._order), key))
        self._wake.set()

    def add_rate_limited(self, key: Hashable) -> None:
        self.add_after(key, self.limiter.when(key))

    def forget(self, key: Hashable) -> None:
        """Stop tracking the key's failures: its next rate-limited add starts at 5 ms again."""
        self.limiter.forget(key)

    def num_requeues(self, key: Hashable) -> int:
        return self.limiter.failures(key)

    def done(self, key: Hashable) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake.set()

    def shutdown(self) -> None:
        """Stop accepting keys and wake every waiting `get()`; they return None once drained."""
        self._shutting_down = True
        self._delayed.clear()
        self._heap.clear()
        self._wake.set()

    async def get(self) -> Hashable | None:
        """The next key to process, waiting as long as needed; None after shutdown."""
        while True:
            self._promote_due()
            if self._queue:
                key = self._queue.popleft()
                self._processing.add(key)
                self._dirty.discard(key)
                return key
            if self._shutting_down:
                return None
            self._wake.clear()
            timeout = self._heap[0][0] - self.clock.now() if self._heap else None
            await self.clock.wait_for(self._wake, timeout)

    def _promote_due(self) -> None:
        now = self.clock.now()
        while self._heap and self._heap[0][0] <= now:
            due, _, key = heapq.heappop(self._heap)
            # A heap entry is stale when the key was re-delayed to an earlier time since.
            if self._delayed.get(key) == due:
                del self._delayed[key]
                self.add(key)

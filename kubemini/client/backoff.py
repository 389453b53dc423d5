"""Jittered exponential backoff, shared by every client retry loop.

Callers ask `next_delay()` after each failure and `reset()` after a success;
the delay doubles from `initial_seconds` up to `max_seconds`, and jitter
spreads the retries of many clients that failed together (an apiserver
restart drops every watch at once) so they do not return in lockstep.
"""

from __future__ import annotations

import asyncio
import random


class Backoff:
    def __init__(
        self,
        initial_seconds: float = 0.1,
        max_seconds: float = 10.0,
        *,
        factor: float = 2.0,
        jitter: float = 0.5,
        rng: random.Random | None = None,
    ):
        self.initial_seconds = initial_seconds
        self.max_seconds = max_seconds
        self.factor = factor
        self.jitter = jitter
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Delay before the next attempt; counts one more failure."""
        base = self.initial_seconds * (self.factor ** min(self.failures, 64))
        self.failures += 1
        base = min(base, self.max_seconds)
        # Jitter only adds, then the cap applies again: never wait past max_seconds.
        return min(base * (1.0 + self.jitter * self._rng.random()), self.max_seconds)

    def reset(self) -> None:
        self.failures = 0

    async def sleep(self) -> float:
        delay = self.next_delay()
        await asyncio.sleep(delay)
        return delay

"""How long a failed key waits before it is retried (client-go's default controller limiter).

`when(key)` is the larger of two delays:
- per key: 5 ms doubling on every failure, capped at 1000 s; `forget(key)` resets it;
- overall: a token bucket, 10 keys/s with bursts of 100, shared by every key,
  so a storm of failures cannot turn into a storm of API calls.
"""

from __future__ import annotations

from collections.abc import Hashable

from kubemini.client.clock import Clock, MonotonicClock

BASE_DELAY_SECONDS = 0.005
MAX_DELAY_SECONDS = 1000.0
BUCKET_QPS = 10.0
BUCKET_BURST = 100


class ItemExponentialBackoff:
    def __init__(self, base_delay_seconds: float = BASE_DELAY_SECONDS, max_delay_seconds: float = MAX_DELAY_SECONDS):
        self.base_delay_seconds = base_delay_seconds
        self.max_delay_seconds = max_delay_seconds
        self._failures: dict[Hashable, int] = {}

    def when(self, key: Hashable) -> float:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        if failures >= 64:  # 2**64 * 5 ms is past any cap; skip the float overflow.
            return self.max_delay_seconds
        return min(self.base_delay_seconds * (2**failures), self.max_delay_seconds)

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def failures(self, key: Hashable) -> int:
        return self._failures.get(key, 0)


class TokenBucket:
    """`qps` tokens a second, at most `burst` saved up."""

    def __init__(self, qps: float = BUCKET_QPS, burst: int = BUCKET_BURST, *, clock: Clock | None = None):
        self.qps = qps
        self.burst = burst
        self._clock = clock or MonotonicClock()
        self._tokens = float(burst)
        self._updated = self._clock.now()

    def _refill(self) -> None:
        now = self._clock.now()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.qps)
        self._updated = now

    def reserve(self) -> float:
        """Take a token, possibly one not yet earned; seconds until it is."""
        self._refill()
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def try_take(self) -> bool:
        """Take a token only if one is available now."""
        self._refill()
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class ControllerRateLimiter:
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        base_delay_seconds: float = BASE_DELAY_SECONDS,
        max_delay_seconds: float = MAX_DELAY_SECONDS,
        qps: float = BUCKET_QPS,
        burst: int = BUCKET_BURST,
    ):
        self.items = ItemExponentialBackoff(base_delay_seconds, max_delay_seconds)
        self.bucket = TokenBucket(qps, burst, clock=clock)

    def when(self, key: Hashable) -> float:
        return max(self.items.when(key), self.bucket.reserve())

    def forget(self, key: Hashable) -> None:
        self.items.forget(key)

    def failures(self, key: Hashable) -> int:
        return self.items.failures(key)

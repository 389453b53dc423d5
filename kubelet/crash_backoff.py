"""Restart back-off per container (CrashLoopBackOff) and per image (ImagePullBackOff).

Kubernetes' flowcontrol.Backoff, as the kubelet uses it:

    container exits at T ──► in_backoff(key, since=T)?
        yes ──► waiting CrashLoopBackOff until T + delay; wake then
        no  ──► next(key, at=T) (delay: 10 s, 20 s, 40 s, ... 300 s) and restart now

So the first restart is immediate, the second waits 10 s after the exit, the
third 20 s, and so on. A key untouched for 2 × the maximum (a container that
ran 10 minutes) starts again at the initial delay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from kubemini.api import timestamps

INITIAL_DELAY_SECONDS = 10.0
MAX_DELAY_SECONDS = 300.0


class Clock(Protocol):
    def now(self) -> float: ...


class WallClock:
    """Seconds since the epoch: container exit times come from the runtime as wall-clock stamps."""

    def now(self) -> float:
        return time.time()


@dataclass
class _Entry:
    delay: float
    last_update: float


class RestartBackoff:
    def __init__(
        self,
        *,
        initial_seconds: float = INITIAL_DELAY_SECONDS,
        max_seconds: float = MAX_DELAY_SECONDS,
        clock: Clock | None = None,
    ):
        self.initial_seconds = initial_seconds
        self.max_seconds = max_seconds
        self.clock = clock or WallClock()
        self._entries: dict[str, _Entry] = {}

    def _expired(self, entry: _Entry, at: float) -> bool:
        return at - entry.last_update > 2 * self.max_seconds

    def next(self, key: str, *, at: float | None = None) -> float:
        """Record a failure at `at` (default now); the delay the *next* failure will wait."""
        at = self.clock.now() if at is None else at
        entry = self._entries.get(key)
        if entry is None or self._expired(entry, at):
            entry = self._entries[key] = _Entry(self.initial_seconds, at)
        else:
            entry.delay = min(entry.delay * 2, self.max_seconds)
            entry.last_update = at
        return entry.delay

    def remaining(self, key: str, *, since: float | None = None) -> float:
        """Seconds still to wait after a failure at `since` (default: the last one recorded); 0 when none."""
        entry = self._entries.get(key)
        now = self.clock.now()
        if entry is None or self._expired(entry, now):
            return 0.0
        since = entry.last_update if since is None else since
        return max(0.0, since + entry.delay - now)

    def delay(self, key: str) -> float:
        entry = self._entries.get(key)
        return entry.delay if entry is not None else 0.0

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def forget_prefix(self, prefix: str) -> None:
        for key in [key for key in self._entries if key.startswith(prefix)]:
            del self._entries[key]


def exit_time(stamp: str | None, *, clock: Clock) -> float:
    """When a container exited (a runtime timestamp) on the wall clock; now when the runtime does not say."""
    if not stamp or stamp.startswith("0001-01-01"):
        return clock.now()
    return timestamps.parse(stamp).timestamp()


def go_duration(seconds: float) -> str:
    """10s, 1m20s, 5m0s: how Kubernetes prints back-off delays."""
    whole = int(seconds)
    return f"{whole // 60}m{whole % 60}s" if whole >= 60 else f"{whole}s"

"""Expectations: how many pod creations and which pod deletions a controller still waits to *see*.

    reconcile: expect_creations(key, n) ──► POST n pods ──► failed POSTs: creation_observed() each
    pod informer ADDED ──► creation_observed(owner key)
    reconcile: expect_deletions(key, pod keys) ──► DELETE them ──► failed DELETEs: deletion_observed()
    pod informer DELETED or deletionTimestamp set ──► deletion_observed(owner key, pod key)
    next reconcile: satisfied(key)? ── no ──► do not create or delete (the cache is behind our own writes)

This is what stops a lagging informer from causing over-creation: until every pod we
created has shown up in the cache, the cache's pod count is known to be low. A record
older than `ttl_seconds` counts as satisfied, so a lost watch event cannot wedge a
controller forever (client-go uses five minutes too).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

EXPECTATIONS_TTL_SECONDS = 300.0


@dataclass
class _Record:
    adds: int
    deletes: set[str] = field(default_factory=set)
    timestamp: float = 0.0


class Expectations:
    def __init__(self, *, ttl_seconds: float = EXPECTATIONS_TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._records: dict[str, _Record] = {}

    def satisfied(self, key: str) -> bool:
        record = self._records.get(key)
        if record is None:
            return True
        if record.adds <= 0 and not record.deletes:
            return True
        return self.clock() - record.timestamp > self.ttl_seconds

    def pending(self, key: str) -> tuple[int, int]:
        """(creations, deletions) still expected, for logs and tests."""
        record = self._records.get(key)
        return (max(record.adds, 0), len(record.deletes)) if record else (0, 0)

    def expect_creations(self, key: str, count: int) -> None:
        self._records[key] = _Record(adds=count, timestamp=self.clock())

    def expect_deletions(self, key: str, pod_keys: Iterable[str]) -> None:
        self._records[key] = _Record(adds=0, deletes=set(pod_keys), timestamp=self.clock())

    def creation_observed(self, key: str) -> None:
        record = self._records.get(key)
        if record is not None:
            record.adds -= 1

    def deletion_observed(self, key: str, pod_key: str) -> None:
        record = self._records.get(key)
        if record is not None:
            record.deletes.discard(pod_key)

    def forget(self, key: str) -> None:
        self._records.pop(key, None)

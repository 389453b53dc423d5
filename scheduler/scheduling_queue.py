"""The queue of pods waiting for a node, shaped like kube-scheduler's priority queue.

    informer: new pending pod ──► add ──► active (heap: higher spec.priority first, then older)
    scheduling loop ──► pop() ──► in flight ──► done (bound, or no longer ours)
                                     ├─ fits nowhere ──► requeue_unschedulable ──► unschedulable
                                     └─ bind failed  ──► requeue_backoff ──► backoff
    backoff (1 s doubling per failed attempt, at most 10 s) ──► active when it expires
    unschedulable ──► move_all_to_active(event) on a change that could make pods fit
                      (node added / changed, bound pod deleted), and flush_unschedulable()
                      for pods parked longer than 60 s; both honour the pod's backoff

A pod whose attempt overlaps a move event or a change to the pod itself goes to
backoff rather than unschedulable, so an event that arrives mid-attempt is never
lost (kube-scheduler's moveRequestCycle). Time comes from an injectable clock.
`drained` is set while pop() waits for a ready pod: best-effort writes (events) go then.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from dataclasses import dataclass

from kubemini.client.clock import Clock, MonotonicClock

INITIAL_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 10.0
UNSCHEDULABLE_MAX_SECONDS = 60.0

ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT = "active", "backoff", "unschedulable", "in_flight"


@dataclass(slots=True)
class QueuedPod:
    key: str
    priority: int
    created: str  # creationTimestamp: RFC 3339 strings of one format sort in time order
    first_queued: float
    attempts: int = 0
    last_failure: float = 0.0
    parked_at: float = 0.0
    cycle: int = 0
    changed_in_flight: bool = False


class SchedulingQueue:
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        initial_backoff_seconds: float = INITIAL_BACKOFF_SECONDS,
        max_backoff_seconds: float = MAX_BACKOFF_SECONDS,
        unschedulable_max_seconds: float = UNSCHEDULABLE_MAX_SECONDS,
    ):
        self.clock = clock or MonotonicClock()
        self.initial_backoff_seconds = initial_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.unschedulable_max_seconds = unschedulable_max_seconds
        self.cycle = 0
        self._move_request_cycle = -1
        self._entries: dict[str, QueuedPod] = {}
        self._where: dict[str, str] = {}
        self._parked: dict[str, QueuedPod] = {}  # the unschedulable pods, for cheap moves
        self._active: list[tuple[int, str, float, int, str]] = []
        self._backoff: list[tuple[float, int, str]] = []
        self._heap_seq: dict[str, int] = {}  # the live heap entry of a key; older ones are stale
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self.drained = asyncio.Event()  # set while pop() waits: no pod is ready to be scheduled

    # -- reading ---------------------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def location(self, key: str) -> str | None:
        return self._where.get(key)

    def lengths(self) -> dict[str, int]:
        counts = {ACTIVE: 0, BACKOFF: 0, UNSCHEDULABLE: 0, IN_FLIGHT: 0}
        for where in self._where.values():
            counts[where] += 1
        return counts

    def backoff_seconds(self, entry: QueuedPod) -> float:
        if entry.attempts <= 0:
            return 0.0
        return min(self.initial_backoff_seconds * 2 ** (entry.attempts - 1), self.max_backoff_seconds)

    def backoff_expiry(self, entry: QueuedPod) -> float:
        return entry.last_failure + self.backoff_seconds(entry)

    # -- informer side ---------------------------------------------------------------------------

    def add(self, key: str, *, priority: int = 0, created: str = "") -> None:
        """A pending pod appeared (or was seen again): queue it unless it is queued already."""
        if key in self._entries:
            return
        entry = QueuedPod(key, priority, created, first_queued=self.clock.now())
        self._entries[key] = entry
        self._push_active(entry)

    def update(self, key: str, *, priority: int = 0, created: str = "") -> None:
        """The pending pod's spec or labels changed: it may fit now, so look again soon."""
        entry = self._entries.get(key)
        if entry is None:
            self.add(key, priority=priority, created=created)
            return
        entry.priority, entry.created = priority, created
        where = self._where[key]
        if where == IN_FLIGHT:
            entry.changed_in_flight = True
        elif where == UNSCHEDULABLE:
            self._release(entry)
        elif where == ACTIVE:
            self._push_active(entry)  # the priority may have changed

    def delete(self, key: str) -> None:
        """The pod is gone, bound, or not ours any more; heap entries go stale."""
        if self._entries.pop(key, None) is not None:
            self._where.pop(key, None)
            self._heap_seq.pop(key, None)
            self._parked.pop(key, None)

    def move_all_to_active(self) -> int:
        """A cluster change may let parked pods fit: release every unschedulable pod."""
        self._move_request_cycle = self.cycle
        parked = list(self._parked.values())
        for entry in parked:
            self._release(entry)
        return len(parked)

    def flush_unschedulable(self) -> int:
        """Release pods that have waited UNSCHEDULABLE_MAX_SECONDS without any helpful event."""
        cutoff = self.clock.now() - self.unschedulable_max_seconds
        stale = [entry for entry in self._parked.values() if entry.parked_at <= cutoff]
        for entry in stale:
            self._release(entry)
        return len(stale)

    # -- scheduling loop side --------------------------------------------------------------------

    async def pop(self) -> QueuedPod:
        """The most important ready pod, waiting as long as needed; it is then in flight."""
        while True:
            self._promote_backoff()
            while self._active:
                _, _, _, seq, key = heapq.heappop(self._active)
                if self._heap_seq.get(key) == seq and self._where.get(key) == ACTIVE:
                    del self._heap_seq[key]
                    entry = self._entries[key]
                    self.cycle += 1
                    entry.cycle = self.cycle
                    entry.changed_in_flight = False
                    self._where[key] = IN_FLIGHT
                    self.drained.clear()
                    return entry
            self._wake.clear()
            self.drained.set()
            timeout = self._backoff[0][0] - self.clock.now() if self._backoff else None
            await self.clock.wait_for(self._wake, timeout)

    def done(self, key: str) -> None:
        """The attempt ended for good (bound, or dropped): forget the pod."""
        if self._where.get(key) == IN_FLIGHT:
            self.delete(key)

    def requeue_unschedulable(self, key: str) -> str | None:
        """The pod fit nowhere. Park it, or back it off if something changed during the attempt."""
        entry = self._failed(key)
        if entry is None:
            return None
        if entry.changed_in_flight or self._move_request_cycle >= entry.cycle:
            self._push_backoff(entry)
        else:
            entry.parked_at = self.clock.now()
            self._where[key] = UNSCHEDULABLE
            self._parked[key] = entry
        return self._where[key]

    def requeue_backoff(self, key: str) -> str | None:
        """The attempt failed for a reason other than fit (the binding call): retry after backoff."""
        entry = self._failed(key)
        if entry is None:
            return None
        self._push_backoff(entry)
        return BACKOFF

    # -- internals -------------------------------------------------------------------------------

    def _failed(self, key: str) -> QueuedPod | None:
        if self._where.get(key) != IN_FLIGHT:
            return None  # deleted (or bound by someone else) while in flight
        entry = self._entries[key]
        entry.attempts += 1
        entry.last_failure = self.clock.now()
        return entry

    def _release(self, entry: QueuedPod) -> None:
        self._parked.pop(entry.key, None)
        if self.backoff_expiry(entry) > self.clock.now():
            self._push_backoff(entry)
        else:
            self._push_active(entry)

    def _push_active(self, entry: QueuedPod) -> None:
        seq = next(self._order)
        self._heap_seq[entry.key] = seq
        self._where[entry.key] = ACTIVE
        heapq.heappush(self._active, (-entry.priority, entry.created, entry.first_queued, seq, entry.key))
        self._wake.set()

    def _push_backoff(self, entry: QueuedPod) -> None:
        seq = next(self._order)
        self._heap_seq[entry.key] = seq
        self._where[entry.key] = BACKOFF
        heapq.heappush(self._backoff, (self.backoff_expiry(entry), seq, entry.key))
        self._wake.set()

    def _promote_backoff(self) -> None:
        now = self.clock.now()
        while self._backoff and self._backoff[0][0] <= now:
            _, seq, key = heapq.heappop(self._backoff)
            if self._heap_seq.get(key) == seq and self._where.get(key) == BACKOFF:
                self._push_active(self._entries[key])

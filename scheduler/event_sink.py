"""Best-effort Event writing that never slows scheduling down.

    scheduling loop / binder ──► post(obj, type, reason, message) ──► bounded queue
        full ──► drop (counted), as client-go's event broadcaster drops when its buffer is full
    worker ──► wait_turn() (leading.py: no pod waits in the active queue, and the binder
               has slack, at most half its binding slots busy)
           ──► EventRecorder.record() (dedup, count bumps, spam filter; never raises)

Events are for humans: a burst of ten thousand bindings must not wait for ten
thousand Event writes, nor share the apiserver with them (an Event create costs it
about what a binding does), so while pods wait to be scheduled or bindings fill the
binder the events wait, and are written in the lulls. The queue holds a
ten-thousand-pod backlog's events; beyond that they are shed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from kubemini.client.events import EventRecorder

EVENT_QUEUE_CAPACITY = 10_000
DROP_LOG_EVERY = 100

log = logging.getLogger(__name__)


def identity_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object without its resourceVersion: a retry after our own status write is the same
    object to the recorder's deduplication, so its FailedScheduling event counts up."""
    metadata = obj.get("metadata") or {}
    return {
        "apiVersion": obj.get("apiVersion") or "v1",
        "kind": obj.get("kind") or "Pod",
        "metadata": {key: metadata[key] for key in ("namespace", "name", "uid") if key in metadata},
    }


class EventSink:
    def __init__(
        self,
        recorder: EventRecorder,
        *,
        capacity: int = EVENT_QUEUE_CAPACITY,
        on_drop: Callable[[], Any] = lambda: None,
        wait_turn: Callable[[], Awaitable[None]] | None = None,
    ):
        self.recorder = recorder
        self.on_drop = on_drop
        self.wait_turn = wait_turn
        self.dropped = 0
        self.written = 0
        self._queue: asyncio.Queue[tuple[Mapping[str, Any], str, str, str]] = asyncio.Queue(capacity)

    def post(self, obj: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        try:
            self._queue.put_nowait((identity_of(obj), type_, reason, message))
        except asyncio.QueueFull:
            self.dropped += 1
            self.on_drop()
            if self.dropped % DROP_LOG_EVERY == 1:
                log.warning("event queue full: dropped %d events so far", self.dropped, extra={"reason": reason})

    def pending(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        while True:
            obj, type_, reason, message = await self._queue.get()
            if self.wait_turn is not None:
                await self.wait_turn()
            await self.recorder.record(obj, type_, reason, message)
            self.written += 1

    async def drain(self, timeout_seconds: float) -> None:
        """Wait (bounded) until everything posted so far was written; for tests and shutdown."""
        async with asyncio.timeout(timeout_seconds):
            while not self._queue.empty():
                await asyncio.sleep(0.01)

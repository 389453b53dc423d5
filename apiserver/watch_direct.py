"""A live watch's events written straight to its connection from the watch cache's fan-out.

    watch cache fan-out ──► watcher.deliver(type, event) ──► WatchLine.try_write: the stream task
                            is parked with nothing queued or held, the connection is not paused,
                            and its last write is WRITE_INTERVAL old ──► one chunked write
                        └─► refused ──► the watcher's queue, drained by the stream task as before

One event going to a thousand watches would otherwise wake a thousand tasks (a queue put, a task
step, the response's `send` for each), which costs more than the writes themselves. The direct
path needs uvicorn's HTTP/1.1 cycle under the response's `send`, the server this apiserver runs;
under any other server the queue path serves every event. Order is kept: a direct write happens
only while the stream task holds no event and none is queued, and the task marks itself parked
only when the queue is empty. An event that fails to encode is left to the queue path too, so the
error ends that one watch in its own task and never the fan-out to the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import StreamingResponse

# What this module reads or uses of uvicorn's RequestResponseCycle (httptools and h11 both have them).
_CYCLE_ATTRIBUTES = ("transport", "flow", "chunked_encoding", "disconnected", "response_complete")


class WatchLine:
    """What the stream task and the fan-out share about one watch's connection."""

    def __init__(self, interval: float, clock: Callable[[], float]):
        self.interval = interval
        self.clock = clock
        self.parked = False  # the stream task waits on an empty queue and holds nothing
        self.last_revision = 0  # the newest event written, by either path
        self.written_at = -interval
        self._cycle: Any = None
        self._encode: Callable[[str, Any, list[bytes]], None] | None = None

    def attach(self, send, encode: Callable[[str, Any, list[bytes]], None]) -> None:
        """Use `send`'s connection directly when it is uvicorn's chunked HTTP/1.1 response cycle."""
        cycle = getattr(send, "__self__", None)
        if all(hasattr(cycle, name) for name in _CYCLE_ATTRIBUTES):
            self._cycle, self._encode = cycle, encode

    def try_write(self, event_type: str, event) -> bool:
        """Writes the event now and says so, or says no and leaves it to the queue path."""
        cycle = self._cycle
        if (
            cycle is None
            or not self.parked
            or event.revision <= self.last_revision
            or cycle.disconnected
            or cycle.flow.write_paused
            or not cycle.chunked_encoding
            or cycle.response_complete
        ):
            return False
        now = self.clock()
        if now - self.written_at < self.interval:
            return False
        lines: list[bytes] = []
        try:
            self._encode(event_type, event, lines)  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - the fan-out goes on; the stream task meets the error and ends this watch
            return False
        body = b"".join(lines)
        cycle.transport.write(b"%x\r\n%b\r\n" % (len(body), body))
        self.written_at = now
        self.last_revision = event.revision
        return True


class WatchResponse(StreamingResponse):
    """A StreamingResponse that hands its `send` to the watch's WatchLine before streaming."""

    def __init__(self, content, line: WatchLine, encode, **kwargs):
        super().__init__(content, **kwargs)
        self._line, self._encode = line, encode

    async def __call__(self, scope, receive, send) -> None:
        self._line.attach(send, self._encode)
        await super().__call__(scope, receive, send)

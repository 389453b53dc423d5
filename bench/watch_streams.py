"""Many watch streams at a small client cost, for bench/api.py: raw TLS sockets, no HTTP library.

    WatchCrowd(url, path, token, count).open()  in a thread of its own: `count` watches of `path`,
                                                 each read in large chunks and (by default) dropped
    crowd.close()                                every stream closed, the thread ended
    with on_chunk(arrived_at, data) each chunk read is handed over with its arrival time, which is
    how delivery latency is measured: a Python HTTP client parsing 1,000 streams would be slower
    than the server it measures. Each stream is an asyncio Protocol, so a chunk is handed over from
    the loop's read callback (no task woken per stream and event, as a StreamReader would).

Requests carry the bench user's bearer token, so RBAC decides each watch as it decides wrk's
requests; the connection verifies the server against the cluster CA.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import uvloop


class WatchStream(asyncio.Protocol):
    """One watch connection: sends the request, checks the answer's head, then hands over chunks."""

    def __init__(self, request: bytes, crowd: WatchCrowd):
        self.request, self.crowd = request, crowd
        self.head = b""
        self.answered: asyncio.Future = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        arrived = time.time()
        if not self.answered.done():
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            head, _, data = self.head.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                self.answered.set_exception(RuntimeError(f"watch refused: {head[:200]!r}"))
                return
            self.answered.set_result(None)
            if not data:
                return
        self.crowd.bytes_read += len(data)
        if self.crowd.on_chunk is not None:
            self.crowd.on_chunk(arrived, data)

    def connection_lost(self, exc) -> None:
        if not self.answered.done():
            self.answered.set_exception(RuntimeError(f"watch connection lost before its answer: {exc}"))


class WatchCrowd:
    def __init__(
        self,
        url: str,
        path: str,
        *,
        token: str,
        count: int,
        ca_path: str,
        on_chunk: Callable[[float, bytes], None] | None = None,
    ):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.path, self.token, self.count = path, token, count
        self.context = ssl.create_default_context(cafile=ca_path)
        self.on_chunk = on_chunk
        self.bytes_read = 0
        self._loop = uvloop.new_event_loop()  # the faster loop: the client must cost little
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._streams: list[WatchStream] = []

    def open(self) -> WatchCrowd:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open_all(), self._loop).result(timeout=300)
        return self

    async def _open_all(self) -> None:
        for start in range(0, self.count, 50):  # not all handshakes at once: the listen backlog is finite
            await asyncio.gather(*[self._open_one() for _ in range(min(50, self.count - start))])

    async def _open_one(self) -> None:
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        loop = asyncio.get_running_loop()
        _, stream = await loop.create_connection(
            lambda: WatchStream(request, self), self.host, self.port, ssl=self.context
        )
        self._streams.append(stream)
        await stream.answered

    def close(self) -> None:
        async def close_all() -> None:
            for stream in self._streams:
                if stream.transport is not None:
                    stream.transport.close()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=60)

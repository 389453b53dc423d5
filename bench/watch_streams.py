"""Many watch streams at a small client cost, for bench/api.py: raw TLS sockets, no HTTP library.

    WatchCrowd(url, path, token, count).open()  in a thread of its own: `count` watches of `path`,
                                                 each read in large chunks and (by default) dropped
    crowd.close()                                every stream closed, the thread ended
    with on_chunk(arrived_at, data) each chunk read is handed over with its arrival time, which is
    how delivery latency is measured: a Python HTTP client parsing 1,000 streams would be slower
    than the server it measures.

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

READ_BYTES = 1 << 16


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
        self._writers: list[asyncio.StreamWriter] = []
        self._readers: list[asyncio.Task] = []

    def open(self) -> WatchCrowd:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open_all(), self._loop).result(timeout=300)
        return self

    async def _open_all(self) -> None:
        for start in range(0, self.count, 50):  # not all handshakes at once: the listen backlog is finite
            await asyncio.gather(*[self._open_one() for _ in range(min(50, self.count - start))])

    async def _open_one(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self.context)
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nAccept: application/json\r\n\r\n"
        )
        writer.write(request.encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"watch refused: {head[:200]!r}")
        self._writers.append(writer)
        self._readers.append(asyncio.get_running_loop().create_task(self._drain(reader)))

    async def _drain(self, reader: asyncio.StreamReader) -> None:
        while data := await reader.read(READ_BYTES):
            self.bytes_read += len(data)
            if self.on_chunk is not None:
                self.on_chunk(time.time(), data)

    def close(self) -> None:
        async def close_all() -> None:
            for writer in self._writers:
                writer.close()
            for task in self._readers:
                task.cancel()
            await asyncio.gather(*self._readers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=60)

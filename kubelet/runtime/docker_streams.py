"""Blocking Docker streams (logs, events) turned into async iterators.

    docker-py CancellableStream ──(one daemon thread per stream)──► bounded asyncio.Queue ──► async for

A stream lives as long as its reader: closing the async iterator closes the
Docker stream, which ends the thread. Streams get their own thread instead of
a slot in the runtime's bounded pool, so a hundred `kubectl logs -f` never
starve container starts. The queue is bounded: a slow log reader slows the
thread that reads Docker (back-pressure), it never grows memory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

QUEUE_CHUNKS = 64
PUT_POLL_SECONDS = 0.5
_END = object()


async def iterate_blocking(
    stream: Iterable[Any], *, close: Callable[[], None], name: str, drop_when_full: bool = False
) -> AsyncIterator[Any]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_CHUNKS)
    closed = threading.Event()

    def put(item: Any) -> None:
        if drop_when_full:
            loop.call_soon_threadsafe(_put_or_drop, queue, item)
            return
        future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while not closed.is_set():
            try:
                future.result(PUT_POLL_SECONDS)
                return
            except concurrent.futures.TimeoutError:
                continue
        future.cancel()

    def pump() -> None:
        error: BaseException | None = None
        try:
            for item in stream:
                if closed.is_set():
                    return
                put(item)
        except Exception as exc:  # noqa: BLE001 - handed to the reader, which decides
            error = exc
        finally:
            marker = error if error is not None else _END
            if closed.is_set() or loop.is_closed():
                pass
            elif drop_when_full:
                loop.call_soon_threadsafe(_put_last, queue, marker)
            else:
                put(marker)

    thread = threading.Thread(target=pump, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                if closed.is_set():
                    return
                raise item
            yield item
    finally:
        closed.set()
        await asyncio.to_thread(_quietly, close)


def _put_last(queue: asyncio.Queue[Any], item: Any) -> None:
    if queue.full():
        queue.get_nowait()  # the end marker must get through: drop the oldest nudge instead
    _put_or_drop(queue, item)


def _put_or_drop(queue: asyncio.Queue[Any], item: Any) -> None:
    try:
        queue.put_nowait(item)
    except asyncio.QueueFull:
        pass


def _quietly(close: Callable[[], None]) -> None:
    try:
        close()
    except Exception:  # noqa: BLE001 - closing an already broken stream
        pass

"""An asyncio loop in a background thread, for helpers that act like cluster components inside a test.

    start() ──► thread ──► asyncio.run(main()) ──► main() calls ready() once it is up
    stop()  ──► the loop's `stopping` event is set ──► main() returns ──► thread joined
An exception before ready() is raised by start(); the test thread never touches the loop's objects
except through `call()` (call_soon_threadsafe).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

START_DEADLINE_SECONDS = 20.0


class BackgroundLoop:
    thread_name = "background-loop"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    async def main(self) -> None:
        raise NotImplementedError

    def ready(self) -> None:
        self._ready.set()

    def start(self) -> Any:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not self._ready.wait(START_DEADLINE_SECONDS) or self._error is not None:
            raise RuntimeError(f"{self.thread_name} did not start: {self._error!r}")
        return self

    def call(self, function: Callable[..., Any], *args: Any) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(function, *args)

    def stop(self) -> None:
        if self._loop is not None and self.stopping is not None:
            self._loop.call_soon_threadsafe(self.stopping.set)
        if self._thread is not None:
            self._thread.join(30)
            if self._thread.is_alive():
                raise AssertionError(f"{self.thread_name} still running 30 s after it was asked to stop")

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # noqa: BLE001 - reported to start() / the test
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
        await self.main()

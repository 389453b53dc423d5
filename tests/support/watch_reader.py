"""Read a Kubernetes watch stream in a background thread, for assertions with deadlines."""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx

from tests.support.api_http import api_http


class WatchReader:
    def __init__(self, base_url: str, path: str, **params: str):
        self.events: queue.Queue = queue.Queue()
        self._client = api_http(base_url=base_url, timeout=httpx.Timeout(60, read=120))
        self._stream = self._client.stream("GET", path, params={"watch": "true", **params})
        self.response = self._stream.__enter__()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines():
                if line.strip():
                    self.events.put(json.loads(line))
        except (httpx.HTTPError, ValueError) as exc:
            self.events.put({"type": "READ_ERROR", "object": str(exc)})
        self.events.put(None)

    def next(self, deadline_seconds: float = 10) -> dict | None:
        """The next event, or None when the stream ended; AssertionError on timeout."""
        try:
            return self.events.get(timeout=deadline_seconds)
        except queue.Empty:
            raise AssertionError(f"no watch event within {deadline_seconds}s") from None

    def take(self, count: int, *, deadline_seconds: float = 20, skip_bookmarks: bool = True) -> list[dict]:
        collected: list[dict] = []
        deadline = time.monotonic() + deadline_seconds
        while len(collected) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"expected {count} watch events, got {len(collected)}: {collected[-3:]}")
            event = self.next(remaining)
            if event is None:
                raise AssertionError(f"watch ended after {len(collected)} of {count} events")
            if skip_bookmarks and event["type"] == "BOOKMARK":
                continue
            collected.append(event)
        return collected

    def close(self) -> None:
        self._stream.__exit__(None, None, None)
        self._client.close()

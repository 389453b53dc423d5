"""Read a Kubernetes watch stream in a background thread, for assertions with deadlines.

`resume=True` re-watches from the last delivered resourceVersion when the stream breaks mid-way, as
client-go's reflector does (known issue, issue 19 note: a TLS watch stream is sometimes cut under the
Docker rollout e2e; plain HTTP is not, and the cause is not found yet).
"""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx

from tests.support.api_http import api_http

MAX_RESUMES = 5


class WatchReader:
    def __init__(self, base_url: str, path: str, *, resume: bool = False, **params: str):
        self.events: queue.Queue = queue.Queue()
        self.resumes = 0
        self._closed = False
        self._resume = resume
        self._path, self._params = path, {"watch": "true", **params}
        self._client = api_http(base_url=base_url, timeout=httpx.Timeout(60, read=120))
        self._stream = self._client.stream("GET", path, params=self._params)
        self.response = self._stream.__enter__()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                for line in self.response.iter_lines():
                    if line.strip():
                        event = json.loads(line)
                        version = ((event.get("object") or {}).get("metadata") or {}).get("resourceVersion")
                        if version:
                            self._params["resourceVersion"] = version
                        self.events.put(event)
                break
            except (httpx.HTTPError, ValueError, RuntimeError) as exc:
                if self._closed or not self._resume or self.resumes >= MAX_RESUMES:
                    self.events.put({"type": "READ_ERROR", "object": str(exc)})
                    break
                self.resumes += 1
                try:
                    self._stream = self._client.stream("GET", self._path, params=self._params)
                    self.response = self._stream.__enter__()
                except (httpx.HTTPError, RuntimeError) as again:
                    self.events.put({"type": "READ_ERROR", "object": str(again)})
                    break
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
        self._closed = True
        self._stream.__exit__(None, None, None)
        self._client.close()

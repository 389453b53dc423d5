"""Read a Kubernetes watch stream in a background thread, for assertions with deadlines.

`resume=True` re-watches from the last delivered resourceVersion when the stream breaks mid-way, as
client-go's reflector does.

close() never closes the socket under the reader thread: it shuts the connection down (the blocked
read returns), waits for the thread, then closes. Closing first would free the fd number while the
thread's TLS object still reads and writes that number: the next connection gets it, the old session
decrypts the new one's records (bad record MAC) and sends its alert into it, cutting that stream.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time

import httpx

from tests.support.api_http import api_http

MAX_RESUMES = 5
JOIN_SECONDS = 10.0


class WatchReader:
    def __init__(self, base_url: str, path: str, *, resume: bool = False, **params: str):
        self.events: queue.Queue = queue.Queue()
        self.resumes = 0
        self._closed = False
        self._lock = threading.Lock()  # close() vs. the reader thread swapping in a resumed stream
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
                if self._closed:
                    break  # close() shut the connection down under the read: the end, not an error
                if not self._resume or self.resumes >= MAX_RESUMES:
                    self.events.put({"type": "READ_ERROR", "object": str(exc)})
                    break
                if not self._reopen():
                    break
        self.events.put(None)

    def _reopen(self) -> bool:
        """In the reader thread: the broken stream is closed here (no other thread reads it), a new one opened."""
        self.resumes += 1
        with self._lock:
            if self._closed:
                return False
            self._stream.__exit__(None, None, None)
            try:
                self._stream = self._client.stream("GET", self._path, params=self._params)
                self.response = self._stream.__enter__()
            except (httpx.HTTPError, RuntimeError) as again:
                self.events.put({"type": "READ_ERROR", "object": str(again)})
                return False
        return True

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

    def reading(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            stream = self.response.extensions.get("network_stream")
            raw = stream.get_extra_info("socket") if stream is not None else None
            if raw is not None:
                try:  # the plain socket's shutdown: the TLS object stays the reader thread's alone
                    socket.socket.shutdown(raw, socket.SHUT_RDWR)
                except OSError:
                    pass  # already shut down or closed
        self._thread.join(JOIN_SECONDS)
        if self._thread.is_alive():  # never close an fd another thread still reads: leave it to that thread
            return
        self._stream.__exit__(None, None, None)
        self._client.close()

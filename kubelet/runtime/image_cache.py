"""Image inspections remembered for a few seconds: a pod start asks about its image twice or more.

    image_present / image_user ──► ImageCache.get(ref) ──► fresh hit: no Docker call
                                                     └─► miss: inspect ──► put(ref, attrs)
    pull_image(ref) ──► forget(ref)                 (the tag may point elsewhere now)

Only found images are kept (a missing one is asked about again each time, so
a pull or `docker load` shows at once), and only for TTL_SECONDS: a tag moved
or an image removed behind the kubelet's back is noticed within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

TTL_SECONDS = 10.0
MAX_ENTRIES = 512


class ImageCache:
    def __init__(self, *, ttl_seconds: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, ref: str) -> dict[str, Any] | None:
        entry = self._entries.get(ref)
        if entry is None:
            return None
        if self._clock() - entry[0] > self.ttl_seconds:
            del self._entries[ref]
            return None
        return entry[1]

    def put(self, ref: str, attrs: dict[str, Any]) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[ref] = (self._clock(), attrs)

    def forget(self, ref: str) -> None:
        self._entries.pop(ref, None)

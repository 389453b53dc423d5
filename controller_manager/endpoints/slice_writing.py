"""Carrying out a SlicePlan, and knowing when the slice cache is behind our own writes.

    plan ──► DELETE / PUT / POST (generateName) each slice ──► tracker.wrote(owner key, name, revision)
    next reconcile: tracker.behind(owner key, cached slices)? ── yes ──► wait for the informer
                                                              (its event enqueues the owner again)
Without the tracker a lagging cache would show a slice we just created as missing and we would
create it again (upstream's EndpointSliceTracker does the same). A record older than
TRACKER_TTL_SECONDS is dropped, so a lost watch event cannot wedge a Service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from controller_manager.endpoints.slices import SlicePlan
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import NotFound

ENDPOINT_SLICE = by_kind("EndpointSlice")
TRACKER_TTL_SECONDS = 30.0
DELETED = ""


def _revision(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


class SliceTracker:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._written: dict[str, tuple[float, dict[str, str]]] = {}

    def wrote(self, owner_key: str, name: str, revision: str) -> None:
        stamp, names = self._written.get(owner_key, (self.clock(), {}))
        names[name] = revision
        self._written[owner_key] = (self.clock(), names)

    def behind(self, owner_key: str, cached: list[Mapping[str, Any]]) -> bool:
        record = self._written.get(owner_key)
        if record is None:
            return False
        stamp, names = record
        if self.clock() - stamp > TRACKER_TTL_SECONDS:
            self._written.pop(owner_key, None)
            return False
        seen = {(s.get("metadata") or {}).get("name"): (s.get("metadata") or {}).get("resourceVersion") for s in cached}
        for name, revision in names.items():
            if revision == DELETED and name in seen:
                return True
            if revision != DELETED and _revision(seen.get(name)) < _revision(revision):
                return True
        self._written.pop(owner_key, None)
        return False

    def forget(self, owner_key: str) -> None:
        self._written.pop(owner_key, None)


async def carry_out(client: ApiClient, plan: SlicePlan, *, owner_key: str, tracker: SliceTracker) -> None:
    """Deletes first (room for the rest), then updates, then creates; a Conflict propagates
    (the base requeues with backoff and the next attempt reads the fresh slices)."""
    for stale in plan.delete:
        meta = stale.get("metadata") or {}
        try:
            await client.delete(ENDPOINT_SLICE, meta["name"], namespace=meta.get("namespace"))
        except NotFound:
            pass
        tracker.wrote(owner_key, meta["name"], DELETED)
    for wanted in plan.update:
        written = await client.update(ENDPOINT_SLICE, wanted)
        tracker.wrote(owner_key, written["metadata"]["name"], written["metadata"]["resourceVersion"])
    for body in plan.create:
        created = await client.create(ENDPOINT_SLICE, body, namespace=body["metadata"].get("namespace"))
        tracker.wrote(owner_key, created["metadata"]["name"], created["metadata"]["resourceVersion"])

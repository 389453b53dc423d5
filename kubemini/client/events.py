"""Recording core/v1 Events that tell humans what a component did and why.

    record(obj, type, reason, message)
        │ key = (involved object, type, reason, message, component, host)
        ├─ not seen within DEDUP_WINDOW_SECONDS ──► POST a new Event (count 1)
        └─ seen ──► count += 1 ──► PATCH count + lastTimestamp of that Event
    every write first takes a token from the involved object's spam bucket;
    without one the repeat is only counted locally and rides on the next write.

So a crash loop makes one Event whose count climbs, with a bounded number of
writes, never thousands of objects. The cache is an LRU of the most recent
keys. Recording never raises into the caller: a lost Event is logged, not a
reason to fail a reconcile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemini.api import timestamps
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.clock import Clock, MonotonicClock
from kubemini.client.errors import NotFound
from kubemini.client.rate_limiting import TokenBucket

EVENT = by_kind("Event")
NORMAL = "Normal"
WARNING = "Warning"
DEDUP_WINDOW_SECONDS = 600.0
CACHE_SIZE = 4096
WRITE_TIMEOUT_SECONDS = 5.0
# client-go's spam filter: 25 writes at once per object, then one every 5 minutes.
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0

log = logging.getLogger(__name__)


def object_reference(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    reference = {
        "kind": obj.get("kind"),
        "apiVersion": obj.get("apiVersion"),
        "namespace": meta.get("namespace"),
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "resourceVersion": meta.get("resourceVersion"),
    }
    return {field: value for field, value in reference.items() if value}


@dataclass
class _Seen:
    name: str
    namespace: str
    count: int
    written_count: int
    last_seen: float


class EventRecorder:
    def __init__(
        self,
        client: ApiClient,
        *,
        component: str,
        host: str | None = None,
        dedup_window_seconds: float = DEDUP_WINDOW_SECONDS,
        cache_size: int = CACHE_SIZE,
        spam_burst: int = SPAM_BURST,
        spam_qps: float = SPAM_QPS,
        clock: Clock | None = None,
    ):
        self.client = client
        self.component = component
        self.host = host
        self.dedup_window_seconds = dedup_window_seconds
        self.cache_size = cache_size
        self.spam_burst = spam_burst
        self.spam_qps = spam_qps
        self.clock = clock or MonotonicClock()
        self.writes = 0
        self._seen: OrderedDict[tuple[Any, ...], _Seen] = OrderedDict()
        self._buckets: OrderedDict[tuple[Any, ...], TokenBucket] = OrderedDict()
        self._lock = asyncio.Lock()

    async def record(self, obj: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        """Write (or bump) the Event; never raises, waits at most WRITE_TIMEOUT_SECONDS."""
        reference = object_reference(obj)
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_SECONDS), self._lock:
                await self._record(reference, type_, reason, message)
        except Exception as error:
            log.warning(
                "could not record event %s %s for %s/%s: %s",
                type_,
                reason,
                reference.get("namespace", ""),
                reference.get("name"),
                error,
                extra={"component": self.component, "reason": reason},
            )

    def _cached(self, key: tuple[Any, ...], now: float) -> _Seen | None:
        seen = self._seen.get(key)
        if seen is None or now - seen.last_seen > self.dedup_window_seconds:
            return None
        self._seen.move_to_end(key)
        return seen

    def _remember(self, key: tuple[Any, ...], seen: _Seen) -> None:
        self._seen[key] = seen
        self._seen.move_to_end(key)
        while len(self._seen) > self.cache_size:
            self._seen.popitem(last=False)

    def _take_token(self, reference: Mapping[str, Any]) -> bool:
        key = (reference.get("kind"), reference.get("namespace"), reference.get("name"), reference.get("uid"))
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.spam_qps, self.spam_burst, clock=self.clock)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.cache_size:
            self._buckets.popitem(last=False)
        return bucket.try_take()

    async def _record(self, reference: dict[str, Any], type_: str, reason: str, message: str) -> None:
        # Like client-go's event key: the object's identity, not its resourceVersion, so a crash
        # loop that updates the pod between events still bumps one Event's count.
        identity = tuple(sorted((k, v) for k, v in reference.items() if k != "resourceVersion"))
        key = (identity, type_, reason, message, self.component, self.host)
        now = self.clock.now()
        seen = self._cached(key, now)
        if seen is not None:
            seen.count += 1
            seen.last_seen = now
            if not self._take_token(reference):
                return
            try:
                await self.client.patch(
                    EVENT,
                    seen.name,
                    {"count": seen.count, "lastTimestamp": timestamps.now()},
                    namespace=seen.namespace,
                )
                seen.written_count = seen.count
                self.writes += 1
                return
            except NotFound:
                pass  # Deleted (events expire): write a fresh one carrying the count so far.
        elif not self._take_token(reference):
            return
        count = seen.count if seen is not None else 1
        created = await self.client.create(EVENT, self._new_event(reference, type_, reason, message, count))
        meta = created.get("metadata") or {}
        self._remember(key, _Seen(meta["name"], meta["namespace"], count, count, now))
        self.writes += 1

    def _new_event(
        self, reference: dict[str, Any], type_: str, reason: str, message: str, count: int
    ) -> dict[str, Any]:
        stamp = timestamps.now()
        # Cluster-scoped objects (nodes) have their events in `default`, as in Kubernetes.
        namespace = reference.get("namespace") or "default"
        source = {"component": self.component}
        if self.host:
            source["host"] = self.host
        return {
            "apiVersion": EVENT.api_version,
            "kind": EVENT.kind,
            "metadata": {
                "name": f"{reference.get('name', 'unknown')}.{time.time_ns():x}",
                "namespace": namespace,
            },
            "involvedObject": reference,
            "reason": reason,
            "message": message,
            "type": type_,
            "count": count,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "source": source,
            "reportingComponent": self.component,
            "reportingInstance": self.host or "",
        }

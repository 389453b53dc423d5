"""Watch cache: one etcd watch per resource type, fanned out to every HTTP watcher.

Data flow: etcd list at revision S → `objects`; etcd watch from S+1 → apply
each event to `objects`, append it to a bounded window of recent events and
offer it to every registered watcher's bounded queue. A watcher whose queue
is full is cut off (its stream ends; the client re-watches), so one slow
reader never stalls the others. A watch from revision R is served from the
window when R is inside it, otherwise it is answered 410 Gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from apiserver.storage.backend import Backend, StorageEvent
from apiserver.storage.errors import Compacted, StorageError
from kubemini import json_codec

log = logging.getLogger("apiserver.watch_cache")

WINDOW_EVENTS = 10000
WATCHER_QUEUE_EVENTS = 2048
BOOKMARK_INTERVAL_SECONDS = 5.0
RETRY_SECONDS = 0.5


class TooOldResourceVersion(Exception):
    def __init__(self, requested: int, oldest: int):
        super().__init__(f"too old resource version: {requested} ({oldest})")


@dataclass
class CacheEvent:
    type: str  # ADDED, MODIFIED, DELETED
    key: str
    obj: dict
    prev: dict | None
    revision: int
    _json: bytes | None = None

    def object_json(self) -> bytes:
        if self._json is None:
            self._json = json_codec.dumps(self.obj)
        return self._json


Filter = Callable[[dict], bool]


@dataclass(eq=False)
class Watcher:
    """One HTTP watch: a filter, a bounded queue, and a flag for being cut off."""

    matches: Filter
    bookmarks: bool
    queue_events: int = WATCHER_QUEUE_EVENTS
    queue: asyncio.Queue = field(init=False)
    closed: bool = False
    # The revision of the last event or bookmark offered; None until the first.
    last_revision: int | None = None

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_events)

    def offer(self, item: tuple[str, object]) -> bool:
        try:
            self.queue.put_nowait(item)
            return True
        except asyncio.QueueFull:
            return False

    def close(self) -> None:
        self.closed = True
        # Wake the reader; if the queue is full the reader sees `closed` after draining.
        try:
            self.queue.put_nowait(("CLOSE", None))
        except asyncio.QueueFull:
            pass


def translate(event: CacheEvent, matches: Filter) -> str | None:
    """The event type this watcher sees, given whether old and new states match its filter."""
    new_match = event.type != "DELETED" and matches(event.obj)
    old_match = event.prev is not None and matches(event.prev)
    if event.type == "DELETED":
        return "DELETED" if old_match or matches(event.obj) else None
    if new_match and (old_match or event.type == "ADDED"):
        return event.type
    if new_match:
        return "ADDED"
    if old_match:
        return "DELETED"
    return None


class WatchCache:
    def __init__(self, store: Backend, resource, *, queue_events: int = WATCHER_QUEUE_EVENTS):
        self._store = store
        self._queue_events = queue_events
        self.resource = resource
        self.objects: dict[str, dict] = {}
        self.revision = 0
        self.window: deque[CacheEvent] = deque(maxlen=WINDOW_EVENTS)
        self.window_start = 0
        self.watchers: set[Watcher] = set()
        self.ready = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._send_bookmarks())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.close_watchers()

    def close_watchers(self) -> None:
        for watcher in list(self.watchers):
            watcher.close()
        self.watchers.clear()

    async def _relist(self) -> None:
        page = await self._store.list(self.resource.storage_prefix())
        items, revision = page.items, page.revision
        for watcher in list(self.watchers):
            watcher.close()  # they may have missed events; their clients re-watch
        self.watchers.clear()
        self.objects = {item.key: item.obj for item in items}
        self.revision = revision
        self.window.clear()
        self.window_start = revision
        self.ready.set()

    async def _run(self) -> None:
        needs_list = True
        while True:
            try:
                if needs_list:
                    await self._relist()
                    needs_list = False
                async for event in self._store.watch(self.resource.storage_prefix(), start_revision=self.revision + 1):
                    self._apply(event)
            except Compacted:
                log.warning("watch cache for %s fell behind compaction; relisting", self.resource.plural)
                needs_list = True
            except StorageError as exc:
                log.warning("watch cache for %s lost etcd (%s); retrying", self.resource.plural, exc)
                await asyncio.sleep(RETRY_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep the cache alive whatever etcd sends
                log.exception("watch cache for %s failed; relisting", self.resource.plural)
                needs_list = True
                await asyncio.sleep(RETRY_SECONDS)

    def _apply(self, event: StorageEvent) -> None:
        if event.revision <= self.revision:
            return
        prev = self.objects.get(event.key)
        if event.type == "DELETE":
            self.objects.pop(event.key, None)
            obj = event.obj or prev
            if obj is None:
                self.revision = event.revision
                return
            cache_event = CacheEvent("DELETED", event.key, obj, prev, event.revision)
        else:
            self.objects[event.key] = event.obj
            cache_event = CacheEvent(
                "ADDED" if prev is None else "MODIFIED", event.key, event.obj, prev, event.revision
            )
        self.revision = event.revision
        if len(self.window) == self.window.maxlen:
            self.window_start = self.window[0].revision
        self.window.append(cache_event)
        self._dispatch(cache_event)

    def _dispatch(self, event: CacheEvent) -> None:
        for watcher in list(self.watchers):
            event_type = translate(event, watcher.matches)
            if event_type is None:
                continue
            watcher.last_revision = event.revision
            if not watcher.offer((event_type, event)):
                log.info("cutting off a slow %s watcher", self.resource.plural)
                self.watchers.discard(watcher)
                watcher.close()

    async def _send_bookmarks(self) -> None:
        while True:
            await asyncio.sleep(BOOKMARK_INTERVAL_SECONDS)
            self.offer_bookmarks()

    def offer_bookmarks(self) -> None:
        """A bookmark to each watcher that asked for them, unless it would repeat the revision that
        watcher last got: after the first, an idle type's watchers get nothing."""
        for watcher in list(self.watchers):
            if not watcher.bookmarks or watcher.last_revision == self.revision:
                continue
            watcher.last_revision = self.revision
            if not watcher.offer(("BOOKMARK", self.revision)):
                self.watchers.discard(watcher)
                watcher.close()

    def snapshot(self, matches: Filter) -> tuple[list[dict], int]:
        """Current objects passing `matches`, sorted by key, and the cache revision."""
        return [self.objects[k] for k in sorted(self.objects) if matches(self.objects[k])], self.revision

    def register(
        self, matches: Filter, *, since: int | None, bookmarks: bool
    ) -> tuple[Watcher, list[tuple[str, CacheEvent]], int]:
        """Register a watcher; returns it with the backlog to send first and the start revision.

        since=None means "current state": synthetic ADDED events for what exists.
        Runs without awaiting, so no event can fall between backlog and queue.
        """
        watcher = Watcher(matches, bookmarks, self._queue_events)
        backlog: list[tuple[str, CacheEvent]] = []
        if since is None:
            for key in sorted(self.objects):
                obj = self.objects[key]
                if matches(obj):
                    backlog.append(("ADDED", CacheEvent("ADDED", key, obj, None, self.revision)))
            start = self.revision
        else:
            if since < self.window_start:
                raise TooOldResourceVersion(since, self.window_start)
            for event in self.window:
                if event.revision > since and (event_type := translate(event, matches)):
                    backlog.append((event_type, event))
            start = since
        self.watchers.add(watcher)
        return watcher, backlog, start

    def unregister(self, watcher: Watcher) -> None:
        self.watchers.discard(watcher)

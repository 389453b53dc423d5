"""Watch cache: one etcd watch per resource type, fanned out to every HTTP watcher.

Data flow: etcd list at revision S → `objects`; etcd watch from S+1 → apply
each event to `objects`, append it to a bounded window of recent events and
hand it to every registered watcher: straight to its connection when its HTTP
stream is idle (`Watcher.deliver`), else into its bounded queue. A watcher whose queue
is full is cut off (its stream ends; the client re-watches), so one slow
reader never stalls the others. A watch from revision R is served from the
window when R is inside it, otherwise it is answered 410 Gone.

Each object is kept as an `Encoded` entry (apiserver/storage/encoded.py): its serializations
are made once and shared by lists, gets and every watcher's event. `page` serves a list from
the keys kept sorted (re-sorted only after the key set changed).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

from apiserver.storage.backend import Backend, StorageEvent
from apiserver.storage.encoded import Encoded
from apiserver.storage.errors import Compacted, StorageError
from apiserver.storage.watchers import WATCHER_QUEUE_EVENTS, Filter, IndexKey, Watcher, WatcherSet

log = logging.getLogger("apiserver.watch_cache")

WINDOW_EVENTS = 10000
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
    encoded: Encoded | None = None  # the object's shared serializations

    def __post_init__(self) -> None:
        if self.encoded is None:
            self.encoded = Encoded(self.key, self.obj, self.revision)

    def object_json(self) -> bytes:
        return self.encoded.json()


def with_type_meta(obj: dict, resource) -> dict:
    """The stored object with its stored version's kind and apiVersion, as it is served."""
    if obj.get("kind") != resource.kind or obj.get("apiVersion") != resource.api_version:
        obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version
    return obj


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
        self.entries: dict[str, Encoded] = {}  # the same objects with their serializations
        self._sorted_keys: list[str] | None = None  # None after the key set changed
        self.revision = 0
        self.window: deque[CacheEvent] = deque(maxlen=WINDOW_EVENTS)
        self.window_start = 0
        self.watchers = WatcherSet()
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
        self.objects = {}
        self.entries = {}
        self._sorted_keys = None
        for item in items:
            self._keep(item.key, item.obj, item.mod_revision)
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

    def _keep(self, key: str, obj: dict, mod_revision: int) -> Encoded:
        with_type_meta(obj, self.resource)
        if key not in self.objects:
            self._sorted_keys = None
        self.objects[key] = obj
        entry = self.entries[key] = Encoded(key, obj, mod_revision)
        return entry

    def _apply(self, event: StorageEvent) -> None:
        if event.revision <= self.revision:
            return
        prev = self.objects.get(event.key)
        if event.type == "DELETE":
            self.objects.pop(event.key, None)
            self.entries.pop(event.key, None)
            self._sorted_keys = None
            obj = event.obj or prev
            if obj is None:
                self.revision = event.revision
                return
            cache_event = CacheEvent("DELETED", event.key, obj, prev, event.revision)
        else:
            entry = self._keep(event.key, event.obj, event.revision)
            kind = "ADDED" if prev is None else "MODIFIED"
            cache_event = CacheEvent(kind, event.key, event.obj, prev, event.revision, entry)
        self.revision = event.revision
        if len(self.window) == self.window.maxlen:
            self.window_start = self.window[0].revision
        self.window.append(cache_event)
        self._dispatch(cache_event)

    def _dispatch(self, event: CacheEvent) -> None:
        verdicts: dict = {}  # filter_key → the event type those watchers see
        for watcher in self.watchers.candidates(event.obj, event.prev, self._field_values):
            key = watcher.filter_key
            if key is None:
                event_type = translate(event, watcher.matches)
            elif key in verdicts:
                event_type = verdicts[key]
            else:
                event_type = verdicts[key] = translate(event, watcher.matches)
            if event_type is None:
                continue
            watcher.last_revision = event.revision
            deliver = watcher.deliver
            if deliver is not None and watcher.queue.empty() and deliver(event_type, event):
                continue
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
        entries, _ = self.page("", matches)
        return [entry.obj for entry in entries], self.revision

    def count(self, prefix: str) -> int:
        """How many keys the cache holds under `prefix` (one that ends with "/")."""
        keys = self._sorted()
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return bisect.bisect_left(keys, end) - bisect.bisect_left(keys, prefix)

    def _sorted(self) -> list[str]:
        if self._sorted_keys is None:
            self._sorted_keys = sorted(self.entries)
        return self._sorted_keys

    def known(self, key: str, mod_revision: int) -> Encoded | None:
        """The cached entry of `key` if the cache holds it at exactly `mod_revision` (no decoding again)."""
        entry = self.entries.get(key)
        return entry if entry is not None and entry.mod_revision == mod_revision else None

    def page(
        self, prefix: str, matches: Filter | None, *, limit: int = 0, start_key: str = ""
    ) -> tuple[list[Encoded], str]:
        """Entries under `prefix` from `start_key` on, sorted by key, passing `matches` (None: all): at
        most `limit` (0: all). Returns them and the key to continue from ("" when no key follows)."""
        keys = self._sorted()
        entries = self.entries
        found: list[Encoded] = []
        position = bisect.bisect_left(keys, max(prefix, start_key))
        for position in range(position, len(keys)):  # noqa: B020 - the start position is only a start
            key = keys[position]
            if not key.startswith(prefix):
                return found, ""
            entry = entries[key]
            if matches is None or matches(entry.obj):
                found.append(entry)
                if limit and len(found) == limit:
                    following = position + 1 < len(keys) and keys[position + 1].startswith(prefix)
                    return found, key + "\x00" if following else ""
        return found, ""

    def _field_values(self, obj: dict) -> dict[str, str]:
        return self.resource.strategy.field_values(obj)

    def register(
        self,
        matches: Filter,
        *,
        since: int | None,
        bookmarks: bool,
        index: IndexKey | None = None,
        filter_key: Hashable | None = None,
    ) -> tuple[Watcher, list[tuple[str, CacheEvent]], int]:
        """Register a watcher; returns it with the backlog to send first and the start revision.
        `index` is a field value every object the filter passes has, `filter_key` the same for every
        watcher whose filter is equal to this one (apiserver/storage/watchers.py).

        since=None means "current state": synthetic ADDED events for what exists.
        Runs without awaiting, so no event can fall between backlog and queue.
        """
        watcher = Watcher(matches, bookmarks, self._queue_events, index, filter_key)
        backlog: list[tuple[str, CacheEvent]] = []
        if since is None:
            for entry in self.page("", matches)[0]:
                event = CacheEvent("ADDED", entry.key, entry.obj, None, self.revision, entry)
                backlog.append(("ADDED", event))
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

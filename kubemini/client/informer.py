"""List + watch one resource into a local store, and tell handlers what changed.

    list (paged, one snapshot) ──► diff with store ──► handlers (add / update / delete)
        │ resourceVersion R                 ▲
        ▼                                   │
    watch from R ──► each event ──► store ──┘     BOOKMARK: only R advances
        │ stream ends (timeoutSeconds)      → watch again from the last R
        │ stream breaks / apiserver down   → backoff, watch again from the last R
        └ 410 Gone (R compacted)           → relist, diff again

A relist never replays the world: an object whose resourceVersion is unchanged
fires nothing, a changed one fires `on_update(old, new)`, one that vanished
while we were away fires `on_delete(last known state)`, one recreated under the
same name (new uid) fires delete then add. All store writes and handler calls
happen under one lock, so a periodic resync (`on_update(obj, obj)` for every
object) or a late handler's replay never interleaves with a watch event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from kubemini.api.registry import ResourceType
from kubemini.client.api_client import LIST_PAGE_SIZE, ApiClient
from kubemini.client.backoff import Backoff
from kubemini.client.errors import ApiError, Gone
from kubemini.client.event_handlers import EventHandler, HandlerSet, call_handler
from kubemini.client.store import Indexer, Store, object_key, resource_version
from kubemini.client.watching import ADDED, BOOKMARK, DELETED, MODIFIED, WatchEvent

MIN_WATCH_TIMEOUT_SECONDS = 300
RETRY_INITIAL_SECONDS = 0.2
RETRY_MAX_SECONDS = 10.0
# A watch that ends this fast with no events is treated as a failure, not a normal end.
SHORT_WATCH_SECONDS = 1.0

log = logging.getLogger(__name__)

Obj = dict[str, Any]


def _revision(resource_version: str | None) -> int:
    return int(resource_version) if resource_version and resource_version.isdigit() else 0


def _uid(obj: Mapping[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("uid")


class Informer:
    def __init__(
        self,
        client: ApiClient,
        rt: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resync_period_seconds: float | None = None,
        indexers: Mapping[str, Indexer] | None = None,
        page_size: int | None = LIST_PAGE_SIZE,
    ):
        self.client = client
        self.rt = rt
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period_seconds = resync_period_seconds
        self.page_size = page_size
        self.store = Store(indexers)
        self.resource_version = ""
        self.list_count = 0
        self._handlers = HandlerSet(rt.kind)
        self._lock = asyncio.Lock()
        self._synced = asyncio.Event()
        self._backoff = Backoff(RETRY_INITIAL_SECONDS, RETRY_MAX_SECONDS)
        self._task: asyncio.Task[None] | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        scope = self.namespace or "*"
        return f"Informer({self.rt.kind}, {scope}, rv={self.resource_version})"

    # -- reading the cache -------------------------------------------------------------------

    def get(self, key: str) -> Obj | None:
        return self.store.get(key)

    def list(self) -> list[Obj]:
        return self.store.list()

    def by_index(self, index_name: str, value: str) -> list[Obj]:
        return self.store.by_index(index_name, value)

    def has_synced(self) -> bool:
        return self._synced.is_set()

    def has_seen(self, resource_version: str) -> bool:
        """The cache holds every change up to `resource_version` (an object read elsewhere, e.g. on
        another kind's watch). Only a kubemini apiserver's revisions compare; any other ──► False."""
        return _revision(self.resource_version) >= _revision(resource_version) > 0

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._synced.wait(), timeout)
        return self.has_synced()

    # -- handlers ---------------------------------------------------------------------------

    def add_event_handler(
        self,
        *,
        on_add: Callable[[Obj], Any] | None = None,
        on_update: Callable[[Obj, Obj], Any] | None = None,
        on_delete: Callable[[Obj], Any] | None = None,
    ) -> EventHandler:
        """Register callables (sync or async). A handler added after objects are cached
        first receives them as adds, then live events, like a client-go shared informer."""
        handler = EventHandler(on_add, on_update, on_delete)
        if len(self.store) or self._lock.locked():
            handler.ready = False
            self._spawn(self._replay(handler))
        return self._handlers.add(handler)

    def remove_event_handler(self, handler: EventHandler) -> None:
        self._handlers.remove(handler)

    async def _replay(self, handler: EventHandler) -> None:
        async with self._lock:
            if handler.on_add is not None:
                for obj in self.store.list():
                    await call_handler(handler.on_add, obj, kind=self.rt.kind)
            handler.ready = True

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=f"informer-{self.rt.plural}")
        return self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._side_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def run(self) -> None:
        if self.resync_period_seconds:
            self._spawn(self._resync_forever(self.resync_period_seconds))
        need_list = True
        while True:
            try:
                if need_list:
                    await self._list_and_replace()
                    need_list = False
                started, seen = time.monotonic(), await self._watch_once()
                if seen == 0 and time.monotonic() - started < SHORT_WATCH_SECONDS:
                    await self._backoff.sleep()
            except Gone as error:
                need_list = True
                delay = self._backoff.next_delay()
                if self._backoff.failures > 1:
                    # Gone again before a single event: compaction outpaces us, so do not spin.
                    log.warning("%r: resourceVersion too old again; relisting in %.2fs", self, delay)
                    await asyncio.sleep(delay)
                else:
                    log.info("%r: resourceVersion too old (%s); relisting", self, error.message)
            except ApiError as error:
                delay = self._backoff.next_delay()
                log.warning("%r: %s; retrying in %.2fs", self, error, delay)
                await asyncio.sleep(delay)
            except Exception:
                # A malformed answer must not kill the cache every controller reads from.
                delay = self._backoff.next_delay()
                log.exception("%r: unexpected failure; relisting in %.2fs", self, delay)
                need_list = True
                await asyncio.sleep(delay)

    # -- list and watch ---------------------------------------------------------------------

    async def _list_and_replace(self) -> None:
        listing = await self.client.list_all(
            self.rt,
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            page_size=self.page_size,
        )
        fresh = {object_key(obj): obj for obj in listing["items"]}
        async with self._lock:
            for key in [key for key in self.store.keys() if key not in fresh]:
                await self._handlers.deleted(self.store.remove(key))
            for obj in fresh.values():
                await self._apply(obj)
            self.resource_version = listing["metadata"]["resourceVersion"]
        self.list_count += 1
        self._synced.set()

    async def _watch_once(self) -> int:
        """Follow one watch stream to its end; how many events it carried."""
        stream = self.client.watch(
            self.rt,
            namespace=self.namespace,
            resource_version=self.resource_version,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            timeout_seconds=random.randint(MIN_WATCH_TIMEOUT_SECONDS, 2 * MIN_WATCH_TIMEOUT_SECONDS),
        )
        seen = 0
        async with contextlib.aclosing(stream):
            async for event in stream:
                await self._handle_event(event)
                seen += 1
                if seen == 1:
                    self._backoff.reset()
        return seen

    async def _handle_event(self, event: WatchEvent) -> None:
        if event.type != BOOKMARK:
            async with self._lock:
                if event.type in (ADDED, MODIFIED):
                    await self._apply(event.object)
                elif event.type == DELETED:
                    old = self.store.remove(object_key(event.object))
                    if old is not None:
                        await self._handlers.deleted(event.object)
                else:
                    log.warning("%r: ignoring watch event of type %r", self, event.type)
        if event.resource_version:
            self.resource_version = event.resource_version

    async def _apply(self, obj: Obj) -> None:
        """Store one object and fire what changed; caller holds the lock."""
        old = self.store.put(obj)
        if old is None:
            await self._handlers.added(obj)
        elif _uid(old) != _uid(obj):
            await self._handlers.deleted(old)
            await self._handlers.added(obj)
        elif resource_version(old) != resource_version(obj):
            await self._handlers.updated(old, obj)

    async def _resync_forever(self, period_seconds: float) -> None:
        while True:
            await asyncio.sleep(period_seconds)
            async with self._lock:
                for obj in self.store.list():
                    await self._handlers.updated(obj, obj)

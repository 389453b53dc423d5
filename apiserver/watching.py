"""Watch over HTTP: events from the watch cache, chunked; newline-delimited JSON (or Tables), or
length-delimited protobuf WatchEvents for clients that prefer protobuf (apiserver/watch_encoding.py).

Events at or below the start revision are skipped, so a watch from a list's
resourceVersion sees each later change exactly once and in order.

Each event's line is made once per event type and output form (JSON in the request's version,
or a one-row Table) and shared by every watcher that gets it in that form (the kube-apiserver's
watch cache caches serializations the same way). A watcher that wakes to several queued events
writes them as one chunk, and a busy watch writes at most every WRITE_INTERVAL_SECONDS, so under
load the cost of a write is shared by many events. While a watch's stream task is parked with
nothing queued, the cache's fan-out writes an event straight to its connection instead of waking
the task (apiserver/watch_direct.py).
"""

from __future__ import annotations

import asyncio

from fastapi.responses import StreamingResponse

from apiserver.errors import ApiError, bad_request, from_storage
from apiserver.negotiation import PROTOBUF, TABLE
from apiserver.reading import ListQuery, check_resource_version, object_filter
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import StorageError
from apiserver.storage.watch_cache import TooOldResourceVersion
from apiserver.storage.watchers import IndexKey, index_key
from apiserver.watch_direct import WatchLine, WatchResponse
from apiserver.watch_encoding import JsonEvents, ProtobufEvents
from kubemini.api.registry import stored_version
from kubemini.api.selectors.fields import parse_field_selector
from kubemini.api.status import make_status

DEFAULT_WATCH_TIMEOUT_SECONDS = 1800
MAX_WATCH_TIMEOUT_SECONDS = 24 * 3600
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
CACHE_CATCH_UP_SECONDS = 5.0
BACKLOG_CHUNK_EVENTS = 128  # events written at once when a watch starts with a backlog
# A watch writes at most once per interval: an idle stream's first event goes out at once, a busy
# stream's events wait up to this long and go out together (each TLS write costs far more than
# an event's bytes; 200 watchers of a type written to 1,000 times a second would otherwise make
# 200,000 writes a second).
WRITE_INTERVAL_SECONDS = 0.02


def _expired(events, message: str) -> bytes:
    return events.standalone("ERROR", make_status(410, message, reason="Expired"))


class WatchRequest:
    """Parsed watch parameters."""

    def __init__(self, params):
        self.query = ListQuery.from_params(params)
        self.since = check_resource_version(self.query.resource_version)
        self.bookmarks = params.get("allowWatchBookmarks") == "true"
        self.initial_events = params.get("sendInitialEvents") == "true"
        if self.initial_events and (params.get("resourceVersionMatch") != "NotOlderThan" or not self.bookmarks):
            raise ApiError(
                422,
                "sendInitialEvents requires resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true",
                reason="Invalid",
            )
        timeout = params.get("timeoutSeconds") or ""
        if timeout and not timeout.isdigit():
            raise bad_request(f"timeoutSeconds must be a non-negative integer, got {timeout[:40]!r}")
        self.timeout = min(int(timeout), MAX_WATCH_TIMEOUT_SECONDS) if timeout else DEFAULT_WATCH_TIMEOUT_SECONDS
        self.include_object = params.get("includeObject") or "Metadata"


async def open_watch(ctx, info: RequestInfo, params, *, form: str) -> StreamingResponse:
    request = WatchRequest(params)
    if form == PROTOBUF:
        events = ProtobufEvents(info.resource)
    else:
        events = JsonEvents(info.resource, request.include_object if form == TABLE else None)
    matches = object_filter(info, request.query)
    if info.name:
        name = info.name
        base = matches
        matches = lambda obj: base(obj) and obj.get("metadata", {}).get("name") == name  # noqa: E731
    cache = ctx.cache(info.resource)
    try:
        await asyncio.wait_for(cache.ready.wait(), CACHE_CATCH_UP_SECONDS)
    except TimeoutError:
        raise ApiError(
            503, f"the watch cache for {info.resource.plural} is not ready yet", reason="ServiceUnavailable"
        ) from None
    since = None if request.initial_events else request.since
    if since is not None:
        try:
            await ctx.store.check_revision(since)
        except StorageError as exc:
            error = from_storage(exc, stored_version(info.resource))
            if error.code != 410:
                raise error from exc
            return _single(events, _expired(events, f"too old resource version: {since}"))
    try:
        watcher, backlog, start = cache.register(
            matches,
            since=since,
            bookmarks=request.bookmarks,
            index=_index(info, request.query),
            filter_key=_filter_key(info, request.query),
        )
    except TooOldResourceVersion as exc:
        return _single(events, _expired(events, str(exc)))

    def encode(event_type: str, event, chunk: list[bytes]) -> None:
        """Appends the event: its object's bytes are the entry's, shared by every watcher."""
        events.event(event_type, event.encoded, chunk)

    def bookmark(revision: int, *, initial_end: bool = False) -> bytes:
        metadata: dict = {"resourceVersion": str(revision)}
        if initial_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": info.resource.kind, "apiVersion": info.resource.api_version, "metadata": metadata}
        return events.standalone("BOOKMARK", obj)

    loop = asyncio.get_running_loop()
    line = WatchLine(WRITE_INTERVAL_SECONDS, loop.time)
    line.last_revision = start
    watcher.deliver = line.try_write

    async def stream():
        # The timeout closes the watcher (one timer, not a timed wait per event): what is queued
        # by then is still sent, then the stream ends.
        timer = loop.call_later(request.timeout, watcher.close)
        try:
            for start_at in range(0, len(backlog), BACKLOG_CHUNK_EVENTS):
                lines: list[bytes] = []
                for event_type, event in backlog[start_at : start_at + BACKLOG_CHUNK_EVENTS]:
                    encode(event_type, event, lines)
                    line.last_revision = max(line.last_revision, event.revision)
                yield b"".join(lines)
            if request.initial_events:
                yield bookmark(start, initial_end=True)
            while True:
                # Parked: the cache's fan-out may write events straight to the connection meanwhile.
                line.parked = watcher.queue.empty()
                item = await watcher.queue.get()
                line.parked = False
                wait = line.written_at + WRITE_INTERVAL_SECONDS - loop.time()
                if wait > 0:  # busy: let more events queue up, then write them all at once
                    await asyncio.sleep(wait)
                line.written_at = loop.time()
                chunk: list[bytes] = []
                while True:
                    event_type, event = item
                    if event_type == "CLOSE" or watcher.closed and watcher.queue.empty():
                        if chunk:
                            yield b"".join(chunk)
                        return
                    if event_type == "BOOKMARK":
                        chunk.append(bookmark(max(event, line.last_revision)))
                    elif event.revision > line.last_revision:
                        line.last_revision = event.revision
                        encode(event_type, event, chunk)
                    if watcher.queue.empty():
                        break
                    item = watcher.queue.get_nowait()
                if chunk:
                    yield b"".join(chunk)
        finally:
            line.parked = False
            timer.cancel()
            cache.unregister(watcher)

    return WatchResponse(stream(), line, encode, media_type=events.media_type)


def _index(info: RequestInfo, query: ListQuery) -> IndexKey | None:
    """The field value every object this watch sees has: its name, a selected field, its namespace."""
    required = [(r.path, r.value) for r in parse_field_selector(query.field_selector) if not r.negate]
    if info.name:
        required.insert(0, ("metadata.name", info.name))
    return index_key(info.namespace or "", required)


def _filter_key(info: RequestInfo, query: ListQuery) -> tuple:
    """What `object_filter` (and the name check above) decide from: equal keys, equal filters."""
    return (info.resource.api_version, info.namespace, info.name, query.label_selector, query.field_selector)


def _single(events, line: bytes) -> StreamingResponse:
    async def stream():
        yield line

    return StreamingResponse(stream(), media_type=events.media_type)

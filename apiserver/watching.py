"""Watch over HTTP: newline-delimited JSON events from the watch cache, chunked.

Events at or below the start revision are skipped, so a watch from a list's
resourceVersion sees each later change exactly once and in order.
"""

from __future__ import annotations

import asyncio

from fastapi.responses import StreamingResponse

from apiserver.errors import ApiError, bad_request, from_storage
from apiserver.reading import ListQuery, check_resource_version, object_filter
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import StorageError
from apiserver.storage.watch_cache import TooOldResourceVersion
from apiserver.tables import to_table
from apiserver.writing import served
from kubemini import json_codec
from kubemini.api.registry import stored_version
from kubemini.api.status import make_status

DEFAULT_WATCH_TIMEOUT_SECONDS = 1800
MAX_WATCH_TIMEOUT_SECONDS = 24 * 3600
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
CACHE_CATCH_UP_SECONDS = 5.0


def _line(event_type: str, object_json: bytes) -> bytes:
    return b'{"type":"' + event_type.encode() + b'","object":' + object_json + b"}\n"


def _json(obj: dict) -> bytes:
    return json_codec.dumps(obj)


def _expired(message: str) -> bytes:
    return _line("ERROR", _json(make_status(410, message, reason="Expired")))


class WatchRequest:
    """Parsed watch parameters."""

    def __init__(self, params, as_table: bool):
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
        self.as_table = as_table
        self.include_object = params.get("includeObject") or "Metadata"


async def open_watch(ctx, info: RequestInfo, params, *, as_table: bool) -> StreamingResponse:
    request = WatchRequest(params, as_table)
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
            return _single(_expired(f"too old resource version: {since}"))
    try:
        watcher, backlog, start = cache.register(matches, since=since, bookmarks=request.bookmarks)
    except TooOldResourceVersion as exc:
        return _single(_expired(str(exc)))

    record = info.resource

    def encode(event_type: str, event) -> bytes:
        if request.as_table:
            table = to_table(
                record, [served(record, event.obj)], list_metadata={}, include_object=request.include_object
            )
            return _line(event_type, _json(table))
        if record.stored:
            return _line(event_type, event.object_json())
        return _line(event_type, _json(served(record, event.obj)))

    def bookmark(revision: int, *, initial_end: bool = False) -> bytes:
        metadata: dict = {"resourceVersion": str(revision)}
        if initial_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": info.resource.kind, "apiVersion": info.resource.api_version, "metadata": metadata}
        return _line("BOOKMARK", _json(obj))

    async def stream():
        loop = asyncio.get_running_loop()
        deadline = loop.time() + request.timeout
        last = start
        try:
            for event_type, event in backlog:
                yield encode(event_type, event)
                last = max(last, event.revision)
            if request.initial_events:
                yield bookmark(start, initial_end=True)
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                try:
                    event_type, event = await asyncio.wait_for(watcher.queue.get(), remaining)
                except TimeoutError:
                    return
                if event_type == "CLOSE" or watcher.closed and watcher.queue.empty():
                    return
                if event_type == "BOOKMARK":
                    yield bookmark(max(event, last))
                    continue
                if event.revision <= last:
                    continue
                last = event.revision
                yield encode(event_type, event)
        finally:
            cache.unregister(watcher)

    return StreamingResponse(stream(), media_type="application/json")


def _single(line: bytes) -> StreamingResponse:
    async def stream():
        yield line

    return StreamingResponse(stream(), media_type="application/json")

"""Reading a watch stream: newline-delimited JSON events → `WatchEvent`s.

The apiserver answers `?watch=true` with chunked lines
`{"type": "ADDED|MODIFIED|DELETED|BOOKMARK|ERROR", "object": {...}}`. This
module turns one open streaming response into `WatchEvent`s; an `ERROR` event
becomes the typed error of its `Status` (410 → `Gone`, so the caller relists),
and a connection cut mid-stream becomes `ConnectionFailed` (so the caller
re-watches from the last resourceVersion it saw). A stream that simply ends
(`timeoutSeconds` reached) ends the iteration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from kubemini import json_codec
from kubemini.client.errors import connection_failed, error_from_status

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
BOOKMARK = "BOOKMARK"
ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: str
    object: dict[str, Any]

    @property
    def resource_version(self) -> str:
        return str((self.object.get("metadata") or {}).get("resourceVersion") or "")


def watch_params(
    *,
    resource_version: str | None,
    label_selector: str | None,
    field_selector: str | None,
    timeout_seconds: int | None,
    allow_bookmarks: bool,
) -> dict[str, str]:
    params = {"watch": "true"}
    if resource_version:
        params["resourceVersion"] = resource_version
    if allow_bookmarks:
        params["allowWatchBookmarks"] = "true"
    if timeout_seconds is not None:
        params["timeoutSeconds"] = str(int(timeout_seconds))
    if label_selector:
        params["labelSelector"] = label_selector
    if field_selector:
        params["fieldSelector"] = field_selector
    return params


def decode_event(line: str | bytes) -> WatchEvent:
    raw = json_codec.loads(line)
    event = WatchEvent(str(raw.get("type") or ""), raw.get("object") or {})
    if event.type == ERROR:
        raise error_from_status(event.object)
    return event


async def iterate_events(response: httpx.Response, *, server: str) -> AsyncIterator[WatchEvent]:
    """Events of one open streaming response; always closes it."""
    try:
        async for line in response.aiter_lines():
            if line.strip():
                yield decode_event(line)
    except httpx.TransportError as error:
        raise connection_failed(server, error) from error
    finally:
        await response.aclose()

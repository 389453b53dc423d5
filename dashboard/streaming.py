"""One SSE stream = several feeds, each a list-then-watch with the user's token, merged in arrival order.

    feed task: [list ──► `reset` (all rows)] ──► watch from the version ──► `change` per event
               410 Gone ──► list again      stream cut / 5xx ──► watch again from the last version
               401 / 403 ──► `denied` (the page shows "not allowed") and the feed stops
               400 / 422 (a malformed selector) ──► `invalid` and the feed stops
    merge: every message the browser gets carries `id: <every feed's version>` (resume.py), so
           EventSource's automatic reconnect comes back with Last-Event-ID and nothing is relisted.
metrics.k8s.io has no watch: the `node-metrics` feed reads NodeMetrics once per metric resolution,
the one thing here that is read on a timer (the API offers nothing to watch).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from dashboard.feeds import Feed
from dashboard.shaping.nodes import node_usage
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError, BadRequest, Forbidden, Gone, Invalid, NotFound, Unauthorized
from kubemini.client.watching import BOOKMARK

WATCH_TIMEOUT_SECONDS = 300
RETRY_DELAYS_SECONDS = (0.5, 1.0, 2.0, 5.0)
METRICS_PATH = "/apis/metrics.k8s.io/v1beta1/nodes"
METRICS_INTERVAL_SECONDS = 15.0
log = logging.getLogger("dashboard.streaming")


@dataclass(frozen=True)
class Scope:
    namespace: str | None = None
    label_selector: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Message:
    """What one feed tells the browser; `version` (if any) becomes that feed's resume point."""

    feed: str
    type: str  # reset | change | bookmark | denied | invalid | unavailable
    payload: dict[str, Any]
    version: str | None = None


def _denied(feed: str, error: ApiError) -> Message:
    return Message(feed, "denied", {"code": error.code, "reason": error.reason, "message": error.message})


async def follow_feed(
    client: ApiClient, feed: Feed, scope: Scope, *, since: str | None, out: asyncio.Queue[Message]
) -> None:
    """Run one feed until cancelled (or denied): `since` is the version a reconnect resumes from."""
    rt = feed.resource
    selectors = {
        "namespace": scope.namespace if rt.namespaced else None,
        "label_selector": scope.label_selector if feed.uses_label_selector else None,
        "field_selector": feed.field_selector(scope.name),
    }
    version, failures = since, 0
    while True:
        try:
            if version is None:
                listing = await client.list_all(rt, **selectors)
                version = str((listing.get("metadata") or {}).get("resourceVersion") or "")
                rows = [feed.shape(item) for item in listing.get("items") or []]
                await out.put(Message(feed.name, "reset", {"rows": rows}, version))
            async for event in client.watch(
                rt, resource_version=version, timeout_seconds=WATCH_TIMEOUT_SECONDS, **selectors
            ):
                version = event.resource_version or version
                if event.type == BOOKMARK:
                    await out.put(Message(feed.name, "bookmark", {}, version))
                    continue
                row = feed.shape(event.object)
                await out.put(Message(feed.name, "change", {"event": event.type, "row": row}, version))
            failures = 0
        except Gone:
            log.info("feed %s: version %s is gone, listing again", feed.name, version)
            version = None
        except (Unauthorized, Forbidden) as error:
            await out.put(_denied(feed.name, error))
            return
        except (BadRequest, Invalid) as error:  # a malformed label selector: asking again will not help
            await out.put(Message(feed.name, "invalid", {"code": error.code, "message": error.message}))
            return
        except ApiError as error:  # connection cut, 5xx, 429 after retries: watch again from where we were
            delay = RETRY_DELAYS_SECONDS[min(failures, len(RETRY_DELAYS_SECONDS) - 1)]
            failures += 1
            log.warning("feed %s failed (%s), again in %.1fs", feed.name, error.message, delay)
            await asyncio.sleep(delay)


async def follow_node_metrics(client: ApiClient, *, out: asyncio.Queue[Message], interval: float) -> None:
    while True:
        try:
            listing = await client.request("GET", METRICS_PATH)
            rows = [node_usage(item) for item in (listing or {}).get("items") or []]
            await out.put(Message("node-metrics", "reset", {"rows": rows}))
        except (Unauthorized, Forbidden) as error:
            await out.put(_denied("node-metrics", error))
            return
        except NotFound:
            await out.put(Message("node-metrics", "unavailable", {"message": "metrics.k8s.io is not served"}))
        except ApiError as error:
            await out.put(Message("node-metrics", "unavailable", {"message": error.message}))
        await asyncio.sleep(interval)


async def merged_messages(
    client: ApiClient,
    feeds: tuple[Feed, ...],
    scope: Scope,
    *,
    positions: dict[str, str],
    with_metrics: bool = False,
    metrics_interval: float = METRICS_INTERVAL_SECONDS,
) -> AsyncIterator[Message]:
    """Every feed's messages as they come; the feed tasks end when the consumer stops iterating."""
    queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=1000)
    tasks = [
        asyncio.create_task(follow_feed(client, feed, scope, since=positions.get(feed.name), out=queue))
        for feed in feeds
    ]
    if with_metrics:
        tasks.append(asyncio.create_task(follow_node_metrics(client, out=queue, interval=metrics_interval)))
    try:
        while True:
            yield await queue.get()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

"""Telling the pod (and its humans) that it fits nowhere, without blocking the loop.

    FitError ──► report_unschedulable(pod, message)
        ├─► Warning `FailedScheduling` event with the message (EventSink: deduplicated,
        │   its count climbs on every retry)
        └─► PodScheduled=False, reason Unschedulable, in the pod's status (strategic merge
            PATCH of pods/status, merged by condition type), skipped when the pod already
            says exactly that; at most MAX_PATCHES_IN_FLIGHT at a time, newest wins per pod,
            and dropped if the pod is no longer waiting when its turn comes (a late False
            must not overwrite the True its binding wrote)

A failed patch is only logged: the pod is retried anyway, and the next failure
reports again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from kubemini.api import timestamps
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError, NotFound
from kubemini.client.events import WARNING
from scheduler.event_sink import EventSink

POD = by_kind("Pod")
MAX_PATCHES_IN_FLIGHT = 16
REASON_FAILED_SCHEDULING = "FailedScheduling"
CONDITION_REASON_UNSCHEDULABLE = "Unschedulable"

log = logging.getLogger(__name__)


def scheduled_condition(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "PodScheduled":
            return condition
    return None


def says_unschedulable(pod: Mapping[str, Any], message: str) -> bool:
    condition = scheduled_condition(pod) or {}
    return (
        condition.get("status") == "False"
        and condition.get("reason") == CONDITION_REASON_UNSCHEDULABLE
        and condition.get("message") == message
    )


class FailureReporter:
    def __init__(
        self,
        client: ApiClient,
        *,
        events: EventSink,
        still_waiting: Callable[[str], bool] = lambda key: True,
        max_in_flight: int = MAX_PATCHES_IN_FLIGHT,
    ):
        self.client = client
        self.events = events
        self.still_waiting = still_waiting
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._latest: dict[str, str] = {}  # pod key → the message its next patch must carry

    def report_unschedulable(self, pod: Mapping[str, Any], message: str) -> None:
        self.events.post(pod, WARNING, REASON_FAILED_SCHEDULING, message)
        if says_unschedulable(pod, message):
            return
        metadata = pod.get("metadata") or {}
        key = f"{metadata.get('namespace')}/{metadata.get('name')}"
        already_pending = key in self._latest
        self._latest[key] = message
        if not already_pending:
            task = asyncio.create_task(self._patch(key, str(metadata.get("namespace")), str(metadata.get("name"))))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _patch(self, key: str, namespace: str, name: str) -> None:
        async with self._slots:
            message = self._latest.pop(key, None)
            if message is None or not self.still_waiting(key):
                return
            condition = {
                "type": "PodScheduled",
                "status": "False",
                "reason": CONDITION_REASON_UNSCHEDULABLE,
                "message": message,
                "lastProbeTime": None,
                "lastTransitionTime": timestamps.now(),
            }
            try:
                await self.client.patch(
                    POD,
                    name,
                    {"status": {"conditions": [condition]}},
                    namespace=namespace,
                    patch_type="strategic",
                    subresource="status",
                )
            except NotFound:
                pass  # deleted meanwhile: nothing left to tell
            except ApiError as error:
                log.warning("could not mark pod unschedulable: %s", error, extra={"object": key})

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

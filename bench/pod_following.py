"""Following one namespace's objects through a watch, for the Docker benches (bench/rollout.py).

list ──► objects by name ──► watch from its resourceVersion ──► each event updates them
    ──► milestones: the perf_counter() of the first event after which a predicate held
    ──► until(predicate): wait (bounded) for the first event after which it holds
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from kubemini.api.registry import ResourceType
from kubemini.client.api_client import ApiClient

DEADLINE_SECONDS = 180.0


class Follower:
    """One watch; the latest object of each name, and a wait for a condition over all of them."""

    def __init__(self, api: ApiClient, rt: ResourceType, namespace: str):
        self.api, self.rt, self.namespace = api, rt, namespace
        self.objects: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.milestones: dict[str, float] = {}
        self._pending: dict[str, Callable[[dict[str, dict[str, Any]]], Any]] = {}

    def mark_when(self, name: str, predicate: Callable[[dict[str, dict[str, Any]]], Any]) -> None:
        """Record in `milestones[name]` the perf_counter() of the first event after which `predicate` holds."""
        self._pending[name] = predicate

    async def start(self) -> None:
        listing = await self.api.list(self.rt, namespace=self.namespace)
        self.objects = {o["metadata"]["name"]: o for o in listing["items"]}
        self._task = asyncio.create_task(self._follow(listing["metadata"]["resourceVersion"]))

    async def _follow(self, rv: str) -> None:
        async for event in self.api.watch(self.rt, namespace=self.namespace, resource_version=rv):
            name = (event.object.get("metadata") or {}).get("name")
            if event.type == "DELETED":
                self.objects.pop(name, None)
            elif event.type in ("ADDED", "MODIFIED"):
                self.objects[name] = event.object
            for milestone, predicate in list(self._pending.items()):
                if predicate(self.objects):
                    self.milestones[milestone] = time.perf_counter()
                    del self._pending[milestone]
            self._changed.set()

    async def until(self, predicate: Callable[[dict[str, dict[str, Any]]], Any], *, what: str) -> float:
        """perf_counter() of the first event after which `predicate(objects)` holds."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not predicate(self.objects):
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{what}: not within {DEADLINE_SECONDS}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return time.perf_counter()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def running(pod: dict[str, Any]) -> bool:
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    return not meta.get("deletionTimestamp") and status.get("phase") == "Running"


def restarts(pod: dict[str, Any]) -> int:
    return sum(int(s.get("restartCount") or 0) for s in (pod.get("status") or {}).get("containerStatuses") or [])


def app_running(pod: dict[str, Any]) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return running(pod) and all("running" in (s.get("state") or {}) for s in statuses)

"""An API client fake that records the scheduler's writes, and a store standing in for the pod informer."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from kubemini.api.status import make_status
from kubemini.client.errors import ApiError, error_from_status
from kubemini.client.store import Store


def api_error(code: int, message: str) -> ApiError:
    return error_from_status(make_status(code, message))


class FakeClient:
    """Answers bind / create / patch from memory; `bind_errors[name]` makes that pod's bindings fail."""

    def __init__(self):
        self.bindings: list[tuple[str, str, str]] = []
        self.patches: list[tuple[str, str, Any, str | None, str | None]] = []
        self.created: list[dict[str, Any]] = []
        self.bind_errors: dict[str, ApiError] = {}
        self.bind_gate: asyncio.Event | None = None  # set to hold every binding until released
        self._names = itertools.count()

    async def bind(self, namespace: str, pod_name: str, node_name: str) -> dict[str, Any]:
        if self.bind_gate is not None:
            await self.bind_gate.wait()
        if pod_name in self.bind_errors:
            raise self.bind_errors[pod_name]
        self.bindings.append((namespace, pod_name, node_name))
        return {}

    async def create(self, rt: Any, obj: dict[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        created = {**obj, "metadata": {**obj["metadata"], "name": f"obj-{next(self._names)}"}}
        created["metadata"].setdefault("namespace", namespace or "default")
        self.created.append(created)
        return created

    async def patch(
        self,
        rt: Any,
        name: str,
        body: Any,
        *,
        namespace: str | None = None,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        self.patches.append((name, namespace or "", body, patch_type, subresource))
        return {}

    def events(self, reason: str) -> list[dict[str, Any]]:
        return [obj for obj in self.created if obj.get("reason") == reason]


class FakePodInformer:
    """Just the read side of an Informer: `get(key)` from a Store the test fills."""

    def __init__(self, *pods: dict[str, Any]):
        self.store = Store()
        for pod in pods:
            self.store.put(pod)

    def get(self, key: str) -> dict[str, Any] | None:
        return self.store.get(key)


async def settle(rounds: int = 20) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)

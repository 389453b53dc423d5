"""One informer per (resource, namespace, selectors), shared by every controller in a process.

    SharedInformers.informer(rt, ...) ──► cached Informer (created on first ask)
    start() ──► every informer not yet running lists + watches once for all its users

A controller-manager asks here instead of building informers itself, so five
controllers that read pods cost one list and one watch, not five. Start the
factory before the controllers: a `Controller` stops only informers it
started itself, never these.
"""

from __future__ import annotations

import asyncio

from kubemini.api.registry import ResourceType
from kubemini.client.api_client import ApiClient
from kubemini.client.informer import Informer

InformerKey = tuple[str, str, str | None, str | None, str | None]


class SharedInformers:
    def __init__(self, client: ApiClient, *, resync_period_seconds: float | None = None):
        self.client = client
        self.resync_period_seconds = resync_period_seconds
        self._informers: dict[InformerKey, Informer] = {}

    def informer(
        self,
        rt: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Informer:
        key = (rt.api_version, rt.plural, namespace, label_selector, field_selector)
        if key not in self._informers:
            self._informers[key] = Informer(
                self.client,
                rt,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                resync_period_seconds=self.resync_period_seconds,
            )
        return self._informers[key]

    def informers(self) -> list[Informer]:
        return list(self._informers.values())

    def start(self) -> None:
        for informer in self._informers.values():
            if not informer.running:
                informer.start()

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        synced = await asyncio.gather(*(i.wait_for_sync(timeout) for i in self._informers.values()))
        return all(synced)

    async def stop(self) -> None:
        await asyncio.gather(*(informer.stop() for informer in self._informers.values()))

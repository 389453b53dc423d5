"""Which CRDs this apiserver serves: registry records and watch caches, replaced when a CRD changes.

    apply(crd)   records_for(crd) registered (the previous ones of that CRD unregistered first when the
                 CRD changed), the storage resource's watch cache started
    remove(name) records unregistered, the watch cache stopped

Routes, discovery and OpenAPI all read the registry, so they follow at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kubemini.api import registry
from kubemini.api.custom_resources import records_for
from kubemini.api.registry import ResourceType

log = logging.getLogger("apiserver.crds")


@dataclass
class Served:
    resource_version: str
    records: tuple[ResourceType, ...]


def _name(crd: dict) -> str:
    return str((crd.get("metadata") or {}).get("name") or "")


class CustomResourceServing:
    def __init__(self, ctx):
        self.ctx = ctx
        self.served: dict[str, Served] = {}

    def names(self) -> set[str]:
        return set(self.served)

    def records(self, name: str) -> tuple[ResourceType, ...]:
        served = self.served.get(name)
        return served.records if served else ()

    def apply(self, crd: dict) -> None:
        name, revision = _name(crd), str(crd["metadata"].get("resourceVersion") or "")
        current = self.served.get(name)
        if current is not None and current.resource_version == revision:
            return
        records = records_for(crd)
        if current is not None:
            for record in current.records:
                registry.unregister(record)
        for record in records:
            registry.register(record)
        self.served[name] = Served(revision, records)
        stored = next((r for r in records if r.stored), None)
        if stored is not None:
            self.ctx.start_cache(stored)
        log.info("serving %s (%s)", name, ", ".join(r.api_version for r in records if r.served))

    async def remove(self, name: str) -> None:
        current = self.served.pop(name, None)
        if current is None:
            return
        for record in current.records:
            registry.unregister(record)
        stored = next((r for r in current.records if r.stored), None)
        if stored is not None:
            await self.ctx.stop_cache(stored)
        log.info("no longer serving %s", name)

"""The custom kinds this controller-manager knows at run time, learnt from CRDs.

    CRD informer ──► servable CRD (Established): its records registered in this process's registry
                     (so lookups by apiVersion/kind and `stored_resources()` see them), and
                     `on_added(record)` told about the record objects are listed and watched through
             └──► CRD gone or no longer served: records unregistered, `on_removed(record)`

The garbage collector builds its graph from these; the namespace controller, which walks
`stored_resources()`, empties custom resources out of a terminating namespace too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from kubemini.api import registry
from kubemini.api.custom_resources import records_for, servable
from kubemini.api.registry import ResourceType

log = logging.getLogger(__name__)
CRDS = registry.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")


def served_record(records: tuple[ResourceType, ...]) -> ResourceType | None:
    """The record a client lists and watches a custom resource through: its storage version when served."""
    served = [r for r in records if r.served]
    return next((r for r in served if r.stored), served[0] if served else None)


def _identity(record: ResourceType | None) -> tuple | None:
    return None if record is None else (record.api_version, record.kind, record.plural, record.namespaced)


class CustomKinds:
    def __init__(
        self,
        *,
        on_added: Callable[[ResourceType], Any],
        on_removed: Callable[[ResourceType], Any],
    ):
        self.on_added = on_added
        self.on_removed = on_removed
        self._known: dict[str, tuple[str, tuple[ResourceType, ...]]] = {}  # CRD name → (rv, records)

    def handlers(self):
        return {"on_add": self.sync, "on_update": lambda _old, new: self.sync(new), "on_delete": self.forget}

    async def sync(self, crd: Mapping[str, Any]) -> None:
        metadata = crd.get("metadata") or {}
        name, revision = metadata.get("name") or "", metadata.get("resourceVersion") or ""
        if not servable(dict(crd)):
            await self.forget(crd)
            return
        known = self._known.get(name)
        if known is not None and known[0] == revision:
            return
        old_records, records = (known[1] if known else ()), records_for(dict(crd))
        for record in old_records:
            registry.unregister(record)
        for record in records:
            registry.register(record)
        self._known[name] = (revision, records)
        old, new = served_record(old_records), served_record(records)
        if _identity(old) != _identity(new):
            if old is not None:
                await self.on_removed(old)
            if new is not None:
                log.info("learnt custom kind %s %s", new.api_version, new.kind)
                await self.on_added(new)

    async def forget(self, crd: Mapping[str, Any]) -> None:
        name = (crd.get("metadata") or {}).get("name") or ""
        known = self._known.pop(name, None)
        if known is None:
            return
        for record in known[1]:
            registry.unregister(record)
        record = served_record(known[1])
        if record is not None:
            log.info("forgot custom kind %s %s", record.api_version, record.kind)
            await self.on_removed(record)

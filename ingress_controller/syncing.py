"""Keeping the proxy's RoutingTable current: rebuild on every change, swap the reference.

    Ingress / IngressClass / Service / EndpointSlice / Secret events ──► request_sync() (a flag)
    run(): flag set (or RESYNC_PERIOD_SECONDS passed)
        └─► sync(): ours = Ingresses of our classes
                    table = build_routing_table(ours, caches)  (pure)
                    self.table = table     ◄── requests read it; in-flight ones keep the old one
                    new problems logged once; certificates and idle connections no table
                    names any more are dropped

Level-triggered like every loop here: a sync reads only the caches, so many
events in a burst cost one rebuild.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ingress_controller.ingress_classes import is_ours, our_classes
from ingress_controller.metrics import IngressMetrics
from ingress_controller.routing_table import SERVICE_NAME_LABEL, RoutingTable, build_routing_table
from kubemini.client.informer import Informer

RESYNC_PERIOD_SECONDS = 30.0
SLICES_BY_SERVICE = "service"

log = logging.getLogger(__name__)


def index_slice_by_service(endpoint_slice: Mapping[str, Any]) -> Iterable[str]:
    metadata = endpoint_slice.get("metadata") or {}
    service = (metadata.get("labels") or {}).get(SERVICE_NAME_LABEL)
    return [f"{metadata.get('namespace')}/{service}"] if service else []


def route_count(table: RoutingTable) -> int:
    return sum(len(rules.paths) for rules in table.hosts.values()) + (table.default_route is not None)


class TableSyncer:
    def __init__(
        self,
        *,
        ingresses: Informer,
        classes: Informer,
        services: Informer,
        slices: Informer,
        secrets: Informer,
        metrics: IngressMetrics,
        on_swap: Callable[[RoutingTable], None] = lambda _table: None,
        resync_period_seconds: float = RESYNC_PERIOD_SECONDS,
    ):
        self.ingresses, self.classes, self.services = ingresses, classes, services
        self.slices, self.secrets = slices, secrets
        self.informers = (ingresses, classes, services, slices, secrets)
        self.metrics = metrics
        self.on_swap = on_swap
        self.resync_period_seconds = resync_period_seconds
        self.table = RoutingTable()
        self.synced = False
        self._reported: set[str] = set()
        self._wanted = asyncio.Event()
        for informer in self.informers:
            informer.add_event_handler(
                on_add=lambda _obj: self.request_sync(),
                on_update=lambda _old, _new: self.request_sync(),
                on_delete=lambda _obj: self.request_sync(),
            )

    def request_sync(self) -> None:
        self._wanted.set()

    def current_table(self) -> RoutingTable:
        return self.table

    async def run(self) -> None:
        await asyncio.gather(*(informer.wait_for_sync() for informer in self.informers))
        while True:
            self._wanted.clear()
            try:
                self.sync()
            except Exception:
                # A bug in one rebuild must not stop serving: the old table stays in place.
                log.exception("routing table rebuild failed; keeping the previous table")
            try:
                await asyncio.wait_for(self._wanted.wait(), self.resync_period_seconds)
            except TimeoutError:
                pass

    def sync(self) -> RoutingTable:
        started = time.monotonic()
        classes = our_classes(self.classes.list())
        ours = [ingress for ingress in self.ingresses.list() if is_ours(ingress, classes)]
        table = build_routing_table(
            ours,
            services=self.services.get,
            slices_for=lambda namespace, name: self.slices.by_index(SLICES_BY_SERVICE, f"{namespace}/{name}"),
            secrets=self.secrets.get,
        )
        changed = table != self.table
        self.table = table
        self.synced = True
        if changed:
            self.metrics.reloads.inc()
            self.metrics.routes.set(route_count(table))
            log.info(
                "routing table reloaded: %d routes, %d TLS hosts (%.1f ms)",
                route_count(table), len(table.certificates), 1000 * (time.monotonic() - started),
            )  # fmt: skip
            self.on_swap(table)
        for problem in table.problems:
            if problem not in self._reported:
                log.warning("%s", problem)
        self._reported = set(table.problems)
        return table

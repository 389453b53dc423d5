"""What every request handler needs: the storage backend and the watch caches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apiserver.service_allocation import DEFAULT_SERVICE_CIDR, ServiceAllocator, ServiceNetwork
from apiserver.storage.etcd_store import EtcdStore
from apiserver.storage.watch_cache import WATCHER_QUEUE_EVENTS, WatchCache
from kubemini.api.registry import RESOURCES, ResourceType


@dataclass
class ServerContext:
    store: EtcdStore
    watch_queue_events: int = WATCHER_QUEUE_EVENTS
    service_network: ServiceNetwork = field(default_factory=lambda: ServiceNetwork.parse(DEFAULT_SERVICE_CIDR))
    caches: dict[ResourceType, WatchCache] = field(default_factory=dict)
    # `pods/{name}/log` handler (apiserver/log_proxy.py), set by the app: (info, request) -> Response.
    log_proxy: Callable[..., Any] | None = None

    @property
    def allocator(self) -> ServiceAllocator:
        return ServiceAllocator(self.store, self.service_network)

    def start_caches(self) -> None:
        for resource in RESOURCES:
            cache = WatchCache(self.store, resource, queue_events=self.watch_queue_events)
            cache.start()
            self.caches[resource] = cache

    async def stop_caches(self) -> None:
        for cache in self.caches.values():
            await cache.stop()

    def cache(self, resource: ResourceType) -> WatchCache:
        return self.caches[resource]

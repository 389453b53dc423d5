"""What every request handler needs: the storage backend, the watch caches, the admission plugins."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apiserver.admission import AdmissionPlugin
from apiserver.admission.chain import default_plugins
from apiserver.admission.service_ips import DEFAULT_SERVICE_CIDR, ServiceAllocator, ServiceNetwork
from apiserver.authentication.user import APISERVER_USER, UserInfo
from apiserver.authorization.chain import Authorization
from apiserver.identity.pki import ClusterIdentity
from apiserver.storage.backend import Backend
from apiserver.storage.dry_run import DryRunStore
from apiserver.storage.watch_cache import WATCHER_QUEUE_EVENTS, WatchCache
from kubemini.api.registry import ResourceType, all_resources, stored_version


@dataclass
class ServerContext:
    store: Backend
    watch_queue_events: int = WATCHER_QUEUE_EVENTS
    service_network: ServiceNetwork = field(default_factory=lambda: ServiceNetwork.parse(DEFAULT_SERVICE_CIDR))
    caches: dict[str, WatchCache] = field(default_factory=dict)  # storage resource → its cache
    admission: list[AdmissionPlugin] = field(default_factory=default_plugins)
    # `pods/{name}/log` handler (apiserver/log_proxy.py), set by the app: (info, request) -> Response.
    log_proxy: Callable[..., Any] | None = None
    dry_run: bool = False
    # The manager a write is recorded under in managedFields (`fieldManager`, else the User-Agent's product).
    field_manager: str = "unknown"
    # Who is asking (apiserver/authentication): set per request; the server's own writes are APISERVER_USER.
    user: UserInfo = APISERVER_USER
    # apiserver/authentication/chain.py AuthenticationSettings, set by the app.
    authentication: Any = None
    # `--authorization-mode` (apiserver/authorization/chain.py): shared by every request's context.
    authorization: Authorization = field(default_factory=Authorization)
    # The cluster's signing key and CA (apiserver/identity/pki.py), loaded from etcd by the bootstrap.
    identity: ClusterIdentity | None = None
    bootstrapped: asyncio.Event = field(default_factory=asyncio.Event)
    crds: Any = None  # apiserver.crds.controller.CrdController, set by the app

    @property
    def allocator(self) -> ServiceAllocator:
        return ServiceAllocator(self.store, self.service_network)

    def for_dry_run(self) -> ServerContext:
        """The same context with a store that writes nothing (`dryRun=All`)."""
        return dataclasses.replace(self, store=DryRunStore(self.store), dry_run=True)

    def for_manager(self, manager: str) -> ServerContext:
        return dataclasses.replace(self, field_manager=manager)

    def for_request(self, *, manager: str, user: UserInfo) -> ServerContext:
        """This context with one request's field manager and user: a shallow copy (store, caches and
        plugins stay shared), several times cheaper than two `dataclasses.replace`."""
        ctx = copy.copy(self)
        ctx.field_manager, ctx.user = manager, user
        return ctx

    def for_user(self, user: UserInfo) -> ServerContext:
        return dataclasses.replace(self, user=user)

    def start_caches(self) -> None:
        for resource in all_resources():
            if not resource.virtual:
                self.start_cache(resource)

    def start_cache(self, resource: ResourceType) -> WatchCache:
        stored = stored_version(resource)
        cache = self.caches.get(stored.storage_resource)
        if cache is None:
            cache = WatchCache(self.store, stored, queue_events=self.watch_queue_events)
            cache.start()
            self.caches[stored.storage_resource] = cache
        return cache

    async def stop_cache(self, resource: ResourceType) -> None:
        cache = self.caches.pop(stored_version(resource).storage_resource, None)
        if cache is not None:
            await cache.stop()

    async def stop_caches(self) -> None:
        for cache in list(self.caches.values()):
            await cache.stop()

    def close_watches(self) -> None:
        """End every open watch stream (graceful shutdown: clients re-watch elsewhere)."""
        for cache in self.caches.values():
            cache.close_watchers()

    async def current_objects(self, resource: ResourceType) -> list[dict]:
        """Every stored object of a resource: from the watch cache when it is ready, else from etcd."""
        cache = self.cache(resource)
        if cache.ready.is_set():
            return list(cache.objects.values())
        return [stored.obj for stored in (await self.store.list(stored_version(resource).storage_prefix())).items]

    def cache(self, resource: ResourceType) -> WatchCache:
        return self.caches[stored_version(resource).storage_resource]

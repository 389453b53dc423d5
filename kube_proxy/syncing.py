"""The proxier's loop: rebuild the desired listeners from the caches, diff with the installed ones.

    Service / EndpointSlice informer events ──► request_sync() (sets a flag, never does work)
                                                 │
    run(): flag set, or RESYNC_PERIOD_SECONDS passed, or a failed bind to retry
        └─► sync():  desired = build_service_ports(services, EndpointSlices by service name)
                     every desired port   ──► its PortProxy's balancer gets the ready endpoints
                     listeners installed but not desired (or for another port) ──► close
                     listeners desired but not installed ──► open (a failure is logged,
                                                             counted and retried)
                     PortProxies no longer desired ──► dropped; their open flows drain

Level-triggered and idempotent like every reconcile here: a sync reads only the
current caches, never the event that woke it, so two syncs in a row are harmless.
Closing a listener only stops new connections; open ones carry on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterable

from kube_proxy.metrics import ProxyMetrics
from kube_proxy.port_proxy import PortProxy
from kube_proxy.service_ports import (
    ListenerKey,
    ServicePortName,
    build_service_ports,
    desired_listeners,
    slices_getter,
)
from kube_proxy.tcp_proxying import TcpListener
from kube_proxy.udp_proxying import UdpListener
from kubemini.client.informer import Informer

RESYNC_PERIOD_SECONDS = 30.0
BIND_RETRY_SECONDS = 1.0

log = logging.getLogger(__name__)

Listener = TcpListener | UdpListener


class Proxier:
    def __init__(
        self,
        *,
        services: Informer,
        slices: Informer,
        node_address: str,
        metrics: ProxyMetrics,
        reserved: Iterable[ListenerKey] = (),
        resync_period_seconds: float = RESYNC_PERIOD_SECONDS,
        node_name: str | None = None,
    ):
        self.services = services
        self.slices = slices
        self.node_address = node_address
        self.node_name = node_name  # this node, for the `Local` traffic policies
        self.metrics = metrics
        self.reserved = tuple(reserved)
        self.resync_period_seconds = resync_period_seconds
        self.proxies: dict[ServicePortName, PortProxy] = {}
        self.external_proxies: dict[ServicePortName, PortProxy] = {}  # externalTrafficPolicy: Local
        self.installed: dict[ListenerKey, tuple[ServicePortName, Listener]] = {}
        self.failed: dict[ListenerKey, str] = {}
        self.last_sync: float | None = None
        self._wanted = asyncio.Event()
        self._reported_conflicts: set[tuple[ListenerKey, ServicePortName]] = set()
        for informer in (services, slices):
            informer.add_event_handler(
                on_add=lambda _obj: self.request_sync(),
                on_update=lambda _old, _new: self.request_sync(),
                on_delete=lambda _obj: self.request_sync(),
            )

    def request_sync(self) -> None:
        self._wanted.set()

    def healthy(self) -> bool:
        return self.last_sync is not None

    async def run(self) -> None:
        await asyncio.gather(self.services.wait_for_sync(), self.slices.wait_for_sync())
        while True:
            self._wanted.clear()
            started, retry = time.monotonic(), False
            try:
                await self.sync()
                retry = bool(self.failed)
                self.metrics.syncs.labels("failed_binds" if retry else "success").inc()
            except Exception:
                # A bug in one sync must not stop the proxy: the next sync starts from scratch.
                log.exception("proxy sync failed")
                self.metrics.syncs.labels("error").inc()
                retry = True
            self.metrics.sync_duration.observe(time.monotonic() - started)
            wait = BIND_RETRY_SECONDS if retry else self.resync_period_seconds
            try:
                await asyncio.wait_for(self._wanted.wait(), wait)
            except TimeoutError:
                pass

    async def sync(self) -> None:
        desired_ports = build_service_ports(self.services.list(), slices_getter(self.slices), node_name=self.node_name)
        for name, service_port in desired_ports.items():
            self._update(self.proxies, name, service_port)
            if service_port.external_endpoints is not None:
                external = dataclasses.replace(service_port, endpoints=service_port.external_endpoints)
                self._update(self.external_proxies, name, external, what="external endpoints")
            else:
                self.external_proxies.pop(name, None)
        listeners, conflicts = desired_listeners(desired_ports, node_address=self.node_address, reserved=self.reserved)
        self._report_conflicts(conflicts)
        for key, (name, listener) in list(self.installed.items()):
            if listeners.get(key) != name or self._proxy_for(desired_ports, key, name) is not listener.proxy:
                listener.close()
                del self.installed[key]
                log.info("%s: stopped listening on %s", name, key, extra={"object": str(name)})
        previously_failed, self.failed = self.failed, {}
        for key, name in sorted(listeners.items()):
            if key not in self.installed:
                proxy = self._proxy_for(desired_ports, key, name)
                await self._open(key, proxy, quiet=key in previously_failed)
        for table in (self.proxies, self.external_proxies):
            for name in [n for n in table if n not in desired_ports]:
                del table[name]
        for protocol in ("TCP", "UDP"):
            count = sum(1 for key in self.installed if key.protocol == protocol)
            self.metrics.listeners.labels(protocol).set(count)
        self.last_sync = time.monotonic()

    def _update(self, table: dict, name: ServicePortName, service_port, *, what: str = "endpoints") -> None:
        proxy = table.get(name)
        if proxy is None or proxy.protocol != service_port.protocol:
            stats = self.metrics.ports.stats_for(service=name.service, port=name.port, protocol=service_port.protocol)
            proxy = table[name] = PortProxy(name, service_port.protocol, stats)
        if proxy.update(service_port):
            log.info(
                "%s: %s %s",
                name,
                what,
                ", ".join(str(e) for e in service_port.endpoints) or "(none ready)",
                extra={"object": str(name)},
            )

    def _proxy_for(self, desired_ports, key: ListenerKey, name: ServicePortName) -> PortProxy:
        """NodePort / LB listeners of an `externalTrafficPolicy: Local` port use its external proxy."""
        if name in self.external_proxies and desired_ports[name].is_external(key):
            return self.external_proxies[name]
        return self.proxies[name]

    async def _open(self, key: ListenerKey, proxy: PortProxy, *, quiet: bool) -> None:
        listener: Listener
        if key.protocol == "UDP":
            listener = UdpListener(proxy, host=key.ip, port=key.port)
        else:
            listener = TcpListener(proxy, host=key.ip, port=key.port)
        try:
            await listener.open()
        except OSError as error:
            # Port taken by another process, address not local (route missing): retried soon.
            if not quiet:
                log.warning("%s: cannot listen on %s: %s", proxy.name, key, error, extra={"object": str(proxy.name)})
            self.failed[key] = str(error)
            proxy.stats.errors["listen_failed"] += 1
            return
        self.installed[key] = (proxy.name, listener)
        log.info("%s: listening on %s", proxy.name, key, extra={"object": str(proxy.name)})

    def _report_conflicts(self, conflicts: list[tuple[ListenerKey, ServicePortName]]) -> None:
        for key, name in conflicts:
            if (key, name) not in self._reported_conflicts:
                log.warning("%s: %s is already used by another service port; not proxied", name, key)
        self._reported_conflicts = set(conflicts)

    def close(self) -> None:
        """Shutdown: stop listening and cut every open connection."""
        for _, listener in self.installed.values():
            listener.close()
        self.installed.clear()
        for proxy in [*self.proxies.values(), *self.external_proxies.values()]:
            proxy.close_flows()
        self.proxies.clear()
        self.external_proxies.clear()

"""The ingress controller's process: caches, the routing table, listeners, status, health.

ApiClient ──► informers: Ingresses, IngressClasses, Services, EndpointSlices, Secrets (all namespaces)
    ├─► ensure_default_class()   the `kubemini` IngressClass, retried until the apiserver answers
    ├─► TableSyncer.run()        RoutingTable rebuilt on every change, swapped under the proxy
    ├─► HTTP / HTTPS listeners   IngressProxy per connection (HTTPS: certificate by SNI)
    └─► StatusController.run()   status.loadBalancer.ingress = the listen address and ports
HealthServer: /healthz (200 once caches and the first table are there), /metrics
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging

from ingress_controller.access_logging import AccessLog
from ingress_controller.http_proxying import IngressProxy
from ingress_controller.ingress_classes import ensure_default_class
from ingress_controller.listening import HTTP_PORTS, HTTPS_PORTS, listen
from ingress_controller.metrics import IngressMetrics
from ingress_controller.routing_table import RoutingTable
from ingress_controller.status_updating import StatusController
from ingress_controller.syncing import SLICES_BY_SERVICE, TableSyncer, index_slice_by_service
from ingress_controller.tls_certificates import CertificateSelector
from ingress_controller.upstream_connections import UpstreamConnections
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError
from kubemini.client.informer import Informer
from kubemini.component.health_server import HealthServer
from kubemini.component.options import client_config

DEFAULT_CLASS_RETRY_SECONDS = 2.0

log = logging.getLogger(__name__)


async def keep_default_class(client: ApiClient, name: str) -> None:
    while True:
        try:
            await ensure_default_class(client, name=name)
            return
        except ApiError as error:
            log.warning("cannot ensure the default IngressClass yet (%s); retrying", error)
            await asyncio.sleep(DEFAULT_CLASS_RETRY_SECONDS)


async def run_controller(args: argparse.Namespace) -> None:
    client = ApiClient(client_config(args), user_agent="ingress-controller")
    ingresses = Informer(client, by_kind("Ingress"))
    classes = Informer(client, by_kind("IngressClass"))
    services = Informer(client, by_kind("Service"))
    slices = Informer(client, by_kind("EndpointSlice"), indexers={SLICES_BY_SERVICE: index_slice_by_service})
    secrets = Informer(client, by_kind("Secret"))
    informers = (ingresses, classes, services, slices, secrets)
    metrics = IngressMetrics()
    upstreams = UpstreamConnections()
    selector: CertificateSelector | None = None

    def on_swap(table: RoutingTable) -> None:
        if selector is not None:
            selector.forget_unused(table)
        keep = {e for rules in table.hosts.values() for _t, _p, r in rules.paths for e in r.upstream.endpoints}
        upstreams.forget_endpoints(keep | {e for r in [table.default_route] if r for e in r.upstream.endpoints})

    syncer = TableSyncer(
        ingresses=ingresses,
        classes=classes,
        services=services,
        slices=slices,
        secrets=secrets,
        metrics=metrics,
        on_swap=on_swap,
    )
    access_log = AccessLog() if args.access_log else None
    proxy = IngressProxy(syncer.current_table, metrics=metrics, upstreams=upstreams, access_log=access_log)
    selector = CertificateSelector(syncer.current_table)
    servers: list[asyncio.AbstractServer] = []
    health = HealthServer(
        host=args.bind_address,
        port=args.port,
        registry=metrics.registry,
        checks={"informers": lambda: all(i.has_synced() for i in informers), "routing-table": lambda: syncer.synced},
    )
    try:
        http = await listen(
            args.http_address,
            well_known=HTTP_PORTS,
            handler=functools.partial(proxy.serve_connection, scheme="http"),
        )
        https = await listen(
            args.https_address,
            well_known=HTTPS_PORTS,
            handler=functools.partial(proxy.serve_connection, scheme="https"),
            tls=selector.listening_context,
        )
        bound = [(scheme, found) for scheme, found in (("http", http), ("https", https)) if found is not None]
        servers = [server for _, (server, _) in bound]
        for scheme, (_, address) in bound:
            log.info("serving %s on %s:%d", scheme, address.host, address.port)
        addresses = [address for _, (_, address) in bound]
        status_address = args.status_address or (addresses[0].host if addresses else "127.0.0.1")
        status = StatusController(
            client,
            ingresses=ingresses,
            classes=classes,
            address=status_address,
            ports=[address.port for address in addresses],
        )
        await health.start()
        for informer in informers:
            informer.start()
        async with asyncio.TaskGroup() as group:
            if args.default_class:
                group.create_task(keep_default_class(client, args.default_class))
            group.create_task(syncer.run())
            group.create_task(status.run())
    finally:
        for server in servers:
            server.close()
        if access_log is not None:
            access_log.flush()
        proxy.close()
        upstreams.close()
        await health.stop()
        for informer in informers:
            await informer.stop()
        await client.close()

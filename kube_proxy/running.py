"""kube-proxy's process: wires the caches, the proxier, the cluster DNS and the health endpoint.

preflight (root, `ip`) ──► local route for the Service range (installed unless present)
ApiClient ──► informers: Services, EndpointSlices (all namespaces)
    ├─► Proxier.run()                       listeners on ClusterIPs / NodePorts → endpoints
    │   (--proxy-mode=iptables: KernelProxier.run(), DNAT rules in the nat table instead)
    ├─► LoadBalancerStatusController.run()  status.loadBalancer.ingress = node address
    ├─► keep_dns_serving()                  DNS on <cluster DNS>:53, bind retried until it works
    └─► ensure_dns_service()                kube-system/kube-dns holds the DNS address
HealthServer: /healthz (200 once the first sync is done), /metrics
exit (SIGTERM/SIGINT, or a crash) ──► listeners (or kernel rules) and DNS closed, route removed if ours
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import ipaddress
import logging
import shutil

from kube_proxy.dns_records import resolve_name
from kube_proxy.dns_service import ensure_dns_service
from kube_proxy.dns_serving import DnsServer
from kube_proxy.kernel.programming import KernelRules, KernelRulesError, check_can_program
from kube_proxy.kernel.proxier import KernelProxier
from kube_proxy.kernel.ruleset import Chains
from kube_proxy.load_balancer_status import LoadBalancerStatusController
from kube_proxy.metrics import ProxyMetrics
from kube_proxy.service_ports import ListenerKey, slices_getter
from kube_proxy.service_routing import RouteError, check_can_manage_routes, install_local_route, remove_local_route
from kube_proxy.syncing import Proxier
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.shared_informers import SharedInformers
from kubemini.component.health_server import HealthServer
from kubemini.component.options import client_config

SERVICE = by_kind("Service")
ENDPOINT_SLICE = by_kind("EndpointSlice")
DNS_BIND_RETRY_SECONDS = 1.0

log = logging.getLogger(__name__)


PROXY_MODES = ("auto", "iptables", "userspace")
TASK_STOP_SECONDS = 3.0


def choose_mode(requested: str) -> str:
    """`auto`: the kernel data plane where iptables can be programmed here, else userspace."""
    if requested != "auto":
        return requested
    try:
        check_can_program()
    except KernelRulesError as reason:
        log.warning("proxy mode: userspace (%s)", reason)
        return "userspace"
    return "iptables"


def preflight(args: argparse.Namespace) -> None:
    """Everything that makes kube-proxy refuse to start, checked before any change is made."""
    check_can_manage_routes(args.service_cluster_ip_range)
    args.proxy_mode = choose_mode(args.proxy_mode)
    if args.proxy_mode == "iptables":
        check_can_program()
    log.info("proxy mode: %s", args.proxy_mode)
    if args.cluster_dns:
        network = ipaddress.IPv4Network(args.service_cluster_ip_range, strict=False)
        if ipaddress.IPv4Address(args.cluster_dns) not in network:
            raise RouteError(
                f"--cluster-dns {args.cluster_dns} is outside --service-cluster-ip-range {network}: "
                "the DNS address must be a ClusterIP"
            )


def cleanup(args: argparse.Namespace) -> None:
    """`--cleanup`: this range's kernel chains and local route, whatever a killed kube-proxy left."""
    if shutil.which("iptables-save"):
        KernelRules(Chains.for_range(args.service_cluster_ip_range)).cleanup()
    remove_local_route(args.service_cluster_ip_range)


async def keep_dns_serving(dns: DnsServer) -> None:
    """Bind the DNS sockets, retrying while the address is busy (another process on :53)."""
    warned = False
    while not dns.running:
        try:
            await dns.start()
        except OSError as error:
            if not warned:
                log.warning("cannot serve DNS on %s:%d yet (%s); retrying", dns.host, dns.port, error)
                warned = True
            await asyncio.sleep(DNS_BIND_RETRY_SECONDS)


async def stop_tasks(tasks: list[asyncio.Task]) -> None:
    """Cancel the proxy's tasks and give them TASK_STOP_SECONDS: one that does not end in time
    is logged and left, so the cleanup after it always runs before a supervisor's SIGKILL."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=TASK_STOP_SECONDS)
    for task in pending:
        log.warning("a task did not stop within %.0f s: %r", TASK_STOP_SECONDS, task.get_coro())


async def run_proxy(args: argparse.Namespace) -> None:
    preflight(args)
    client = ApiClient(client_config(args), user_agent="kube-proxy")
    informers = SharedInformers(client)
    services, slices = informers.informer(SERVICE), informers.informer(ENDPOINT_SLICE)
    metrics = ProxyMetrics()
    dns: DnsServer | None = None
    reserved: list[ListenerKey] = []
    if args.cluster_dns:
        resolve = functools.partial(
            resolve_name, services=services.get, slices=slices_getter(slices), domain=args.cluster_domain
        )
        dns = DnsServer(
            host=args.cluster_dns, port=args.dns_port, resolve=resolve, metrics=metrics, domain=args.cluster_domain
        )
        reserved = [ListenerKey(args.cluster_dns, args.dns_port, p) for p in ("UDP", "TCP")]
    common = dict(
        services=services,
        slices=slices,
        node_address=args.node_address,
        node_name=args.hostname_override,
        metrics=metrics,
        reserved=reserved,
    )
    if args.proxy_mode == "iptables":
        proxier: Proxier = KernelProxier(chains=Chains.for_range(args.service_cluster_ip_range), **common)
        await proxier.start()
    else:
        proxier = Proxier(**common)
    status = LoadBalancerStatusController(client, services, node_address=args.node_address)
    health = HealthServer(
        host=args.bind_address,
        port=args.port,
        registry=metrics.registry,
        checks={"informers": lambda: services.has_synced() and slices.has_synced(), "proxier": proxier.healthy},
    )
    route_is_ours = False
    tasks: list[asyncio.Task] = []
    try:
        route_is_ours = install_local_route(args.service_cluster_ip_range)
        await health.start()
        informers.start()
        work = [proxier.run(), status.run()]
        if dns is not None:
            work += [keep_dns_serving(dns), ensure_dns_service(client, args.cluster_dns, port=args.dns_port)]
        tasks = [asyncio.create_task(coroutine) for coroutine in work]
        await asyncio.gather(*tasks)  # SIGTERM cancels this; a failing task ends it too
    finally:
        await stop_tasks(tasks)
        # The machine's state first (kernel rules, route): nothing below may keep them behind.
        proxier.close()
        if route_is_ours:
            remove_local_route(args.service_cluster_ip_range)
        if dns is not None:
            await dns.stop()
        await health.stop()
        await informers.stop()
        await client.close()

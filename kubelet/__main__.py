"""`python -m kubelet`: run one Docker-backed node, or N hollow nodes, until SIGTERM.

    flags ──► ApiClient ──► one NodeAgent per node (own runtime, shared client)
          ──► KubeletServer on --bind-address:--port (healthz, metrics, logs)
          ──► PodSource: one pod informer feeding every agent

Stopping the kubelet leaves its containers running, as a real kubelet does:
the next start adopts them. With --remove-pods-on-exit (docker compose) it
removes them instead (node_cleanup.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

from kubelet.bootstrap.tls_bootstrap import bootstrap_client_certificate
from kubelet.flags import build_parser, cert_dir, node_names, pod_network_settings, settings_from
from kubelet.node_agent import NodeAgent
from kubelet.node_cleanup import remove_node_pods
from kubelet.node_context import NodeContext, ProcessLimits
from kubelet.pod_network.agent import PodNetworkAgent
from kubelet.pod_source import PodSource
from kubelet.runtime import ContainerRuntime
from kubelet.runtime.fake import FakeRuntime
from kubelet.serving import KubeletServer
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.events import EventRecorder
from kubemini.client.informer import Informer
from kubemini.component.lifecycle import run_until_signalled
from kubemini.component.options import client_config, configure_logging

NETWORK_RETRY_SECONDS = 2.0
NETWORK_NOT_READY = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:kubemini"
)
POD_CIDR_WAITING = f"{NETWORK_NOT_READY}: the Node has no spec.podCIDR yet (is node IPAM on?)"
SERVICE_SYNC_WAIT_SECONDS = 5.0

log = logging.getLogger("kubelet")


def _bind(host: str, port: int) -> socket.socket:
    """Bind before anything registers: the Node must advertise the port really served."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _runtime(kind: str, index: int, *, docker_workers: int) -> ContainerRuntime:
    if kind == "fake":
        return FakeRuntime(ip_prefix=f"10.{200 + index // 256}.{index % 256}")
    from kubelet.runtime.docker import DockerRuntime  # only a Docker node needs the SDK loaded

    return DockerRuntime(max_workers=docker_workers)


async def _ensure_network(agent: NodeAgent, pod_network: PodNetworkAgent | None) -> None:
    """Sandboxes need the pod network; Docker may still be starting, so keep trying. With
    --pod-cidr-from-node the network's subnet is the Node's pod CIDR, once node IPAM has set it."""
    subnet = mtu = None
    if pod_network is not None and pod_network.settings.pod_cidr_from_node:
        log.info("node %s: waiting for its spec.podCIDR", agent.name)
        subnet, mtu = await pod_network.pod_cidr(), pod_network.settings.pod_mtu
    while True:
        try:
            await agent.ctx.runtime.ensure_network(agent.ctx.settings.pod_network, subnet=subnet, mtu=mtu)
            agent.ctx.network_waiting = ""
            return
        except Exception as error:  # noqa: BLE001 - runtime not there yet: the node reports NotReady meanwhile
            log.warning("cannot ensure pod network %s: %s", agent.ctx.settings.pod_network, error)
            if subnet is not None:
                agent.ctx.network_waiting = f"{NETWORK_NOT_READY}: pod network {subnet}: {error}"
            await asyncio.sleep(NETWORK_RETRY_SECONDS)


async def _remove_pods(agent: NodeAgent) -> None:
    try:
        await remove_node_pods(agent.ctx)
    except Exception as error:  # noqa: BLE001 - shutting down: report, and let the process end
        log.warning("node %s: removing pods on exit failed: %s", agent.name, error)


async def run(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, component="kubelet")
    network_settings = pod_network_settings(args)
    if args.cleanup_pod_network:
        PodNetworkAgent.cleanup_kernel(network_settings)
        return
    if args.bootstrap_kubeconfig:  # TLS bootstrapping: --kubeconfig gets the node's own certificate first
        await bootstrap_client_certificate(
            kubeconfig=args.kubeconfig, bootstrap_kubeconfig=args.bootstrap_kubeconfig,
            cert_dir=cert_dir(args), node_name=args.node_name, server=args.server,
        )  # fmt: skip
    sock = _bind(args.bind_address, args.port)
    port = sock.getsockname()[1]
    settings = settings_from(args, port=port)
    client = ApiClient(client_config(args), user_agent="kubemini-kubelet")
    agents: dict[str, NodeAgent] = {}
    limits = ProcessLimits()
    services = Informer(client, by_kind("Service"))
    for index, name in enumerate(node_names(args)):
        runtime = _runtime(args.runtime, index, docker_workers=args.docker_workers)
        recorder = EventRecorder(client, component="kubelet", host=name)
        agents[name] = NodeAgent(NodeContext(name, client, runtime, settings, recorder, limits, services=services.list))
    server = KubeletServer(agents, host=args.bind_address, port=port)
    serving = asyncio.create_task(server.server.serve(sockets=[sock]))
    log.info("kubelet for %d node(s) (%s runtime) serving on %s:%d", len(agents), args.runtime, args.bind_address, port)
    source = PodSource(client, agents)
    pod_network = None
    if network_settings is not None and len(agents) == 1:
        pod_network = PodNetworkAgent(client, node_name=next(iter(agents)), settings=network_settings)
        if network_settings.pod_cidr_from_node:
            next(iter(agents.values())).ctx.network_waiting = POD_CIDR_WAITING  # NotReady until the network is made
    networks = [asyncio.create_task(_ensure_network(agent, pod_network)) for agent in agents.values()]
    if pod_network is not None:
        networks.append(asyncio.create_task(pod_network.run()))
    try:
        services.start()
        # Service variables are only for Services that exist when a container starts: a short
        # wait lets the first pods see them, without blocking the node when the list is slow.
        await services.wait_for_sync(timeout=SERVICE_SYNC_WAIT_SECONDS)
        for agent in agents.values():
            agent.start()
        await source.start()
        await serving
    finally:
        for task in networks:
            task.cancel()
        await source.stop()
        await services.stop()
        await asyncio.gather(*(agent.stop() for agent in agents.values()))
        for agent in agents.values():
            if settings.remove_pods_on_exit:
                await _remove_pods(agent)
            await agent.ctx.runtime.close()
        server.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await client.close()


def main() -> None:
    run_until_signalled(run)
    # A Docker call still in flight in the runtime's threads (a graceful container stop lasts up to
    # its grace period) must not hold the exit: like upstream's kubelet, this one leaves its
    # containers running when it stops, and its successor adopts them.
    logging.shutdown()
    os._exit(0)


if __name__ == "__main__":
    main()

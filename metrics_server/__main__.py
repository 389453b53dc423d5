"""`python -m metrics_server`: scrape every kubelet, serve metrics.k8s.io through the apiserver.

flags ──► informers (Nodes: whom to scrape; Pods: labels for selectors)
      ──► HTTP on --bind-address:--port (serving.py) ──► register Service/Endpoints/APIService
      ──► every --metric-resolution seconds: scrape all nodes at once ──► MetricsStore

python -m metrics_server --kubeconfig ~/.local/share/kubemini/kubeconfig --metric-resolution 15
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import socket
import time

import httpx

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.informer import Informer
from kubemini.component.lifecycle import run_until_signalled
from kubemini.component.options import add_common_flags, client_config, configure_logging
from metrics_server.registering import register
from metrics_server.scraping import scrape_node
from metrics_server.serving import MetricsApi
from metrics_server.storing import MetricsStore

DEFAULT_PORT = 4443
METRIC_RESOLUTION_SECONDS = 15.0
KUBELET_TIMEOUT_SECONDS = 10.0
REGISTER_RETRY_SECONDS = 1.0
log = logging.getLogger("metrics_server")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics_server", description=__doc__.splitlines()[0])
    add_common_flags(parser, default_port=DEFAULT_PORT, leader_election=False)
    parser.add_argument(
        "--metric-resolution",
        type=float,
        default=float(os.environ.get("KUBEMINI_METRIC_RESOLUTION", METRIC_RESOLUTION_SECONDS)),
        help="seconds between two scrapes of every kubelet (default %(default)s, as metrics-server)",
    )
    return parser


async def scrape_all(http: httpx.AsyncClient, nodes: Informer, store: MetricsStore) -> float:
    """One round; returns the seconds it took (the scrape-duration figure of bench/hpa.py)."""
    started = time.perf_counter()
    results = await asyncio.gather(*(scrape_node(http, node) for node in nodes.list()))
    store.store([r for r in results if r is not None])
    return time.perf_counter() - started


async def _register_until_done(client: ApiClient, host: str, port: int) -> None:
    while True:
        try:
            await register(client, host=host, port=port)
            log.info("registered APIService v1beta1.metrics.k8s.io at %s:%d", host, port)
            return
        except Exception as error:  # noqa: BLE001 - the apiserver may not be up yet: keep trying
            log.warning("registering the APIService failed: %s", error)
            await asyncio.sleep(REGISTER_RETRY_SECONDS)


async def run(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, component="metrics-server")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.bind_address, args.port))
    port = sock.getsockname()[1]
    client = ApiClient(client_config(args), user_agent="kubemini-metrics-server")
    nodes, pods = Informer(client, by_kind("Node")), Informer(client, by_kind("Pod"))
    store = MetricsStore()
    api = MetricsApi(
        store, pod=pods.get, node=nodes.get, node_names=lambda: [n["metadata"]["name"] for n in nodes.list()]
    )
    server = api.server(args.bind_address, port)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    http = httpx.AsyncClient(timeout=KUBELET_TIMEOUT_SECONDS, trust_env=False)
    log.info("metrics server on %s:%d, scraping every %.1fs", args.bind_address, port, args.metric_resolution)
    try:
        nodes.start()
        pods.start()
        await _register_until_done(client, args.bind_address, port)
        await nodes.wait_for_sync()
        while True:
            took = await scrape_all(http, nodes, store)
            log.debug("scraped %d nodes in %.3fs", len(nodes.list()), took)
            await asyncio.sleep(max(args.metric_resolution - took, 0.0))
    finally:
        await nodes.stop()
        await pods.stop()
        await http.aclose()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await client.close()


def main() -> None:
    run_until_signalled(run)


if __name__ == "__main__":
    main()

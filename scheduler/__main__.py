"""`python -m scheduler`: put every pending pod on the best node, under a Lease.

flags ──► /healthz + /metrics (always up, leader or standby)
      ──► run_leading(lease kube-system/kube-scheduler) ──► leading.lead() while leader

python -m scheduler --kubeconfig ~/.kubemini/kubeconfig --port 10259
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os

from kubemini.client.api_client import ApiClient
from kubemini.client.credentials import ClientConfig
from kubemini.component.event_loop import add_event_loop_flag, install_event_loop
from kubemini.component.health_server import HealthServer
from kubemini.component.lifecycle import run_leading, run_until_signalled
from kubemini.component.options import add_common_flags, client_config, configure_logging
from scheduler.binding import MAX_BINDINGS_IN_FLIGHT
from scheduler.binding_transport import LeanTransport
from scheduler.cache import ASSUMED_POD_TTL_SECONDS
from scheduler.leading import SchedulerSettings, lead
from scheduler.metrics import SchedulerMetrics
from scheduler.pod_info import DEFAULT_SCHEDULER_NAME

DEFAULT_PORT = 10259
USER_AGENT = "kubemini-scheduler"
LEASE_NAME = "kube-scheduler"
# Watches, the lease, events and status patches share the general client's pool.
GENERAL_CONNECTIONS = 24
# Bindings rotate over several small pools (one pool's bookkeeping grows with its connections).
CONNECTIONS_PER_BINDING_POOL = 8
EVENT_CONNECTIONS = 2  # the recorder writes one Event at a time


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__.splitlines()[0])
    add_common_flags(parser, default_port=DEFAULT_PORT, leader_election=True)
    parser.add_argument(
        "--scheduler-name",
        default=DEFAULT_SCHEDULER_NAME,
        help="schedule pods whose spec.schedulerName is this (default %(default)s)",
    )
    parser.add_argument(
        "--parallel-bindings",
        type=int,
        default=MAX_BINDINGS_IN_FLIGHT,
        help="binding calls in flight at once (default %(default)s)",
    )
    parser.add_argument(
        "--assumed-pod-ttl-seconds",
        type=float,
        default=ASSUMED_POD_TTL_SECONDS,
        help="drop an assumed pod whose binding has not shown up in the watch after this long",
    )
    # Every binding is a TLS request and every decision a watch event to decode: uvloop's
    # transports cost less per call than asyncio's (env KUBEMINI_SCHEDULER_EVENT_LOOP).
    add_event_loop_flag(parser, default=os.environ.get("KUBEMINI_SCHEDULER_EVENT_LOOP", "auto"))
    return parser


def lean_client(server: ClientConfig, connections: int) -> ApiClient:
    transport = LeanTransport(server.ssl_context(), max_connections=connections)
    return ApiClient(server, transport=transport, user_agent=USER_AGENT)


async def run(args: argparse.Namespace) -> None:
    metrics = SchedulerMetrics()
    health = HealthServer(host=args.bind_address, port=args.port, registry=metrics.registry)
    await health.start()
    settings = SchedulerSettings(
        scheduler_name=args.scheduler_name,
        max_bindings_in_flight=args.parallel_bindings,
        assumed_ttl_seconds=args.assumed_pod_ttl_seconds,
    )
    server = client_config(args)
    general = ApiClient(server, max_connections=GENERAL_CONNECTIONS, user_agent=USER_AGENT)
    # Bindings never queue behind watches or events: their pools hold exactly the calls in flight.
    # Bindings and Scheduled events are whole-answer writes: they go through the lean transport
    # (binding_transport.py), a third of httpx's default transport's CPU per call.
    pools = -(-args.parallel_bindings // CONNECTIONS_PER_BINDING_POOL)
    binding = [lean_client(server, -(-args.parallel_bindings // pools)) for _ in range(pools)]
    events = lean_client(server, EVENT_CONNECTIONS)
    try:
        async with contextlib.AsyncExitStack() as stack:
            for client in (general, *binding, events):
                await stack.enter_async_context(client)
            await run_leading(
                general,
                args,
                lease_name=LEASE_NAME,
                work=lambda: lead(
                    general, binding_clients=binding, events_client=events, settings=settings, metrics=metrics
                ),
            )
    finally:
        await health.stop()


def main() -> None:
    args = build_parser().parse_args()
    configure_logging(args.log_level, component="scheduler")
    logging.getLogger(__name__).info("event loop: %s", install_event_loop(args.event_loop, component="scheduler"))
    run_until_signalled(lambda: run(args))


if __name__ == "__main__":
    main()

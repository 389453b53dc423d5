"""`python -m scheduler`: put every pending pod on the best node, under a Lease.

flags ──► /healthz + /metrics (always up, leader or standby)
      ──► run_leading(lease kube-system/kube-scheduler) ──► leading.lead() while leader

python -m scheduler --kubeconfig ~/.kubemini/kubeconfig --port 10259
"""

from __future__ import annotations

import argparse
import contextlib

from kubemini.client.api_client import ApiClient
from kubemini.component.health_server import HealthServer
from kubemini.component.lifecycle import run_leading, run_until_signalled
from kubemini.component.options import add_common_flags, client_config, configure_logging
from scheduler.binding import MAX_BINDINGS_IN_FLIGHT
from scheduler.cache import ASSUMED_POD_TTL_SECONDS
from scheduler.leading import SchedulerSettings, lead
from scheduler.metrics import SchedulerMetrics
from scheduler.pod_info import DEFAULT_SCHEDULER_NAME

DEFAULT_PORT = 10259
USER_AGENT = "kubemini-scheduler"
LEASE_NAME = "kube-scheduler"
# Watches, the lease, events and status patches share the general client's pool.
GENERAL_CONNECTIONS = 24
# httpcore's pool does work quadratic in its connections on every request (measured here:
# 2.4 ms of client CPU per call with one pool of 32, 1.5 ms with four pools of 8), so
# bindings rotate over several small pools.
CONNECTIONS_PER_BINDING_POOL = 8


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
    return parser


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
    pools = -(-args.parallel_bindings // CONNECTIONS_PER_BINDING_POOL)
    binding = [
        ApiClient(server, max_connections=-(-args.parallel_bindings // pools), user_agent=USER_AGENT)
        for _ in range(pools)
    ]
    try:
        async with contextlib.AsyncExitStack() as stack:
            for client in (general, *binding):
                await stack.enter_async_context(client)
            await run_leading(
                general,
                args,
                lease_name=LEASE_NAME,
                work=lambda: lead(general, binding_clients=binding, settings=settings, metrics=metrics),
            )
    finally:
        await health.stop()


def main() -> None:
    args = build_parser().parse_args()
    configure_logging(args.log_level, component="scheduler")
    run_until_signalled(lambda: run(args))


if __name__ == "__main__":
    main()

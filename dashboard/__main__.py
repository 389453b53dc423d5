"""`python -m dashboard`: the web dashboard on --bind-address:--port, talking to the API of --kubeconfig.

    flags ──► ClientConfig (server from --server / --kubeconfig; CA from the kubeconfig's cluster or
              --certificate-authority) ──► build_app ──► uvicorn on the bound socket
The kubeconfig's credentials are never used for users' requests: each user logs in with a token.

python -m dashboard --kubeconfig ~/.local/share/kubemini/kubeconfig --port 9090
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import socket

import uvicorn

from dashboard.app import build_app
from dashboard.streaming import METRICS_INTERVAL_SECONDS
from dashboard.upstream import with_ca_file
from kubemini.client.credentials import ClientConfig
from kubemini.component.lifecycle import run_until_signalled
from kubemini.component.options import add_common_flags, client_config, configure_logging
from kubemini.component.uvicorn_server import QuietServer

DEFAULT_PORT = 9090  # the Kubernetes Dashboard's plain-HTTP port
log = logging.getLogger("dashboard")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.splitlines()[0])
    add_common_flags(parser, default_port=DEFAULT_PORT, leader_election=False)
    parser.add_argument(
        "--certificate-authority",
        default=os.environ.get("KUBEMINI_DASHBOARD_CA"),
        help="CA bundle to verify an https apiserver with (default: the kubeconfig cluster's)",
    )
    parser.add_argument(
        "--metrics-interval-seconds",
        type=float,
        default=METRICS_INTERVAL_SECONDS,
        help="how often node usage is read from metrics.k8s.io (it cannot be watched)",
    )
    return parser


def api_target(args: argparse.Namespace) -> ClientConfig:
    """Where the API is and which CA to trust; users' requests take only these two from it."""
    return with_ca_file(client_config(args), args.certificate_authority)


async def run(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, component="dashboard")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.bind_address, args.port))
    port = sock.getsockname()[1]
    target = api_target(args)
    app = build_app(target, metrics_interval=args.metrics_interval_seconds)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=2, lifespan="on")
    server = QuietServer(config)
    log.info("dashboard on http://%s:%d for the API at %s", args.bind_address, port, target.server)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await serving
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


def main() -> None:
    run_until_signalled(run)


if __name__ == "__main__":
    main()

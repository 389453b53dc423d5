"""`python -m ingress_controller`: flags, logging, then `running.run_controller` until SIGTERM/SIGINT.

Refuses to start (exit 1, one line on stderr) when an explicitly requested
listen address cannot be bound.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from ingress_controller.ingress_classes import DEFAULT_CLASS_NAME
from ingress_controller.listening import AUTO, ListenError
from ingress_controller.running import run_controller
from kubemini.component.event_loop import add_event_loop_flag, install_event_loop
from kubemini.component.lifecycle import run_until_signalled
from kubemini.component.options import add_common_flags, configure_logging

# ingress-nginx's health port.
HEALTH_PORT = 10254


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingress_controller",
        description="Serve networking.k8s.io/v1 Ingresses of the kubemini IngressClass over HTTP and HTTPS.",
    )
    add_common_flags(parser, default_port=HEALTH_PORT, leader_election=False)
    parser.add_argument(
        "--http-address",
        default=os.environ.get("KUBEMINI_INGRESS_HTTP_ADDRESS", AUTO),
        help="HOST:PORT for HTTP; 'auto' = 127.0.0.1:80, else 127.0.0.1:8081; '' = off "
        "(env KUBEMINI_INGRESS_HTTP_ADDRESS)",
    )
    parser.add_argument(
        "--https-address",
        default=os.environ.get("KUBEMINI_INGRESS_HTTPS_ADDRESS", AUTO),
        help="HOST:PORT for HTTPS; 'auto' = 127.0.0.1:443, else 127.0.0.1:8443; '' = off "
        "(env KUBEMINI_INGRESS_HTTPS_ADDRESS)",
    )
    parser.add_argument(
        "--status-address",
        default=os.environ.get("KUBEMINI_INGRESS_STATUS_ADDRESS", ""),
        help="IP written into status.loadBalancer.ingress (default: the listen host)",
    )
    parser.add_argument(
        "--default-class",
        default=os.environ.get("KUBEMINI_INGRESS_DEFAULT_CLASS", DEFAULT_CLASS_NAME),
        help="IngressClass created (as the default class) at start when none of ours exists; '' = never",
    )
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=os.environ.get("KUBEMINI_INGRESS_ACCESS_LOG", "true") == "true",
        help="one log line per request (default on)",
    )
    add_event_loop_flag(parser, default=os.environ.get("KUBEMINI_INGRESS_EVENT_LOOP", "auto"))
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, component="ingress-controller")
    logging.getLogger(__name__).info(
        "event loop: %s", install_event_loop(args.event_loop, component="ingress-controller")
    )

    async def main_task() -> None:
        await run_controller(args)

    try:
        run_until_signalled(main_task)
    except* ListenError as group:
        print(f"ingress-controller: refusing to start: {group.exceptions[0]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

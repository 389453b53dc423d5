"""`python -m kube_proxy`: flags, logging, then `running.run_proxy` until SIGTERM/SIGINT.

Refuses to start (exit 1, one clear line on stderr) when it cannot make the
Service range local: not root, no `ip` command, or a DNS address outside the range; in
`--proxy-mode=iptables` also without iptables. `--cleanup` removes what a killed one left.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys

from kube_proxy.kernel.programming import KernelRulesError
from kube_proxy.running import PROXY_MODES, cleanup, run_proxy
from kube_proxy.service_routing import RouteError
from kubemini.component.event_loop import add_event_loop_flag, install_event_loop
from kubemini.component.lifecycle import run_until_signalled
from kubemini.component.options import add_common_flags, configure_logging

DEFAULT_SERVICE_CIDR = "10.96.0.0/16"
DEFAULT_CLUSTER_DNS = "10.96.0.10"
DEFAULT_CLUSTER_DOMAIN = "cluster.local"
DEFAULT_NODE_ADDRESS = "127.0.0.1"
HEALTH_PORT = 10256


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kube_proxy",
        description="Proxy Service ClusterIPs and NodePorts to ready endpoints; serve cluster DNS.",
    )
    add_common_flags(parser, default_port=HEALTH_PORT, leader_election=False)
    parser.add_argument(
        "--service-cluster-ip-range",
        default=os.environ.get("KUBEMINI_SERVICE_CLUSTER_IP_RANGE", DEFAULT_SERVICE_CIDR),
        help="the apiserver's Service range, routed local on this node (env KUBEMINI_SERVICE_CLUSTER_IP_RANGE)",
    )
    parser.add_argument(
        "--node-address",
        default=os.environ.get("KUBEMINI_NODE_ADDRESS", DEFAULT_NODE_ADDRESS),
        help="address NodePorts and LoadBalancer ports listen on (env KUBEMINI_NODE_ADDRESS)",
    )
    parser.add_argument(
        "--cluster-dns",
        default=os.environ.get("KUBEMINI_CLUSTER_DNS", DEFAULT_CLUSTER_DNS),
        help="ClusterIP the DNS server answers on; empty disables DNS (env KUBEMINI_CLUSTER_DNS)",
    )
    parser.add_argument("--cluster-domain", default=os.environ.get("KUBEMINI_CLUSTER_DOMAIN", DEFAULT_CLUSTER_DOMAIN))
    parser.add_argument("--dns-port", type=int, default=53, help="port of the cluster DNS server")
    parser.add_argument(
        "--hostname-override",
        default=os.environ.get("KUBEMINI_NODE_NAME") or socket.gethostname().lower(),
        help="this node's name, as its kubelet registers it: `Local` traffic policies keep traffic on the "
        "endpoints whose nodeName it is (env KUBEMINI_NODE_NAME, else the hostname)",
    )
    parser.add_argument(
        "--proxy-mode",
        choices=PROXY_MODES,
        default=os.environ.get("KUBEMINI_PROXY_MODE", "auto"),
        help="iptables: DNAT rules in the kernel's nat table; userspace: listeners that relay bytes; "
        "auto (default): iptables where it can be programmed, else userspace (env KUBEMINI_PROXY_MODE)",
    )
    parser.add_argument(
        "--cleanup",
        action="store_true",
        help="remove this Service range's kernel rules and local route (left by a killed kube-proxy), then exit",
    )
    add_event_loop_flag(parser, default=os.environ.get("KUBEMINI_PROXY_EVENT_LOOP", "auto"))
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, component="kube-proxy")
    if args.cleanup:
        cleanup(args)
        return
    logging.getLogger(__name__).info("event loop: %s", install_event_loop(args.event_loop, component="kube-proxy"))

    async def main_task() -> None:
        await run_proxy(args)

    try:
        run_until_signalled(main_task)
    except (RouteError, KernelRulesError) as error:
        print(f"kube-proxy: refusing to start: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

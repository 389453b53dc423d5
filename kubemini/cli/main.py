"""Entry point of the `kubemini` console script: parse flags, run one subcommand.

    kubemini up [--port P] [--etcd-port E] [--etcd-peer-port E2] [--component-port NAME=PORT]
                [--timeout SECONDS] [--no-user-kubeconfig]
                [--nodes N] [--pod-network host-gw|vxlan] [--advertise-address ADDR] [--cluster-cidr CIDR]
    kubemini join --server URL --token ID.SECRET --ca-cert-hash sha256:HASH [--node-name N] [--node-ip IP]
    kubemini join --resume
    kubemini leave NODE       drain and delete a node (on the control plane); `leave --local` on the node
    kubemini status
    kubemini down [--purge] [--timeout SECONDS]
    kubemini certs renew      reissue every certificate (the CA is kept); a running cluster is restarted
    kubemini encryption rotate [--config FILE] [--provider aesgcm|aescbc] [--timeout SECONDS]
    kubemini token create|list|delete   bootstrap tokens for joining machines (cli/tokens.py)

Every subcommand takes `--home DIR` (default `$KUBEMINI_HOME`, else
`~/.local/share/kubemini`). Output goes to stdout; the exit status says
whether the command did what it was asked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kubemini.cli.certificate_renewal import renew_certificates
from kubemini.cli.encryption import run_rotation
from kubemini.cli.layout import DEFAULT_HOME, HOME_ENV, ClusterHome
from kubemini.cli.nodes.joining import run_join
from kubemini.cli.nodes.leaving import leave_cluster, leave_locally
from kubemini.cli.reporting import report_status
from kubemini.cli.settings import DEFAULT_CLUSTER_CIDR, POD_NETWORK_BACKENDS, parse_port_override
from kubemini.cli.starting import bring_up
from kubemini.cli.stopping import bring_down
from kubemini.cli.tokens import add_token_parser, run_token_command

UP_DEADLINE_SECONDS = 60.0
DOWN_GRACE_SECONDS = 10.0


def _port_override(text: str) -> tuple[str, int]:
    try:
        return parse_port_override(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help=f"data directory of the cluster (default: ${HOME_ENV}, else {DEFAULT_HOME})")
    parser = argparse.ArgumentParser(prog="kubemini", description="Run a local kubemini control plane.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", parents=[common], help="start etcd, the apiserver and installed components")
    up.add_argument("--port", type=int, help="apiserver secure port (default 6443)")
    up.add_argument("--etcd-port", type=int, help="etcd client port (default 2379)")
    up.add_argument("--etcd-peer-port", type=int, help="etcd peer port (default 2380)")
    up.add_argument(
        "--component-port",
        type=_port_override,
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="port of any component, e.g. scheduler=10259 (repeatable)",
    )
    up.add_argument(
        "--timeout",
        type=float,
        default=UP_DEADLINE_SECONDS,
        help="seconds each component may take to become healthy (default %(default)s)",
    )
    up.add_argument(
        "--no-user-kubeconfig",
        action="store_true",
        help="do not write ~/.kube/config, only <home>/kubeconfig",
    )

    up.add_argument("--nodes", type=int, help="machines in all: this one plus N-1 node containers (default 1)")
    up.add_argument(
        "--pod-network", choices=POD_NETWORK_BACKENDS, help="how pod traffic crosses nodes (default host-gw)"
    )
    up.add_argument("--advertise-address", help="this machine's address other machines join at")
    up.add_argument("--cluster-cidr", help=f"the pods' range, a /24 per node (default {DEFAULT_CLUSTER_CIDR})")

    join = commands.add_parser("join", parents=[common], help="make this machine a node of a cluster")
    join.add_argument("--server", help="the apiserver, https://<address>:<port>")
    join.add_argument("--token", help="a bootstrap token, <id>.<secret> (`kubemini token create`)")
    join.add_argument(
        "--ca-cert-hash", action="append", default=[], help="sha256:<hash> of the cluster CA's public key"
    )
    join.add_argument("--node-name", help="the Node's name (default: the hostname)")
    join.add_argument("--node-ip", help="the address other nodes reach this one at (default: the one towards --server)")
    join.add_argument("--pod-network", choices=POD_NETWORK_BACKENDS, default="host-gw")
    join.add_argument("--cluster-cidr", default=DEFAULT_CLUSTER_CIDR)
    join.add_argument(
        "--discovery-timeout", type=float, default=30.0, help="seconds to wait for a signed cluster-info (default 30)"
    )
    join.add_argument("--resume", action="store_true", help="start this node's processes again from its last join")

    leave = commands.add_parser("leave", parents=[common], help="drain and remove a node")
    leave.add_argument("node", nargs="?", help="the Node to drain and delete (on the control plane)")
    leave.add_argument("--local", action="store_true", help="on the node: stop its kubelet and kube-proxy, clean up")

    commands.add_parser("status", parents=[common], help="show each component's process and health")

    certs = commands.add_parser("certs", parents=[common], help="the cluster's certificates")
    certs_commands = certs.add_subparsers(dest="certs_command", required=True, metavar="ACTION")
    certs_commands.add_parser("renew", parents=[common], help="reissue every leaf certificate and kubeconfig")

    down = commands.add_parser("down", parents=[common], help="stop every component")
    down.add_argument(
        "--purge", action="store_true", help="also remove managed Docker containers and the data directory"
    )
    down.add_argument(
        "--timeout",
        type=float,
        default=DOWN_GRACE_SECONDS,
        help="seconds between SIGTERM and SIGKILL (default %(default)s)",
    )
    encryption = commands.add_parser("encryption", help="Secrets encrypted at rest")
    actions = encryption.add_subparsers(dest="action", required=True, metavar="ACTION")
    rotate = actions.add_parser("rotate", parents=[common], help="new key first, rewrite every Secret, drop old keys")
    rotate.add_argument("--config", help="EncryptionConfiguration file (default <home>/pki/encryption-config.yaml)")
    rotate.add_argument("--provider", default="aesgcm", choices=["aesgcm", "aescbc"], help="provider of the new key")
    rotate.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each reload")
    add_token_parser(commands, common)
    return parser


def port_overrides(args: argparse.Namespace) -> dict[str, int]:
    overrides = dict(args.component_port)
    for name, value in (
        ("apiserver", args.port),
        ("etcd", args.etcd_port),
        ("etcd-peer", args.etcd_peer_port),
    ):
        if value is not None:
            overrides[name] = value
    return overrides


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    home = ClusterHome.resolve(args.home)
    out = sys.stdout
    if args.command == "up":
        return bring_up(
            home,
            port_overrides=port_overrides(args),
            deadline_seconds=args.timeout,
            user_kubeconfig=None if args.no_user_kubeconfig else Path.home() / ".kube" / "config",
            out=out,
            machine_overrides={
                "nodes": args.nodes,
                "pod_network": args.pod_network,
                "advertise_address": args.advertise_address,
                "cluster_cidr": args.cluster_cidr,
            },
        )
    if args.command == "join":
        return run_join(
            home,
            server=args.server,
            token=args.token,
            ca_cert_hashes=args.ca_cert_hash,
            node_name=args.node_name,
            node_ip=args.node_ip,
            pod_network=args.pod_network,
            cluster_cidr=args.cluster_cidr,
            resume=args.resume,
            discovery_timeout_seconds=args.discovery_timeout,
            out=out,
        )
    if args.command == "leave":
        if args.local:
            return leave_locally(home, out=out)
        if not args.node:
            print("error: name the node to remove, or --local on the node itself", file=out)
            return 2
        return leave_cluster(home, args.node, out=out)
    if args.command == "status":
        return report_status(home, out=out)
    if args.command == "certs":
        return renew_certificates(home, out=out)
    if args.command == "token":
        return run_token_command(home, args, out=out)
    if args.command == "encryption":
        return run_rotation(home, config=args.config, provider=args.provider, timeout_seconds=args.timeout, out=out)
    return bring_down(home, purge=args.purge, timeout_seconds=args.timeout, out=out)


if __name__ == "__main__":
    sys.exit(main())

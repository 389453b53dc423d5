"""`python -m controller_manager`: the controllers that make workloads real, under one Lease.

flags ──► health server (/healthz, /metrics) up at once, leader or not
      ──► ApiClient ──► run_leading(Lease kube-system/kube-controller-manager)
                           └─► while leading: manager.run_controllers(...)
SIGTERM ──► work cancelled, Lease released (a standby takes over at once)
"""

from __future__ import annotations

import argparse
import os
import socket

from controller_manager.certificates.signer import AuthorityError, load_authority
from controller_manager.job.controller import BACKOFF_BASE_SECONDS
from controller_manager.manager import ALL_CONTROLLERS, Settings, enabled_controllers, run_controllers
from controller_manager.metrics import ControllerMetrics
from controller_manager.node_lifecycle import NODE_MONITOR_GRACE_PERIOD_SECONDS, NODE_MONITOR_PERIOD_SECONDS
from controller_manager.nodeipam.cidr_set import CidrSet
from kubemini.api.durations import parse_duration_seconds
from kubemini.client.api_client import ApiClient
from kubemini.component import options
from kubemini.component.health_server import HealthServer
from kubemini.component.lifecycle import run_leading, run_until_signalled

DEFAULT_PORT = 10257
LEASE_NAME = "kube-controller-manager"


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(f"KUBEMINI_CM_{name}", default)


def _optional_float(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def _duration(text: str) -> float:
    try:
        seconds = parse_duration_seconds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text!r}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m controller_manager",
        description="The workload, node, namespace, garbage-collector and service-account controllers "
        "(kube-controller-manager's names in --controllers).",
    )
    options.add_common_flags(parser, default_port=DEFAULT_PORT, leader_election=True)
    parser.add_argument(
        "--controllers",
        default=_env("CONTROLLERS", "*"),
        help=f"'*' for all, or a list with '-name' to disable one; known: {', '.join(ALL_CONTROLLERS)} "
        "(env KUBEMINI_CM_CONTROLLERS)",
    )
    parser.add_argument("--concurrent-replicaset-syncs", type=int, default=int(_env("REPLICASET_SYNCS", "5")))
    parser.add_argument("--concurrent-deployment-syncs", type=int, default=int(_env("DEPLOYMENT_SYNCS", "5")))
    parser.add_argument("--concurrent-gc-syncs", type=int, default=int(_env("GC_SYNCS", "10")))
    parser.add_argument("--concurrent-namespace-syncs", type=int, default=int(_env("NAMESPACE_SYNCS", "5")))
    parser.add_argument("--concurrent-job-syncs", type=int, default=int(_env("JOB_SYNCS", "5")))
    parser.add_argument(
        "--job-backoff-base",
        type=float,
        default=float(_env("JOB_BACKOFF_BASE", str(BACKOFF_BASE_SECONDS))),
        help="seconds a Job waits before replacing its first failed pod, doubling per failure up to 6 min "
        "(Kubernetes' fixed 10 s; smaller for tests) (env KUBEMINI_CM_JOB_BACKOFF_BASE)",
    )
    parser.add_argument(
        "--root-ca-file",
        default=_env("ROOT_CA_FILE", None),
        help="CA bundle published as ConfigMap kube-root-ca.crt (key ca.crt) in every namespace "
        "(env KUBEMINI_CM_ROOT_CA_FILE; default: the CA the apiserver publishes in kube-public/cluster-info)",
    )
    parser.add_argument(
        "--node-monitor-grace-period",
        type=float,
        default=float(_env("NODE_MONITOR_GRACE_PERIOD", str(NODE_MONITOR_GRACE_PERIOD_SECONDS))),
        help="seconds without a Lease renewal before a node is Ready=Unknown and tainted unreachable",
    )
    parser.add_argument(
        "--node-monitor-period",
        type=float,
        default=float(_env("NODE_MONITOR_PERIOD", str(NODE_MONITOR_PERIOD_SECONDS))),
        help="seconds between looks at a node that is not Ready",
    )
    parser.add_argument(
        "--pod-eviction-timeout",
        type=float,
        default=_optional_float(_env("POD_EVICTION_TIMEOUT", None)),
        help="cap, in seconds, on how long any pod stays on a NoExecute-tainted node whatever its "
        "tolerationSeconds (default: no cap, tolerations decide; admission gives 300 s)",
    )
    parser.add_argument(
        "--horizontal-pod-autoscaler-sync-period",
        type=float,
        default=float(_env("HPA_SYNC_PERIOD", "15")),
        help="seconds between two looks at every HorizontalPodAutoscaler (default %(default)s)",
    )
    parser.add_argument(
        "--horizontal-pod-autoscaler-downscale-stabilization",
        type=float,
        default=float(_env("HPA_DOWNSCALE_STABILIZATION", "300")),
        help="seconds of recommendations a scale-down takes the highest of, without spec.behavior",
    )
    parser.add_argument("--horizontal-pod-autoscaler-tolerance", type=float, default=0.1)
    parser.add_argument(
        "--cluster-signing-cert-file",
        default=_env("CLUSTER_SIGNING_CERT_FILE", None),
        help="PEM CA certificate the csrsigning controller issues kubernetes.io/kube-apiserver-client, "
        "kube-apiserver-client-kubelet and kubelet-serving certificates with (without it and "
        "--cluster-signing-key-file the signer does not run)",
    )
    parser.add_argument(
        "--cluster-signing-key-file",
        default=_env("CLUSTER_SIGNING_KEY_FILE", None),
        help="PEM private key of --cluster-signing-cert-file",
    )
    parser.add_argument(
        "--cluster-signing-duration",
        type=_duration,
        default=_env("CLUSTER_SIGNING_DURATION", "8760h"),
        help="longest validity of a signed certificate, a Go duration (8760h) or seconds; a CSR's "
        "spec.expirationSeconds may ask for less (default %(default)s)",
    )
    parser.add_argument(
        "--allocate-node-cidrs",
        action="store_true",
        default=_env("ALLOCATE_NODE_CIDRS", "") in ("1", "true"),
        help="the nodeipam controller gives every Node a spec.podCIDR from --cluster-cidr",
    )
    parser.add_argument(
        "--cluster-cidr",
        default=_env("CLUSTER_CIDR", None),
        help="CIDR range of the pods in the cluster, e.g. 10.244.0.0/16 (with --allocate-node-cidrs)",
    )
    parser.add_argument(
        "--node-cidr-mask-size",
        type=int,
        default=int(_env("NODE_CIDR_MASK_SIZE", "24") or "24"),
        help="prefix length of each node's pod CIDR (default %(default)s)",
    )
    parser.add_argument(
        "--cluster-info-server",
        default=_env("CLUSTER_INFO_SERVER", None),
        help="apiserver URL the bootstrapsigner keeps in kube-public/cluster-info's kubeconfig, the one "
        "joining machines use (with the CA of --root-ca-file, else --cluster-signing-cert-file); default: "
        "the URL the apiserver published there (its advertise address)",
    )
    return parser


def check_node_ipam(args: argparse.Namespace) -> str | None:
    """Why the node IPAM flags cannot work, as the process starts (None: they can)."""
    if not args.allocate_node_cidrs:
        return None
    if not args.cluster_cidr:
        return "--allocate-node-cidrs needs --cluster-cidr"
    try:
        CidrSet(args.cluster_cidr, mask_size=args.node_cidr_mask_size)
    except ValueError as error:
        return f"invalid --cluster-cidr / --node-cidr-mask-size: {error}"
    return None


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        controllers=enabled_controllers(args.controllers),
        replicaset_workers=args.concurrent_replicaset_syncs,
        deployment_workers=args.concurrent_deployment_syncs,
        gc_workers=args.concurrent_gc_syncs,
        namespace_workers=args.concurrent_namespace_syncs,
        job_workers=args.concurrent_job_syncs,
        job_backoff_base_seconds=args.job_backoff_base,
        root_ca_file=args.root_ca_file,
        node_monitor_grace_period_seconds=args.node_monitor_grace_period,
        node_monitor_period_seconds=args.node_monitor_period,
        pod_eviction_timeout_seconds=args.pod_eviction_timeout,
        hpa_sync_period_seconds=args.horizontal_pod_autoscaler_sync_period,
        hpa_downscale_stabilization_seconds=args.horizontal_pod_autoscaler_downscale_stabilization,
        hpa_tolerance=args.horizontal_pod_autoscaler_tolerance,
        cluster_signing_cert_file=args.cluster_signing_cert_file,
        cluster_signing_key_file=args.cluster_signing_key_file,
        cluster_signing_duration_seconds=args.cluster_signing_duration,
        host=socket.gethostname(),
        allocate_node_cidrs=args.allocate_node_cidrs,
        cluster_cidr=args.cluster_cidr,
        node_cidr_mask_size=args.node_cidr_mask_size,
        cluster_info_server=args.cluster_info_server,
    )


async def serve(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    metrics = ControllerMetrics()
    health = HealthServer(host=args.bind_address, port=args.port, registry=metrics.registry)
    await health.start()
    try:
        async with ApiClient(options.client_config(args), user_agent="kube-controller-manager") as client:
            await run_leading(
                client, args, lease_name=LEASE_NAME, work=lambda: run_controllers(client, settings, metrics)
            )
    finally:
        await health.stop()


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        enabled_controllers(args.controllers)
    except ValueError as error:
        parser.error(str(error))
    if bool(args.cluster_signing_cert_file) != bool(args.cluster_signing_key_file):
        parser.error("--cluster-signing-cert-file and --cluster-signing-key-file go together")
    if args.cluster_signing_cert_file:
        try:
            load_authority(args.cluster_signing_cert_file, args.cluster_signing_key_file)
        except AuthorityError as error:
            parser.error(str(error))
    if (problem := check_node_ipam(args)) is not None:
        parser.error(problem)
    options.configure_logging(args.log_level, component="controller-manager")
    run_until_signalled(lambda: serve(args))


if __name__ == "__main__":
    main()

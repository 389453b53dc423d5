"""`python -m apiserver`: the Kubernetes-compatible API server on etcd."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from pathlib import Path

from apiserver import security_options, serving, workers
from apiserver.admission import options as admission_options
from apiserver.app import create_app
from apiserver.audit.policy import AuditPolicyError
from apiserver.audit.recording import AuditSetup
from apiserver.authorization.chain import Authorization, parse_modes
from apiserver.storage.encryption.config import EncryptionConfigError
from apiserver.storage.encryption.reloading import EncryptionSetup

# Longer than any client keeps an idle connection, so the server never closes one mid-request.
KEEP_ALIVE_SECONDS = 65
# Room for the nesting typed decoding allows (512 levels) in the recursive steps after it.
RECURSION_LIMIT = 5000
# The watch caches hold every object (millions of small dicts in a big cluster) for the process's
# life: with the default threshold (700) a full collection walks them all again and again. Young
# collections run 100x less often; the schemas and modules loaded at start are frozen out of them.
GC_THRESHOLDS = (70_000, 20, 50)


def parse_endpoints(value: str) -> list[tuple[str, int]]:
    endpoints = []
    for url in value.split(","):
        hostport = url.strip().split("://", 1)[-1].rstrip("/")
        host, _, port = hostport.rpartition(":")
        endpoints.append((host or "127.0.0.1", int(port)))
    return endpoints


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m apiserver", description=__doc__)
    parser.add_argument(
        "--etcd-servers",
        default=os.environ.get("KUBEMINI_ETCD_SERVERS", "http://127.0.0.1:2379"),
        help="comma-separated etcd client URLs (env KUBEMINI_ETCD_SERVERS)",
    )
    parser.add_argument(
        "--bind-address",
        default=os.environ.get("KUBEMINI_BIND_ADDRESS", "127.0.0.1"),
        help="address to listen on (env KUBEMINI_BIND_ADDRESS)",
    )
    parser.add_argument(
        "--advertise-address",
        default=os.environ.get("KUBEMINI_ADVERTISE_ADDRESS"),
        help="host:port clients are told to use (default bind-address:port)",
    )
    parser.add_argument(
        "--watch-queue-events",
        type=int,
        default=int(os.environ.get("KUBEMINI_WATCH_QUEUE_EVENTS", "2048")),
        help="events buffered per watcher before a slow watcher is cut off",
    )
    parser.add_argument(
        "--service-cluster-ip-range",
        default=os.environ.get("KUBEMINI_SERVICE_CIDR", "10.96.0.0/16"),
        help="CIDR Service ClusterIPs come from (env KUBEMINI_SERVICE_CIDR)",
    )
    parser.add_argument(
        "--request-header-timeout",
        type=float,
        default=float(os.environ.get("KUBEMINI_REQUEST_HEADER_TIMEOUT", serving.REQUEST_HEADER_TIMEOUT_SECONDS)),
        help="seconds a connection may take to send a request's headers before it is closed",
    )
    parser.add_argument(
        "--service-account-signing-key-file",
        default=os.environ.get("KUBEMINI_SERVICE_ACCOUNT_SIGNING_KEY_FILE"),
        help="PEM private key service-account tokens are signed with (default: a key kept in etcd)",
    )
    parser.add_argument("--encryption-provider-config", help="EncryptionConfiguration file: what etcd stores encrypted")
    parser.add_argument(
        "--encryption-provider-config-automatic-reload",
        action="store_true",
        help="reload the encryption configuration file when it changes (a failed reload keeps the old one)",
    )
    parser.add_argument("--audit-policy-file", help="audit.k8s.io/v1 Policy: which requests are logged, at which level")
    parser.add_argument("--audit-log-path", help="file audit events are appended to as JSON lines ('-': stdout)")
    parser.add_argument("--audit-log-maxsize", type=int, default=0, help="MB before the audit log is rotated")
    parser.add_argument("--audit-log-maxbackup", type=int, default=0, help="rotated audit logs kept (0: all)")
    parser.add_argument("--log-level", default=os.environ.get("KUBEMINI_LOG_LEVEL", "info"))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("KUBEMINI_APISERVER_WORKERS", "0")),
        help="processes serving the same ports, each with its own watch caches (0: one per two CPUs, at most 4)",
    )
    security_options.add_security_flags(parser)
    admission_options.add_flags(parser)
    args = parser.parse_args()
    secure = security_options.secure_listener(args)
    sys.setrecursionlimit(RECURSION_LIMIT)
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        encryption = EncryptionSetup.from_flags(
            args.encryption_provider_config, automatic_reload=args.encryption_provider_config_automatic_reload
        )
        audit = AuditSetup.from_flags(
            args.audit_policy_file,
            args.audit_log_path,
            max_size_mb=args.audit_log_maxsize,
            max_backups=args.audit_log_maxbackup,
        )
    except (EncryptionConfigError, AuditPolicyError) as exc:
        sys.exit(f"error: {exc}")
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(
        etcd_endpoints=parse_endpoints(args.etcd_servers),
        advertise_address=args.advertise_address
        or (f"{args.bind_address}:{args.secure_port}" if secure else f"127.0.0.1:{args.insecure_port}"),
        scheme="https" if secure else "http",
        watch_queue_events=args.watch_queue_events,
        service_cidr=args.service_cluster_ip_range,
        signing_key_pem=Path(args.service_account_signing_key_file).read_bytes()
        if args.service_account_signing_key_file
        else None,
        ca_pem=Path(args.client_ca_file).read_bytes() if args.client_ca_file else None,
        authentication=security_options.authentication_settings(args),
        authorization=Authorization(parse_modes(args.authorization_mode)),
        encryption=encryption,
        audit=audit,
        admission=admission_options.options_from(args),
    )
    gc.freeze()
    serving.serve(
        app,
        host=args.bind_address,
        secure=secure,
        insecure_port=args.insecure_port or None,
        keep_alive_seconds=KEEP_ALIVE_SECONDS,
        header_timeout_seconds=args.request_header_timeout,
        workers=args.workers or workers.default_workers(),
    )


if __name__ == "__main__":
    main()

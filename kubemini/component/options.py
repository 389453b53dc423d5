"""Flags every component accepts (with env-var fallbacks), so `kubemini up` starts them alike.

--kubeconfig PATH --server URL --bind-address 127.0.0.1 --port N
--leader-elect / --no-leader-elect --log-level info
"""

from __future__ import annotations

import argparse
import logging
import os
import socket

from kubemini.client.credentials import ClientConfig
from kubemini.client.kubeconfig import resolve_config


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def add_common_flags(parser: argparse.ArgumentParser, *, default_port: int, leader_election: bool) -> None:
    parser.add_argument(
        "--kubeconfig",
        default=_env("KUBECONFIG_PATH") or _env("KUBEMINI_KUBECONFIG"),
        help="kubeconfig naming the apiserver (env KUBEMINI_KUBECONFIG)",
    )
    parser.add_argument(
        "--server",
        default=_env("KUBEMINI_SERVER"),
        help="apiserver URL, overrides the kubeconfig (env KUBEMINI_SERVER)",
    )
    parser.add_argument(
        "--bind-address",
        default=_env("KUBEMINI_BIND_ADDRESS", "127.0.0.1"),
        help="address of the /healthz and /metrics endpoint",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(_env("KUBEMINI_PORT", str(default_port))),
        help="port of the /healthz and /metrics endpoint (0 = pick a free one)",
    )
    parser.add_argument("--log-level", default=_env("KUBEMINI_LOG_LEVEL", "info"))
    if leader_election:
        parser.add_argument(
            "--leader-elect",
            action=argparse.BooleanOptionalAction,
            default=_env("KUBEMINI_LEADER_ELECT", "true") == "true",
            help="run under a coordination.k8s.io Lease (default on)",
        )
        parser.add_argument(
            "--identity",
            default=_env("KUBEMINI_IDENTITY", f"{socket.gethostname()}_{os.getpid()}"),
            help="holder identity written into the Lease",
        )
        parser.add_argument("--lease-duration-seconds", type=float, default=15.0)
        parser.add_argument("--renew-deadline-seconds", type=float, default=10.0)
        parser.add_argument("--retry-period-seconds", type=float, default=2.0)


def client_config(args: argparse.Namespace) -> ClientConfig:
    """The --kubeconfig file's cluster and credentials (--server overrides its URL), else the usual order."""
    return resolve_config(args.server, kubeconfig=args.kubeconfig)


class _KeyValueFormatter(logging.Formatter):
    """`time level component logger message key=value...`: greppable structured logs."""

    def __init__(self, component: str):
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={getattr(record, k)}" for k in ("object", "reason") if hasattr(record, k))
        line = (
            f"{self.formatTime(record)} {record.levelname} component={self.component} "
            f"{record.name}: {record.getMessage()}"
        )
        if extras:
            line += " " + extras
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str, *, component: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_KeyValueFormatter(component))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)

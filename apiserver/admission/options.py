"""The apiserver flags admission plugins take, and the options object `chain.default_plugins` builds from.

apiserver/__main__.py: add_flags(parser) … options_from(args) ──► create_app(admission=options)
--pod-security-default-enforce|warn|audit, --pod-security-exempt-*       (pod_security/config.py)
--default-not-ready-toleration-seconds, --default-unreachable-toleration-seconds (300 s)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from apiserver.admission.default_tolerations import DEFAULT_TOLERATION_SECONDS
from apiserver.admission.pod_security import config as pod_security_config
from apiserver.admission.pod_security.config import PodSecurityConfig


@dataclass(frozen=True)
class AdmissionOptions:
    pod_security: PodSecurityConfig = field(default_factory=PodSecurityConfig)
    not_ready_toleration_seconds: int = DEFAULT_TOLERATION_SECONDS
    unreachable_toleration_seconds: int = DEFAULT_TOLERATION_SECONDS


def add_flags(parser: argparse.ArgumentParser) -> None:
    pod_security_config.add_flags(parser)
    for what in ("not-ready", "unreachable"):
        parser.add_argument(
            f"--default-{what}-toleration-seconds",
            type=int,
            default=DEFAULT_TOLERATION_SECONDS,
            help=f"tolerationSeconds of the node.kubernetes.io/{what}:NoExecute toleration pods get by default",
        )


def options_from(args: argparse.Namespace) -> AdmissionOptions:
    return AdmissionOptions(
        pod_security=pod_security_config.config_from(args),
        not_ready_toleration_seconds=args.default_not_ready_toleration_seconds,
        unreachable_toleration_seconds=args.default_unreachable_toleration_seconds,
    )

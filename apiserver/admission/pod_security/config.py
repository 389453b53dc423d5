"""The cluster-wide PodSecurity configuration: default levels and exemptions, from apiserver flags.

    --pod-security-default-enforce baseline   (default privileged: nothing is refused unless labelled)
    --pod-security-default-warn / -audit       (default privileged)
    --pod-security-exempt-namespaces a,b  --pod-security-exempt-usernames u  --pod-security-exempt-runtime-classes r
`add_flags(parser)` + `config_from(args)` are what apiserver/__main__.py calls.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

from apiserver.admission.pod_security.checks import LEVELS, PRIVILEGED
from apiserver.admission.pod_security.policy import LevelVersion, Policy


@dataclass(frozen=True)
class PodSecurityConfig:
    defaults: Policy = field(default_factory=Policy)
    exempt_namespaces: frozenset[str] = frozenset()
    exempt_usernames: frozenset[str] = frozenset()
    exempt_runtime_classes: frozenset[str] = frozenset()


def _names(text: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (text or "").split(",") if part.strip())


def add_flags(parser: argparse.ArgumentParser) -> None:
    for mode in ("enforce", "warn", "audit"):
        env = f"KUBEMINI_POD_SECURITY_DEFAULT_{mode.upper()}"
        parser.add_argument(
            f"--pod-security-default-{mode}",
            choices=LEVELS,
            default=os.environ.get(env, PRIVILEGED),
            help=f"PodSecurity {mode} level of namespaces without the label (env {env})",
        )
    for what in ("namespaces", "usernames", "runtime-classes"):
        parser.add_argument(
            f"--pod-security-exempt-{what}", default="", help=f"comma-separated {what} PodSecurity skips"
        )


def config_from(args: argparse.Namespace) -> PodSecurityConfig:
    return PodSecurityConfig(
        defaults=Policy(
            enforce=LevelVersion(args.pod_security_default_enforce),
            audit=LevelVersion(args.pod_security_default_audit),
            warn=LevelVersion(args.pod_security_default_warn),
        ),
        exempt_namespaces=_names(args.pod_security_exempt_namespaces),
        exempt_usernames=_names(args.pod_security_exempt_usernames),
        exempt_runtime_classes=_names(args.pod_security_exempt_runtime_classes),
    )

"""Which checks a level runs, in the order their reasons are listed, and the aggregated message.

    privileged  ──► nothing
    baseline    ──► BASELINE + OVERLAPPING_BASELINE
    restricted  ──► BASELINE + RESTRICTED (whose capabilities / seccomp checks replace the overlapping ones)
    failures ──► `reason (detail), reason (detail)`

The order is pod-security-admission's registry order (its check files, by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiserver.admission.pod_security import baseline, restricted

PRIVILEGED, BASELINE_LEVEL, RESTRICTED_LEVEL = "privileged", "baseline", "restricted"
LEVELS = (PRIVILEGED, BASELINE_LEVEL, RESTRICTED_LEVEL)

BASELINE = (
    baseline.app_armor_profile,
    baseline.host_namespaces,
    baseline.host_path_volumes,
    baseline.host_ports,
    baseline.host_probes_and_lifecycle,
    baseline.privileged,
    baseline.proc_mount,
    baseline.se_linux_options,
    baseline.sysctls,
    baseline.windows_host_process,
)
OVERLAPPING_BASELINE = (baseline.capabilities_baseline, baseline.seccomp_profile_baseline)
RESTRICTED = (
    restricted.allow_privilege_escalation,
    restricted.capabilities_restricted,
    restricted.restricted_volumes,
    restricted.run_as_non_root,
    restricted.run_as_user,
    restricted.seccomp_profile_restricted,
)


def failures(level: str, meta: Mapping[str, Any], spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(reason, detail) of every check of `level` the pod fails."""
    if level == PRIVILEGED:
        return []
    checks = BASELINE + (OVERLAPPING_BASELINE if level == BASELINE_LEVEL else RESTRICTED)
    return [result for check in checks if (result := check(meta, spec)) is not None]


def describe(found: list[tuple[str, str]]) -> str:
    return ", ".join(f"{reason} ({detail})" if detail else reason for reason, detail in found)

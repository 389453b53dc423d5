"""A pending pod, pre-digested once per scheduling attempt for the filters and scores.

    pod dict ──► PodInfo: usage (requests, scoring requests, host ports, owner),
                 nodeSelector, compiled required / preferred node affinity, tolerations,
                 priority, and what its claims need (volume_binding.volume_needs, given by the loop)

Everything a filter or score needs per node is looked up here, so checking a
thousand nodes never re-parses quantities or selector terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemini.api.node_affinity import Term, preferred_terms, required_terms
from kubemini.api.tolerations import Toleration, parse_tolerations
from scheduler.resources import PodUsage, pod_usage
from scheduler.volume_binding import VolumeNeeds

DEFAULT_SCHEDULER_NAME = "default-scheduler"


@dataclass(slots=True)
class PodInfo:
    pod: Mapping[str, Any]
    usage: PodUsage
    node_selector: dict[str, str]
    required_affinity: tuple[Term, ...] | None
    preferred_affinity: tuple[tuple[int, Term], ...]
    tolerations: tuple[Toleration, ...]
    priority: int
    volumes: VolumeNeeds | None = None  # claims the pod names (volume_binding.py); None: no claim

    @property
    def key(self) -> str:
        return self.usage.key

    @property
    def namespace(self) -> str:
        return str((self.pod.get("metadata") or {}).get("namespace") or "")

    @property
    def name(self) -> str:
        return str((self.pod.get("metadata") or {}).get("name") or "")

    @property
    def has_affinity_constraints(self) -> bool:
        return bool(self.node_selector) or self.required_affinity is not None


def pod_priority(pod: Mapping[str, Any]) -> int:
    priority = (pod.get("spec") or {}).get("priority")
    return priority if isinstance(priority, int) and not isinstance(priority, bool) else 0


def pod_info(pod: Mapping[str, Any], *, volumes: VolumeNeeds | None = None) -> PodInfo:
    spec = pod.get("spec") or {}
    return PodInfo(
        pod=pod,
        usage=pod_usage(pod),
        node_selector={str(k): str(v) for k, v in (spec.get("nodeSelector") or {}).items()},
        required_affinity=required_terms(spec),
        preferred_affinity=preferred_terms(spec),
        tolerations=parse_tolerations(spec.get("tolerations")),
        priority=pod_priority(pod),
        volumes=volumes,
    )


def is_responsible_for(pod: Mapping[str, Any], *, scheduler_name: str = DEFAULT_SCHEDULER_NAME) -> bool:
    """A pod this scheduler must place: unbound, ours by name, alive and not finished."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return False
    if (spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME) != scheduler_name:
        return False
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")

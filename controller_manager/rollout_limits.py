"""The numbers a rollout must stay within: maxSurge, maxUnavailable, and the new ReplicaSet's size.

    spec.strategy.rollingUpdate.{maxSurge, maxUnavailable}: int or "NN%"
        surge rounds up, unavailable rounds down (both 0 → unavailable 1), as Kubernetes does
    new RS size = min(replicas, its size + room left under replicas + maxSurge)

Pure functions over deployment and ReplicaSet dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kubemini.api.int_or_percent import scaled_value

DEFAULT_MAX_SURGE = "25%"
DEFAULT_MAX_UNAVAILABLE = "25%"


def desired_replicas(deployment: Mapping[str, Any]) -> int:
    return int((deployment.get("spec") or {}).get("replicas", 1) or 0)


def is_rolling_update(deployment: Mapping[str, Any]) -> bool:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    return (strategy.get("type") or "RollingUpdate") == "RollingUpdate"


def fenceposts(deployment: Mapping[str, Any]) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) resolved against spec.replicas."""
    replicas = desired_replicas(deployment)
    rolling = ((deployment.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    surge = scaled_value(rolling.get("maxSurge", DEFAULT_MAX_SURGE), replicas, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable", DEFAULT_MAX_UNAVAILABLE), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        # Validation forbids 0/0, but rounding down can produce it: keep the rollout able to move.
        unavailable = 1
    return surge, unavailable


def max_surge(deployment: Mapping[str, Any]) -> int:
    return fenceposts(deployment)[0] if is_rolling_update(deployment) else 0


def max_unavailable(deployment: Mapping[str, Any]) -> int:
    replicas = desired_replicas(deployment)
    if not is_rolling_update(deployment) or replicas == 0:
        return 0
    return min(fenceposts(deployment)[1], replicas)


def spec_replicas(rs: Mapping[str, Any] | None) -> int:
    if rs is None:
        return 0
    return int((rs.get("spec") or {}).get("replicas", 1) or 0)


def status_count(rs: Mapping[str, Any] | None, field: str) -> int:
    return int(((rs or {}).get("status") or {}).get(field) or 0)


def pods_possibly_running(rs: Mapping[str, Any], *, observed_pods: int = 0) -> int:
    """The most pods this ReplicaSet may have right now: its size, or more while a scale-down is in flight.

    `status.replicas` stays above `spec.replicas` until the ReplicaSet controller has seen its own
    deletions, and the caller's pod cache may know of pods the status does not count yet.
    """
    return max(spec_replicas(rs), status_count(rs, "replicas"), observed_pods)


def available_within_size(rs: Mapping[str, Any] | None) -> int:
    """Available pods that will survive the ReplicaSet's current size: never more than spec.replicas.

    Right after a scale-down the status still counts the pods being removed; counting
    them as available would let a rollout scale down twice for the same new pods.
    """
    return min(status_count(rs, "availableReplicas"), spec_replicas(rs))


def total_spec(replicasets: Iterable[Mapping[str, Any] | None]) -> int:
    return sum(spec_replicas(rs) for rs in replicasets if rs is not None)


def new_rs_replicas(deployment: Mapping[str, Any], *, new_rs: Mapping[str, Any], current_pods: int) -> int:
    """How big the new ReplicaSet may be now. `current_pods` counts every pod of every ReplicaSet
    (see pods_possibly_running), so the surge bound holds for pods, not just for specs."""
    replicas = desired_replicas(deployment)
    if not is_rolling_update(deployment):
        return replicas
    new_size = spec_replicas(new_rs)
    max_total = replicas + max_surge(deployment)
    if current_pods >= max_total:
        return new_size
    scale_up = min(max_total - current_pods, replicas - new_size)
    return new_size + max(scale_up, 0)

"""What a pod asks for as a whole: requests and limits summed over its containers.

    app containers + sidecars (restartPolicy Always init containers) summed
    plain init containers: each one beside the sidecars started before it, the peak counts
    pod = max(sum, init peak) + spec.overhead          (Kubernetes' resourcehelper.PodRequests)

Only resources some container names appear in the result: a pod that sets no cpu
request has no `cpu` entry (which is what "must specify" and LimitRange checks look at).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from kubemini.api.quota.resources import Amounts, add, parse_list

CONTAINER_LISTS = ("initContainers", "containers")


def _peak(a: Amounts, b: Amounts) -> Amounts:
    return {name: max(a.get(name, Fraction(0)), b.get(name, Fraction(0))) for name in set(a) | set(b)}


def _sum_of(spec: Mapping[str, Any], section: str, *, overhead: bool) -> Amounts:
    total: Amounts = {}
    for container in spec.get("containers") or []:
        total = add(total, parse_list((container.get("resources") or {}).get(section)))
    sidecars: Amounts = {}
    init_peak: Amounts = {}
    for container in spec.get("initContainers") or []:
        own = parse_list((container.get("resources") or {}).get(section))
        if container.get("restartPolicy") == "Always":
            total = add(total, own)
            sidecars = add(sidecars, own)
            init_peak = _peak(init_peak, sidecars)
        else:
            init_peak = _peak(init_peak, add(own, sidecars))
    total = _peak(total, init_peak)
    if overhead:
        total = add(total, parse_list(spec.get("overhead")))
    return total


def pod_requests(spec: Mapping[str, Any], *, overhead: bool = True) -> Amounts:
    return _sum_of(spec, "requests", overhead=overhead)


def pod_limits(spec: Mapping[str, Any], *, overhead: bool = True) -> Amounts:
    return _sum_of(spec, "limits", overhead=overhead)


def containers_of(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for section in CONTAINER_LISTS for c in spec.get(section) or [] if isinstance(c, Mapping)]


def is_best_effort(spec: Mapping[str, Any]) -> bool:
    """QoS BestEffort: no container requests or limits cpu or memory."""
    for container in containers_of(spec):
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            if any(name in ("cpu", "memory") for name in resources.get(section) or {}):
                return False
    return True

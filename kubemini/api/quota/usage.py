"""What one object charges to a quota, and which quota resource names a kind can be charged for.

    any object            count/<plural>[.<group>] = 1   (+ the legacy name: pods, services, secrets, ...)
    pod (not finished)    pods = 1, cpu / requests.cpu, memory / requests.memory, limits.cpu, limits.memory,
                          requests.ephemeral-storage, requests.<extended>, ...   (count/pods counts finished pods too)
    service               services.nodeports = its ports (NodePort / LoadBalancer), services.loadbalancers = 1
    claim                 requests.storage, <class>.storageclass.storage.k8s.io/requests.storage
                          and <class>.storageclass.storage.k8s.io/persistentvolumeclaims

As Kubernetes' evaluators (pkg/quota/v1/evaluator/core): a Succeeded or Failed pod, or one
past its deletion grace period, no longer charges compute or `pods`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from kubemini.api import timestamps
from kubemini.api.quota.pods import pod_limits, pod_requests
from kubemini.api.quota.resources import Amounts, parse_list
from kubemini.api.quota.scopes import quota_selects

LEGACY_COUNTS = {
    "pods": "pods",
    "services": "services",
    "configmaps": "configmaps",
    "secrets": "secrets",
    "persistentvolumeclaims": "persistentvolumeclaims",
    "replicationcontrollers": "replicationcontrollers",
    "resourcequotas": "resourcequotas",
}
POD_RESOURCES = frozenset(
    {
        "pods",
        "count/pods",
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
    }
)
SERVICE_RESOURCES = frozenset({"services", "count/services", "services.nodeports", "services.loadbalancers"})
CLAIM_RESOURCES = frozenset({"persistentvolumeclaims", "count/persistentvolumeclaims", "requests.storage"})
STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
_COMPUTE = ("cpu", "memory", "ephemeral-storage")
ONE = Fraction(1)


def count_name(plural: str, group: str) -> str:
    return f"count/{plural}.{group}" if group else f"count/{plural}"


def accounts_for(plural: str, group: str, name: str) -> bool:
    """Whether objects of `group`/`plural` can be charged for the quota resource `name`."""
    if name == count_name(plural, group) or (not group and LEGACY_COUNTS.get(plural) == name):
        return True
    if group:
        return False
    if plural == "pods":
        return name in POD_RESOURCES or name.startswith(("requests.", "limits."))
    if plural == "services":
        return name in SERVICE_RESOURCES
    if plural == "persistentvolumeclaims":
        return name in CLAIM_RESOURCES or (
            STORAGE_CLASS_SUFFIX in name and name.endswith(("/requests.storage", "/persistentvolumeclaims"))
        )
    return False


def pod_counts(pod: Mapping[str, Any], *, now: datetime) -> bool:
    """Whether a pod still charges `pods` and compute: not finished, not past its deletion grace period."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") and meta.get("deletionGracePeriodSeconds") is not None:
        deadline = timestamps.parse(meta["deletionTimestamp"]) + timedelta(seconds=meta["deletionGracePeriodSeconds"])
        if now > deadline:
            return False
    return True


def _pod_compute(spec: Mapping[str, Any]) -> Amounts:
    requests, limits = pod_requests(spec), pod_limits(spec)
    result: Amounts = {"pods": ONE}
    for name, value in requests.items():
        result[f"requests.{name}"] = value
        if name in _COMPUTE:
            result[name] = value
    for name, value in limits.items():
        result[f"limits.{name}"] = value
    return result


def _service_usage(service: Mapping[str, Any]) -> Amounts:
    spec = service.get("spec") or {}
    result: Amounts = {}
    ports = Fraction(len(spec.get("ports") or []))
    kind = spec.get("type") or "ClusterIP"
    if kind == "NodePort":
        result["services.nodeports"] = ports
    elif kind == "LoadBalancer":
        result["services.loadbalancers"] = ONE
        if spec.get("allocateLoadBalancerNodePorts", True) is not False:
            result["services.nodeports"] = ports
    return result


def _claim_usage(claim: Mapping[str, Any]) -> Amounts:
    spec, status = claim.get("spec") or {}, claim.get("status") or {}
    requested = parse_list((spec.get("resources") or {}).get("requests")).get("storage")
    allocated = parse_list(status.get("allocatedResources")).get("storage")
    storage = max((v for v in (requested, allocated) if v is not None), default=None)
    result: Amounts = {}
    storage_class = spec.get("storageClassName") or (
        ((claim.get("metadata") or {}).get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class")
    )
    if storage_class:
        result[f"{storage_class}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"] = ONE
    if storage is not None:
        result["requests.storage"] = storage
        if storage_class:
            result[f"{storage_class}{STORAGE_CLASS_SUFFIX}requests.storage"] = storage
    return result


def usage_of(plural: str, group: str, obj: Mapping[str, Any], *, now: datetime) -> Amounts:
    """Everything `obj` (of `group`/`plural`) charges."""
    result: Amounts = {count_name(plural, group): ONE}
    if group:
        return result
    legacy = LEGACY_COUNTS.get(plural)
    if plural == "pods":
        if pod_counts(obj, now=now):
            result.update(_pod_compute(obj.get("spec") or {}))
        return result
    if legacy:
        result[legacy] = ONE
    if plural == "services":
        result.update(_service_usage(obj))
    elif plural == "persistentvolumeclaims":
        result.update(_claim_usage(obj))
    return result


def missing_requirements(spec: Mapping[str, Any], required: set[str]) -> str | None:
    """`must specify limits.cpu for: a,b; requests.memory for: a` when a quota tracks cpu or memory and some
    container leaves it unset (pkg/quota/v1/evaluator/core/pods.go Constraints), else None."""
    tracked = required & {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
    missing: dict[str, set[str]] = {}
    for section in ("containers", "initContainers"):
        for container in spec.get(section) or []:
            resources = container.get("resources") or {}
            for name in tracked:
                if name.startswith("limits."):
                    present = name.removeprefix("limits.") in (resources.get("limits") or {})
                else:
                    present = name.removeprefix("requests.") in (resources.get("requests") or {})
                if not present:
                    missing.setdefault(name, set()).add(str(container.get("name", "")))
    if not missing:
        return None
    parts = [f"{name} for: {','.join(sorted(containers))}" for name, containers in sorted(missing.items())]
    return "must specify " + "; ".join(parts)


def quota_usage(quota: Mapping[str, Any], objects: Mapping[tuple[str, str], list], *, now: datetime) -> Amounts:
    """status.used for `quota` from the live objects of its namespace (`(group, plural)` → objects):
    every hard name, zero when nothing is charged for it."""
    hard = parse_list((quota.get("spec") or {}).get("hard"))
    used: Amounts = {name: Fraction(0) for name in hard}
    for (group, plural), items in objects.items():
        names = [name for name in hard if accounts_for(plural, group, name)]
        if not names:
            continue
        for obj in items:
            if not quota_selects(quota, plural, group, obj):
                continue
            charged = usage_of(plural, group, obj, now=now)
            for name in names:
                used[name] += charged.get(name, Fraction(0))
    return used

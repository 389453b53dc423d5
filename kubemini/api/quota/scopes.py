"""Whether a quota's scopes select an object (kubernetes pkg/quota/v1/evaluator/core/pods.go podMatchesScopeFunc).

    spec.scopes [Terminating]  and  spec.scopeSelector.matchExpressions [{scopeName, operator, values}]
    ──► every one must match the pod:
        Terminating / NotTerminating   spec.activeDeadlineSeconds set / unset
        BestEffort / NotBestEffort     no cpu / memory requests or limits in any container / some
        PriorityClass                  spec.priorityClassName In / NotIn values, Exists / DoesNotExist
        CrossNamespacePodAffinity      an affinity term names namespaces or a namespaceSelector
Only pods are selected by scopes: a scoped quota charges nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemini.api.quota.pods import is_best_effort


def selectors_of(quota: Mapping[str, Any]) -> list[dict]:
    spec = quota.get("spec") or {}
    selectors = [{"scopeName": scope, "operator": "Exists"} for scope in spec.get("scopes") or []]
    selectors += list((spec.get("scopeSelector") or {}).get("matchExpressions") or [])
    return selectors


def _cross_namespace_affinity(spec: Mapping[str, Any]) -> bool:
    affinity = spec.get("affinity") or {}
    for kind in ("podAffinity", "podAntiAffinity"):
        section = affinity.get(kind) or {}
        terms = list(section.get("requiredDuringSchedulingIgnoredDuringExecution") or [])
        terms += [
            w.get("podAffinityTerm") or {} for w in section.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        ]
        if any(term.get("namespaces") or term.get("namespaceSelector") is not None for term in terms):
            return True
    return False


def _matches(selector: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    scope = selector.get("scopeName")
    if scope == "Terminating":
        return spec.get("activeDeadlineSeconds") is not None
    if scope == "NotTerminating":
        return spec.get("activeDeadlineSeconds") is None
    if scope == "BestEffort":
        return is_best_effort(spec)
    if scope == "NotBestEffort":
        return not is_best_effort(spec)
    if scope == "CrossNamespacePodAffinity":
        return _cross_namespace_affinity(spec)
    if scope == "PriorityClass":
        name = spec.get("priorityClassName") or ""
        operator, values = selector.get("operator"), selector.get("values") or []
        if operator == "In":
            return name in values
        if operator == "NotIn":
            return name not in values
        if operator == "Exists":
            return bool(name)
        if operator == "DoesNotExist":
            return not name
    return False


def quota_selects(quota: Mapping[str, Any], plural: str, group: str, obj: Mapping[str, Any]) -> bool:
    selectors = selectors_of(quota)
    if not selectors:
        return True
    if group or plural != "pods":
        return False
    spec = obj.get("spec") or {}
    return all(_matches(selector, spec) for selector in selectors)

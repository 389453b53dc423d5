"""PodDisruptionBudget rules shared by the eviction API and the disruption controller.

pdb.spec.selector ──selects(pdb, pod)──► does the budget cover the pod (an empty selector
    covers every pod of its namespace, a missing one none, as in policy/v1)
pod ──is_healthy(pod)──► counts towards currentHealthy: Ready and not being deleted
eviction of a pod that never counts (finished, Pending, already deleting) ──► no budget check
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemini.api.pods import is_ready, is_terminating, phase
from kubemini.api.selectors import SelectorError, labels_match, selector_from_label_selector

DISRUPTION_TARGET = "DisruptionTarget"
DISRUPTION_ALLOWED = "DisruptionAllowed"
MAX_DISRUPTED_PODS = 2000
ALWAYS_ALLOW = "AlwaysAllow"
IF_HEALTHY_BUDGET = "IfHealthyBudget"
VIOLATION_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."


def selects(pdb: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    selector = (pdb.get("spec") or {}).get("selector")
    if selector is None:
        return False
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return True
    try:
        requirements = selector_from_label_selector(selector)
    except SelectorError:
        return False
    return labels_match(requirements, (pod.get("metadata") or {}).get("labels") or {})


def is_healthy(pod: Mapping[str, Any]) -> bool:
    return is_ready(pod) and not is_terminating(pod)


def budget_irrelevant(pod: Mapping[str, Any]) -> bool:
    """Kubernetes' canIgnorePDB: evicting this pod cannot lower any budget's healthy count."""
    return phase(pod) in ("Succeeded", "Failed", "Pending") or is_terminating(pod)

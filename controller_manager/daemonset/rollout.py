"""A DaemonSet's RollingUpdate step: which old pods go and which nodes get a new pod now (pure).

    per eligible node: the up-to-date pod (revision hash == current) and the old one, if any
    maxSurge == 0: old pods are deleted while fewer than maxUnavailable nodes are unavailable
                   (an old pod that is not available may always be replaced)
    maxSurge > 0:  a new pod is started next to an old one on at most maxSurge nodes at a time;
                   the old one is deleted once the new one is available
Limits are resolved against desiredNumberScheduled, rounding up (Kubernetes' update.go).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from controller_manager.history import REVISION_HASH_LABEL
from controller_manager.ownership import meta
from kubemini.api.int_or_percent import scaled_value
from kubemini.api.pods import is_available, is_terminating

Pod = Mapping[str, Any]


@dataclass
class Plan:
    create_on: list[str] = field(default_factory=list)
    delete: list[Pod] = field(default_factory=list)


def limits(ds: Mapping[str, Any], desired: int) -> tuple[int, int]:
    rolling = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {}
    surge = scaled_value(rolling.get("maxSurge", 0), desired, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable", 1), desired, round_up=True)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def split_by_revision(pods: list[Pod], revision_hash: str) -> tuple[Pod | None, Pod | None]:
    """(newest up-to-date pod, oldest old pod) among a node's live pods."""
    live = sorted((p for p in pods if not is_terminating(p)), key=lambda p: meta(p).get("creationTimestamp") or "")
    new = [p for p in live if (meta(p).get("labels") or {}).get(REVISION_HASH_LABEL) == revision_hash]
    old = [p for p in live if p not in new]
    return (new[-1] if new else None), (old[0] if old else None)


def rolling_update(
    ds: Mapping[str, Any], by_node: Mapping[str, list[Pod]], *, eligible: list[str], revision_hash: str, now: datetime
) -> Plan:
    min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)

    def available(pod: Pod) -> bool:
        return is_available(pod, min_ready_seconds=min_ready, now=now)

    surge, max_unavailable = limits(ds, len(eligible))
    plan = Plan()
    if surge == 0:
        unavailable, replaceable, candidates = 0, [], []
        for node in eligible:
            new, old = split_by_revision(by_node.get(node, []), revision_hash)
            if (new is None) == (old is None):
                unavailable += 1  # no pod yet, or both: the manage step is on it
            elif new is not None:
                unavailable += 0 if available(new) else 1
            elif not available(old):
                replaceable.append(old)
            elif unavailable < max_unavailable:
                candidates.append(old)
        room = min(max(max_unavailable - unavailable, 0), len(candidates))
        plan.delete = replaceable + candidates[:room]
        return plan
    surging, spare = 0, []
    for node in eligible:
        new, old = split_by_revision(by_node.get(node, []), revision_hash)
        if old is None:
            continue
        if new is None:
            (spare if available(old) else plan.create_on).append(node)
        elif not available(new):
            surging += 1
        else:
            plan.delete.append(old)
    plan.create_on += spare[: max(surge - surging, 0)]
    return plan

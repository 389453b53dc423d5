"""From a metrics proposal to the replica count the HPA sets (upstream's horizontal.go normalization).

    no spec.behavior:  highest recommendation of the downscale window (5 min) ──► [minReplicas, max(2×, 4)]
    spec.behavior:     recommendations within scaleUp/scaleDown stabilizationWindowSeconds
                       (up: the lowest of the window, down: the highest) ──► the rate the policies allow
                       (Pods/Percent per periodSeconds, counted from the replicas at the period's start;
                       selectPolicy Max/Min/Disabled) ──► [minReplicas, maxReplicas]
`ScalingHistory` keeps one HPA's recommendations and scale events in the controller's memory, as
upstream does; every function takes `now` so tests move time instead of waiting for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DOWNSCALE_STABILIZATION_SECONDS = 300.0
SCALE_UP_LIMIT_FACTOR = 2
SCALE_UP_LIMIT_MINIMUM = 4
WITHIN_RANGE = ("DesiredWithinRange", "the desired count is within the acceptable range")
TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
SCALE_UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
SCALE_DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
READY_FOR_NEW_SCALE = ("ReadyForNewScale", "recommended size matches current size")
SCALE_DOWN_STABILIZED = (
    "ScaleDownStabilized",
    "recent recommendations were higher than current one, applying the highest recent recommendation",
)
SCALE_UP_STABILIZED = (
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation",
)


@dataclass
class ScalingHistory:
    recommendations: list[tuple[float, int]] = field(default_factory=list)  # (time, replicas)
    scale_up_events: list[tuple[float, int]] = field(default_factory=list)  # (time, replicas added)
    scale_down_events: list[tuple[float, int]] = field(default_factory=list)  # (time, replicas removed)


@dataclass(frozen=True)
class Decision:
    replicas: int
    stabilization: tuple[str, str]  # AbleToScale reason, message
    limit: tuple[str, str]  # ScalingLimited reason, message (WITHIN_RANGE when not limited)


def _remember(history: ScalingHistory, now: float, replicas: int, *, keep_seconds: float) -> None:
    history.recommendations = [r for r in history.recommendations if r[0] >= now - keep_seconds]
    history.recommendations.append((now, replicas))


def _stabilization_reason(stabilized: int, proposed: int) -> tuple[str, str]:
    if stabilized > proposed:
        return SCALE_DOWN_STABILIZED
    if stabilized < proposed:
        return SCALE_UP_STABILIZED
    return READY_FOR_NEW_SCALE


def without_behavior(
    history: ScalingHistory,
    *,
    current: int,
    proposed: int,
    minimum: int,
    maximum: int,
    now: float,
    downscale_window_seconds: float = DOWNSCALE_STABILIZATION_SECONDS,
) -> Decision:
    """upstream's normalizeDesiredReplicas + convertDesiredReplicasWithRules."""
    recent = [r for t, r in history.recommendations if t >= now - downscale_window_seconds]
    stabilized = max([proposed, *recent])
    _remember(history, now, proposed, keep_seconds=downscale_window_seconds)
    scale_up_limit = max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM)
    allowed, limit_reason = (scale_up_limit, SCALE_UP_LIMIT) if maximum > scale_up_limit else (maximum, TOO_MANY)
    if stabilized < minimum:
        return Decision(minimum, _stabilization_reason(stabilized, proposed), TOO_FEW)
    if stabilized > allowed:
        return Decision(allowed, _stabilization_reason(stabilized, proposed), limit_reason)
    return Decision(stabilized, _stabilization_reason(stabilized, proposed), WITHIN_RANGE)


def _change_in_period(events: list[tuple[float, int]], period_seconds: float, now: float) -> int:
    return sum(change for moment, change in events if moment > now - period_seconds)


def _period_start(history: ScalingHistory, policy: dict, current: int, now: float) -> int:
    period = float(policy.get("periodSeconds") or 15)
    added = _change_in_period(history.scale_up_events, period, now)
    removed = _change_in_period(history.scale_down_events, period, now)
    return current - added + removed


def scale_up_limit(history: ScalingHistory, rules: dict, *, current: int, now: float) -> int:
    """upstream's calculateScaleUpLimitWithScalingRules."""
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    proposals = []
    for policy in rules.get("policies") or []:
        start = _period_start(history, policy, current, now)
        if policy.get("type") == "Pods":
            proposals.append(start + int(policy.get("value") or 0))
        else:
            proposals.append(math.ceil(start * (1 + int(policy.get("value") or 0) / 100)))
    if not proposals:
        return current
    return min(proposals) if select == "Min" else max(proposals)


def scale_down_limit(history: ScalingHistory, rules: dict, *, current: int, now: float) -> int:
    """upstream's calculateScaleDownLimitWithBehaviors: `Min` picks the smallest change, the highest floor."""
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    proposals = []
    for policy in rules.get("policies") or []:
        start = _period_start(history, policy, current, now)
        if policy.get("type") == "Pods":
            proposals.append(start - int(policy.get("value") or 0))
        else:
            proposals.append(int(start * (1 - int(policy.get("value") or 0) / 100)))
    if not proposals:
        return current
    return max(proposals) if select == "Min" else min(proposals)


def _window(rules: dict, default: float) -> float:
    value = rules.get("stabilizationWindowSeconds")
    return float(default if value is None else value)


def with_behavior(
    history: ScalingHistory,
    behavior: dict[str, Any],
    *,
    current: int,
    proposed: int,
    minimum: int,
    maximum: int,
    now: float,
    downscale_window_seconds: float = DOWNSCALE_STABILIZATION_SECONDS,
) -> Decision:
    """upstream's stabilizeRecommendationWithBehaviors + convertDesiredReplicasWithBehaviorRate."""
    up_rules, down_rules = behavior.get("scaleUp") or {}, behavior.get("scaleDown") or {}
    up_window, down_window = _window(up_rules, 0.0), _window(down_rules, downscale_window_seconds)
    up_recommendation = down_recommendation = proposed
    for moment, replicas in history.recommendations:
        if moment > now - up_window:
            up_recommendation = min(up_recommendation, replicas)
        if moment > now - down_window:
            down_recommendation = max(down_recommendation, replicas)
    stabilized = min(max(current, up_recommendation), down_recommendation)
    _remember(history, now, proposed, keep_seconds=max(up_window, down_window))
    reason = _stabilization_reason(stabilized, proposed)
    if stabilized > current:
        limit = max(scale_up_limit(history, up_rules, current=current, now=now), current)
        allowed, limit_reason = (limit, SCALE_UP_LIMIT) if maximum > limit else (maximum, TOO_MANY)
        if stabilized > allowed:
            return Decision(allowed, reason, limit_reason)
    elif stabilized < current:
        limit = min(scale_down_limit(history, down_rules, current=current, now=now), current)
        allowed, limit_reason = (limit, SCALE_DOWN_LIMIT) if minimum < limit else (minimum, TOO_FEW)
        if stabilized < allowed:
            return Decision(allowed, reason, limit_reason)
    return Decision(stabilized, reason, WITHIN_RANGE)


def record_scale_event(history: ScalingHistory, behavior: dict | None, *, before: int, after: int, now: float) -> None:
    """Remember a rescale for the policies' periods (kept as long as the longest period)."""
    if not behavior or before == after:
        return
    rules = behavior.get("scaleUp" if after > before else "scaleDown") or {}
    longest = max([float(p.get("periodSeconds") or 15) for p in rules.get("policies") or []] or [0.0])
    events = history.scale_up_events if after > before else history.scale_down_events
    events[:] = [e for e in events if e[0] > now - longest]
    events.append((now, abs(after - before)))

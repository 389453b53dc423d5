"""Stabilization and scaling policies against the examples of Kubernetes' HPA documentation ("Configurable
scaling behavior") and upstream's horizontal_test.go normalization cases."""

from __future__ import annotations

import pytest

from controller_manager.podautoscaler.scaling_rules import (
    SCALE_DOWN_LIMIT,
    SCALE_DOWN_STABILIZED,
    SCALE_UP_LIMIT,
    TOO_FEW,
    TOO_MANY,
    WITHIN_RANGE,
    ScalingHistory,
    record_scale_event,
    with_behavior,
    without_behavior,
)
from kubemini.api.kinds.autoscaling import default_behavior

DOCS_DOWN_POLICIES = [
    {"type": "Pods", "value": 4, "periodSeconds": 60},
    {"type": "Percent", "value": 10, "periodSeconds": 60},
]


def behavior(**parts) -> dict:
    value = dict(parts)
    default_behavior(value)
    return value


def test_without_behavior_scale_up_is_limited_to_double_or_four():
    decision = without_behavior(ScalingHistory(), current=1, proposed=10, minimum=1, maximum=20, now=0)
    assert (decision.replicas, decision.limit) == (4, SCALE_UP_LIMIT)
    decision = without_behavior(ScalingHistory(), current=5, proposed=30, minimum=1, maximum=20, now=0)
    assert (decision.replicas, decision.limit) == (10, SCALE_UP_LIMIT)
    decision = without_behavior(ScalingHistory(), current=5, proposed=30, minimum=1, maximum=8, now=0)
    assert (decision.replicas, decision.limit) == (8, TOO_MANY)


def test_without_behavior_downscale_takes_the_highest_recommendation_of_five_minutes():
    history = ScalingHistory()
    without_behavior(history, current=5, proposed=5, minimum=1, maximum=10, now=0)
    decision = without_behavior(history, current=5, proposed=2, minimum=1, maximum=10, now=60)
    assert (decision.replicas, decision.stabilization) == (5, SCALE_DOWN_STABILIZED)
    decision = without_behavior(history, current=5, proposed=2, minimum=1, maximum=10, now=301)
    assert decision.replicas == 2
    decision = without_behavior(history, current=2, proposed=0, minimum=1, maximum=10, now=700)
    assert (decision.replicas, decision.limit) == (1, TOO_FEW)


def test_docs_scale_down_policies_pick_the_largest_change():
    # docs: Pods 4 / 60 s and Percent 10 / 60 s; with 80 replicas the Percent policy (8) wins
    rules = behavior(
        scaleDown={
            "stabilizationWindowSeconds": 0,
            "policies": DOCS_DOWN_POLICIES,
        }
    )
    history = ScalingHistory()
    decision = with_behavior(history, rules, current=80, proposed=10, minimum=1, maximum=100, now=0)
    assert (decision.replicas, decision.limit) == (72, SCALE_DOWN_LIMIT)
    record_scale_event(history, rules, before=80, after=72, now=0)
    # within the same period nothing more may go
    assert with_behavior(history, rules, current=72, proposed=10, minimum=1, maximum=100, now=30).replicas == 72
    # next period: 10 % of 72 is 7.2, rounded up to 8 pods removed (docs)
    assert with_behavior(history, rules, current=72, proposed=10, minimum=1, maximum=100, now=61).replicas == 64


def test_docs_select_policy_min_picks_the_smallest_change():
    rules = behavior(
        scaleDown={
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Min",
            "policies": DOCS_DOWN_POLICIES,
        }
    )
    assert with_behavior(ScalingHistory(), rules, current=80, proposed=10, minimum=1, maximum=100, now=0).replicas == 76


def test_docs_disabled_scale_down():
    rules = behavior(scaleDown={"selectPolicy": "Disabled", "stabilizationWindowSeconds": 0})
    decision = with_behavior(ScalingHistory(), rules, current=10, proposed=1, minimum=1, maximum=20, now=0)
    assert decision.replicas == 10


def test_docs_scale_up_900_percent():
    rules = behavior(scaleUp={"policies": [{"type": "Percent", "value": 900, "periodSeconds": 60}]})
    assert with_behavior(ScalingHistory(), rules, current=1, proposed=50, minimum=1, maximum=100, now=0).replicas == 10
    decision = with_behavior(ScalingHistory(), rules, current=10, proposed=500, minimum=1, maximum=1000, now=0)
    assert decision.replicas == 100


def test_default_scale_up_policies_allow_4_pods_or_double_per_15_seconds():
    rules = behavior()
    history = ScalingHistory()
    decision = with_behavior(history, rules, current=1, proposed=10, minimum=1, maximum=20, now=0)
    assert (decision.replicas, decision.limit) == (5, SCALE_UP_LIMIT)
    record_scale_event(history, rules, before=1, after=5, now=0)
    assert with_behavior(history, rules, current=5, proposed=10, minimum=1, maximum=20, now=10).replicas == 5
    assert with_behavior(history, rules, current=5, proposed=10, minimum=1, maximum=20, now=16).replicas == 10


def test_scale_down_stabilization_window():
    rules = behavior(scaleDown={"stabilizationWindowSeconds": 60})
    history = ScalingHistory()
    assert with_behavior(history, rules, current=4, proposed=4, minimum=1, maximum=10, now=0).replicas == 4
    decision = with_behavior(history, rules, current=4, proposed=1, minimum=1, maximum=10, now=30)
    assert (decision.replicas, decision.stabilization) == (4, SCALE_DOWN_STABILIZED)
    assert with_behavior(history, rules, current=4, proposed=1, minimum=1, maximum=10, now=61).replicas == 1


def test_scale_up_stabilization_window_takes_the_lowest_recommendation():
    rules = behavior(scaleUp={"stabilizationWindowSeconds": 60})
    history = ScalingHistory()
    with_behavior(history, rules, current=2, proposed=2, minimum=1, maximum=10, now=0)
    assert with_behavior(history, rules, current=2, proposed=6, minimum=1, maximum=10, now=30).replicas == 2
    assert with_behavior(history, rules, current=2, proposed=6, minimum=1, maximum=10, now=61).replicas == 6


@pytest.mark.parametrize(("proposed", "expected"), [(5, (5, WITHIN_RANGE)), (30, (20, TOO_MANY))])
def test_max_replicas_bound(proposed, expected):
    rules = behavior(scaleUp={"policies": [{"type": "Pods", "value": 100, "periodSeconds": 15}]})
    decision = with_behavior(ScalingHistory(), rules, current=3, proposed=proposed, minimum=1, maximum=20, now=0)
    assert (decision.replicas, decision.limit) == expected

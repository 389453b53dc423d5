"""Toleration matching, Kubernetes' rules."""

from __future__ import annotations

import pytest

from kubemini.api.tolerations import (
    Taint,
    count_untolerated,
    first_untolerated,
    parse_taints,
    parse_tolerations,
)

GPU = Taint("dedicated", "gpu", "NoSchedule")


def toleration(**fields):
    return parse_tolerations([fields])[0]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}, True),
        ({"key": "dedicated", "value": "gpu"}, True),  # operator defaults to Equal, empty effect = all
        ({"key": "dedicated", "value": "cpu"}, False),
        ({"key": "dedicated", "operator": "Exists"}, True),
        ({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, False),
        ({"key": "other", "operator": "Exists"}, False),
        ({"operator": "Exists"}, True),  # empty key + Exists tolerates everything
        ({"operator": "Exists", "effect": "PreferNoSchedule"}, False),
        ({"key": "dedicated", "operator": "Lt", "value": "gpu"}, False),
    ],
)
def test_toleration_matches_taint(fields, expected):
    assert toleration(**fields).tolerates(GPU) is expected


def test_first_untolerated_taint_in_order():
    taints = parse_taints([{"key": "a", "effect": "NoSchedule"}, {"key": "b", "value": "1", "effect": "NoExecute"}])
    assert first_untolerated(taints, ()) == Taint("a", "", "NoSchedule")
    tolerations = parse_tolerations([{"key": "a", "operator": "Exists"}])
    assert first_untolerated(taints, tolerations) == Taint("b", "1", "NoExecute")
    assert first_untolerated(taints, parse_tolerations([{"operator": "Exists"}])) is None


def test_prefer_no_schedule_count_ignores_tolerations_for_other_effects():
    taints = parse_taints([{"key": "spot", "effect": "PreferNoSchedule"}, {"key": "old", "effect": "PreferNoSchedule"}])
    assert count_untolerated(taints, ()) == 2
    assert count_untolerated(taints, parse_tolerations([{"key": "spot", "operator": "Exists"}])) == 1
    no_schedule_only = parse_tolerations([{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}])
    assert count_untolerated(taints, no_schedule_only) == 2

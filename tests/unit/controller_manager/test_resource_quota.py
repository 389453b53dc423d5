"""The resourcequota controller's pure parts: the status it writes and the kinds `count/` names point at."""

from __future__ import annotations

from fractions import Fraction

from controller_manager.resource_quota import count_target, status_for


def test_status_mirrors_hard_and_prints_used_as_quantities():
    quota = {"spec": {"hard": {"pods": "10", "requests.memory": "1Gi"}}}
    used = {"pods": Fraction(2), "requests.memory": Fraction(3 * 2**28)}
    assert status_for(quota, used) == {
        "hard": {"pods": "10", "requests.memory": "1Gi"},
        "used": {"pods": "2", "requests.memory": "768Mi"},
    }


def test_count_names_point_at_a_group_and_resource():
    assert count_target("count/deployments.apps") == ("apps", "deployments")
    assert count_target("count/pods") == ("", "pods")
    assert count_target("count/widgets.example.com") == ("example.com", "widgets")
    assert count_target("pods") is None

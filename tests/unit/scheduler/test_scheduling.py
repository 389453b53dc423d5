"""Choosing a node: the FitError message, how many nodes are searched, ties, spreading."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from scheduler.cache import SchedulerCache
from scheduler.scheduling import FitError, NodePicker, feasible_nodes_to_find
from tests.unit.scheduler.objects import info_of, make_node, make_pod, node_info


def test_fit_error_message_counts_reasons_and_sorts_them_like_kube_scheduler():
    nodes = [
        node_info(make_node("a", cpu="1")),
        node_info(make_node("b", cpu="1")),
        node_info(make_node("infra", taints=[{"key": "node-role", "value": "infra", "effect": "NoSchedule"}])),
    ]
    with pytest.raises(FitError) as caught:
        NodePicker().pick(info_of(make_pod("p", cpu="2")), nodes)
    assert caught.value.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role: infra}, 2 Insufficient cpu."
    )


def test_fit_error_counts_every_reason_of_a_node():
    nodes = [node_info(make_node("a", cpu="1", memory="1Gi")), node_info(make_node("b", cpu="1", memory="8Gi"))]
    with pytest.raises(FitError) as caught:
        NodePicker().pick(info_of(make_pod("p", cpu="2", memory="2Gi")), nodes)
    assert caught.value.message == "0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu."


def test_no_nodes_at_all():
    with pytest.raises(FitError) as caught:
        NodePicker().pick(info_of(make_pod("p")), [])
    assert caught.value.message == "0/0 nodes are available."


@pytest.mark.parametrize(
    ("total", "wanted"), [(3, 3), (99, 99), (100, 100), (250, 120), (1000, 420), (5000, 500), (6000, 300)]
)
def test_adaptive_number_of_feasible_nodes(total, wanted):
    assert feasible_nodes_to_find(total) == wanted


def test_search_stops_at_enough_feasible_nodes_and_rotates_its_start():
    nodes = [node_info(make_node(f"n{i}")) for i in range(1000)]
    picker = NodePicker(rng=random.Random(1))
    first = picker.pick(info_of(make_pod("p")), nodes)
    assert (first.feasible, first.evaluated, picker.next_start) == (420, 420, 420)
    picker.pick(info_of(make_pod("q")), nodes)
    assert picker.next_start == 840
    picker.pick(info_of(make_pod("r")), nodes)
    assert picker.next_start == 260  # wrapped around


def test_infeasible_nodes_are_skipped_while_searching():
    nodes = [node_info(make_node(f"n{i}", cpu="1" if i % 2 else "8")) for i in range(10)]
    decision = NodePicker().pick(info_of(make_pod("p", cpu="4")), nodes)
    assert int(decision.node_name[1:]) % 2 == 0
    assert (decision.feasible, decision.evaluated) == (5, 10)


def test_ties_are_broken_at_random_so_equal_nodes_fill_evenly():
    nodes = [node_info(make_node(name)) for name in ("a", "b", "c")]
    picker = NodePicker(rng=random.Random(7))
    chosen = Counter(picker.pick(info_of(make_pod(f"p{i}")), nodes).node_name for i in range(300))
    assert set(chosen) == {"a", "b", "c"}
    assert min(chosen.values()) > 60


def test_pods_of_one_owner_spread_over_equal_nodes_when_each_decision_is_assumed():
    for seed in range(20):
        cache = SchedulerCache()
        for name in ("a", "b", "c"):
            cache.set_node(make_node(name))
        picker = NodePicker(rng=random.Random(seed))
        for index in range(10):
            pod = info_of(make_pod(f"web-{index}", cpu="100m", owner_uid="rs-web"))
            cache.assume(pod.usage, picker.pick(pod, cache.nodes()).node_name)
        per_node = sorted(len(info.pods) for info in cache.nodes())
        assert per_node == [3, 3, 4], f"seed {seed}: {per_node}"


def test_the_most_free_node_wins_without_an_owner():
    busy = node_info(make_node("busy"), make_pod("x", cpu="3"))
    idle = node_info(make_node("idle"))
    assert NodePicker().pick(info_of(make_pod("p", cpu="100m")), [busy, idle]).node_name == "idle"

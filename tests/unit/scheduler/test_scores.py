"""Each score plugin, normalisation, and the weighted sum."""

from __future__ import annotations

from scheduler.scores import (
    MAX_NODE_SCORE,
    WEIGHTS,
    balanced_allocation,
    least_allocated,
    normalize,
    owner_pod_count,
    preferred_affinity,
    resource_totals,
    score_nodes,
    spread_scores,
    untolerated_prefer_no_schedule,
)
from tests.unit.scheduler.objects import info_of, make_node, make_pod, node_info


def test_least_allocated_is_the_free_share_after_the_pod():
    node = node_info(make_node("n", cpu="4", memory="4Gi"), make_pod("a", cpu="1", memory="1Gi"))
    pod = info_of(make_pod("p", cpu="1", memory="1Gi"))
    assert least_allocated(pod, node) == 50  # cpu (4-2)/4 = 50, memory 50
    empty = node_info(make_node("e", cpu="4", memory="4Gi"))
    assert least_allocated(pod, empty) == 75


def test_least_allocated_counts_best_effort_pods_with_default_requests():
    node = node_info(make_node("n", cpu="1", memory="2000Mi"), make_pod("a"))  # 100m, 200Mi by default
    pod = info_of(make_pod("p"))
    assert least_allocated(pod, node) == (80 + 80) // 2


def test_least_allocated_is_zero_when_overcommitted_or_empty():
    pod = info_of(make_pod("p", cpu="8", memory="1Gi"))
    assert least_allocated(pod, node_info(make_node("n", cpu="4", memory="1Gi"))) == 0
    assert least_allocated(pod, node_info(make_node("z", cpu="0", memory="0"))) == 0


def test_balanced_allocation_prefers_equal_shares():
    pod = info_of(make_pod("p", cpu="1", memory="1Gi"))
    balanced = node_info(make_node("b", cpu="4", memory="4Gi"))
    skewed = node_info(make_node("s", cpu="4", memory="64Gi"))
    assert balanced_allocation(pod, balanced) == MAX_NODE_SCORE
    assert balanced_allocation(pod, skewed) < MAX_NODE_SCORE
    # fractions 0.25 and 1/64: deviation (0.25 - 0.015625) / 2
    assert balanced_allocation(pod, skewed) == int((1 - (0.25 - 1 / 64) / 2) * 100)


def test_owner_spread_counts_pods_of_the_same_controller():
    node = node_info(make_node("n"), make_pod("a", owner_uid="rs"), make_pod("b", owner_uid="rs"), make_pod("c"))
    assert owner_pod_count(info_of(make_pod("p", owner_uid="rs")), node) == 2
    assert owner_pod_count(info_of(make_pod("q", owner_uid="other")), node) == 0
    assert spread_scores([0, 1, 2]) == [100, 50, 0]
    assert spread_scores([0, 0]) == [100, 100]


def test_preferred_affinity_and_prefer_no_schedule_raw_values():
    affinity = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 30, "preference": {"matchExpressions": [{"key": "disk", "operator": "Exists"}]}}
            ]
        }
    }
    pod = info_of(make_pod("p", affinity=affinity))
    assert preferred_affinity(pod, node_info(make_node("n", labels={"disk": "ssd"}))) == 30
    assert preferred_affinity(pod, node_info(make_node("m"))) == 0
    spot = node_info(make_node("s", taints=[{"key": "spot", "effect": "PreferNoSchedule"}]))
    assert untolerated_prefer_no_schedule(pod, spot) == 1
    tolerant = info_of(make_pod("t", tolerations=[{"key": "spot", "operator": "Exists"}]))
    assert untolerated_prefer_no_schedule(tolerant, spot) == 0


def test_normalize_scales_by_the_maximum_and_reverses():
    assert normalize([0, 5, 10]) == [0, 50, 100]
    assert normalize([0, 0]) == [0, 0]
    assert normalize([0, 1, 2], reverse=True) == [100, 50, 0]
    assert normalize([0, 0], reverse=True) == [100, 100]


def test_weighted_sum_steers_away_from_prefer_no_schedule_and_toward_preferred_nodes():
    plain, spot = (
        node_info(make_node("plain")),
        node_info(make_node("spot", taints=[{"key": "spot", "effect": "PreferNoSchedule"}])),
    )
    totals = score_nodes(info_of(make_pod("p")), [plain, spot])
    assert totals[0] - totals[1] == WEIGHTS["prefer_no_schedule"] * MAX_NODE_SCORE
    affinity = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 1,
                    "preference": {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["spot"]}]},
                }
            ]
        }
    }
    totals = score_nodes(info_of(make_pod("q", affinity=affinity)), [plain, spot])
    assert totals[1] - totals[0] == (WEIGHTS["preferred_affinity"] - WEIGHTS["prefer_no_schedule"]) * MAX_NODE_SCORE


def test_weighted_sum_spreads_an_owner_and_skips_the_spread_when_counts_are_equal():
    a = node_info(make_node("a"), make_pod("x", owner_uid="rs"))
    b = node_info(make_node("b"), make_pod("y", owner_uid="other"))
    totals = score_nodes(info_of(make_pod("p", owner_uid="rs")), [a, b])
    assert totals[1] - totals[0] == WEIGHTS["owner_spread"] * MAX_NODE_SCORE
    totals = score_nodes(info_of(make_pod("p", owner_uid="nobody")), [a, b])
    assert totals[0] == totals[1]


def test_the_fused_resource_pass_equals_the_two_plugins_weighted():
    nodes = [
        node_info(make_node("empty", cpu="4", memory="4Gi")),
        node_info(make_node("busy", cpu="4", memory="4Gi"), make_pod("a", cpu="3", memory="1Gi")),
        node_info(make_node("skewed", cpu="2", memory="64Gi"), make_pod("b", cpu="1500m")),
        node_info(make_node("over", cpu="1", memory="1Gi"), make_pod("c", cpu="2", memory="2Gi")),
        node_info(make_node("no-cpu", cpu="0", memory="8Gi")),
        node_info(make_node("nothing", cpu="0", memory="0")),
        node_info(make_node("best-effort", cpu="1", memory="2000Mi"), make_pod("d"), make_pod("e")),
    ]
    for pod in (make_pod("p"), make_pod("q", cpu="1", memory="1Gi"), make_pod("r", cpu="8", memory="100Gi")):
        info = info_of(pod)
        expected = [
            WEIGHTS["least_allocated"] * least_allocated(info, n)
            + WEIGHTS["balanced_allocation"] * balanced_allocation(info, n)
            for n in nodes
        ]
        assert resource_totals(info, nodes) == expected

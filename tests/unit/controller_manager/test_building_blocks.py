"""Expectations, slow start, deletion ranking, tolerations, node taints, controller selection."""

from __future__ import annotations

import pytest

from controller_manager.expectations import Expectations
from controller_manager.manager import ALL_CONTROLLERS, enabled_controllers
from controller_manager.node_lifecycle import merge_taints, unknown_conditions, wanted_taints
from controller_manager.slow_start import run_in_batches
from controller_manager.taint_eviction import toleration_seconds
from kubemini.api.pods import deletion_order
from kubemini.api.tolerations import tolerates
from tests.unit.controller_manager.fakes import pod


def test_expectations_wait_for_every_creation_and_each_named_deletion():
    now = [0.0]
    expectations = Expectations(ttl_seconds=300, clock=lambda: now[0])
    assert expectations.satisfied("rs")
    expectations.expect_creations("rs", 2)
    expectations.creation_observed("rs")
    assert not expectations.satisfied("rs")
    expectations.creation_observed("rs")
    assert expectations.satisfied("rs")
    expectations.expect_deletions("rs", ["ns/a", "ns/b"])
    expectations.deletion_observed("rs", "ns/a")
    expectations.deletion_observed("rs", "ns/a")  # seen twice (terminating, then DELETED): counts once
    assert not expectations.satisfied("rs")
    now[0] = 301.0
    assert expectations.satisfied("rs"), "a lost event must not wedge the controller forever"


async def test_slow_start_doubles_and_stops_after_a_failing_batch():
    calls = []

    async def action():
        calls.append(len(calls))
        if len(calls) == 5:
            raise RuntimeError("quota")

    done, error = await run_in_batches(100, action)
    assert (len(calls), done, str(error)) == (7, 6, "quota")  # batches 1, 2, 4
    calls.clear()
    done, error = await run_in_batches(10, lambda: _noop())
    assert (done, error) == (10, None)


async def _noop() -> None:
    return None


def test_deletion_order_prefers_unscheduled_pending_unready_then_newest():
    labels = {"app": "x"}
    pods = [
        pod("old", labels=labels, created="2026-01-01T00:00:00Z", ready_since="2026-01-01T00:00:01Z"),
        pod("new", labels=labels, created="2026-01-01T01:00:00Z", ready_since="2026-01-01T01:00:01Z"),
        pod("unready", labels=labels, ready=False),
        pod("pending", labels=labels, phase="Pending", ready=False),
        pod("nowhere", labels=labels, node=None, phase="Pending", ready=False),
    ]
    ranked = sorted(pods, key=deletion_order)
    assert [p["metadata"]["name"] for p in ranked] == ["nowhere", "pending", "unready", "new", "old"]
    doubled = sorted(pods[:2], key=lambda p: deletion_order(p, colocated=3 if p["metadata"]["name"] == "old" else 1))
    assert doubled[0]["metadata"]["name"] == "old", "a pod doubled up on a node goes first"


UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "2026-01-01T00:00:00Z"}


def test_tolerations_match_like_kubernetes():
    assert tolerates({"operator": "Exists"}, UNREACHABLE)
    assert tolerates({"key": UNREACHABLE["key"], "operator": "Exists", "effect": "NoExecute"}, UNREACHABLE)
    assert not tolerates({"key": UNREACHABLE["key"], "operator": "Exists", "effect": "NoSchedule"}, UNREACHABLE)
    assert tolerates({"key": "k", "value": "v"}, {"key": "k", "value": "v", "effect": "NoExecute"})
    assert not tolerates({"key": "k", "value": "w"}, {"key": "k", "value": "v", "effect": "NoExecute"})


def test_toleration_seconds_take_the_smallest_and_untolerated_means_now():
    def with_tolerations(*tolerations):
        return {"spec": {"tolerations": list(tolerations)}}

    default = {"key": UNREACHABLE["key"], "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
    assert toleration_seconds(with_tolerations(default), [UNREACHABLE]) == 300
    forever = {"key": UNREACHABLE["key"], "operator": "Exists", "effect": "NoExecute"}
    assert toleration_seconds(with_tolerations(forever), [UNREACHABLE]) is None
    assert toleration_seconds(with_tolerations(forever, {**default, "tolerationSeconds": 5}), [UNREACHABLE]) == 5
    assert toleration_seconds(with_tolerations(), [UNREACHABLE]) == 0


def test_taints_follow_the_ready_condition_and_keep_foreign_ones():
    foreign = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    assert wanted_taints("True") == []
    tainted = merge_taints([foreign], wanted_taints("Unknown"))
    assert {(t["key"], t["effect"]) for t in tainted} == {
        ("dedicated", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    }
    assert all("timeAdded" in t for t in tainted if t["effect"] == "NoExecute")
    assert merge_taints(tainted, wanted_taints("Unknown")) == tainted, "timeAdded must not move"
    assert merge_taints(tainted, wanted_taints("True")) == [foreign]
    assert {t["key"] for t in merge_taints(tainted, wanted_taints("False"))} == {
        "dedicated",
        "node.kubernetes.io/not-ready",
    }


def test_a_silent_node_has_every_kubelet_condition_unknown():
    node = {"status": {"conditions": [
        {"type": "Ready", "status": "True", "lastHeartbeatTime": "h"},
        {"type": "MemoryPressure", "status": "False"},
        {"type": "NetworkUnavailable", "status": "False"},
    ]}}  # fmt: skip
    conditions = {c["type"]: c for c in unknown_conditions(node)}
    assert conditions["Ready"]["status"] == "Unknown" and conditions["Ready"]["reason"] == "NodeStatusUnknown"
    assert conditions["Ready"]["lastHeartbeatTime"] == "h"
    assert conditions["MemoryPressure"]["status"] == "Unknown"
    assert conditions["NetworkUnavailable"]["status"] == "False"
    never = {c["type"]: c for c in unknown_conditions({"status": {}})}
    assert never["Ready"]["reason"] == "NodeStatusNeverUpdated"


def test_controller_selection_syntax():
    assert enabled_controllers("*") == frozenset(ALL_CONTROLLERS)
    assert "garbagecollector" not in enabled_controllers("*,-garbagecollector")
    assert enabled_controllers("replicaset,deployment") == {"replicaset", "deployment"}
    with pytest.raises(ValueError):
        enabled_controllers("*,-nope")

"""Pure rollout arithmetic and bookkeeping: rounding, fenceposts, hashes, revisions, conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller_manager import deployment_status as status_mod
from controller_manager.deployment_revisions import (
    HASH_LABEL,
    REVISION,
    REVISION_HISTORY,
    history_to_delete,
    set_new_rs_annotations,
    template_hash,
    templates_equal,
)
from controller_manager.rollout_limits import (
    available_within_size,
    fenceposts,
    max_unavailable,
    new_rs_replicas,
    pods_possibly_running,
    scaled_value,
)


def deployment(replicas: int, surge, unavailable, *, strategy: str = "RollingUpdate") -> dict:
    rolling = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"spec": {"replicas": replicas, "strategy": {"type": strategy, "rollingUpdate": rolling}}}


@pytest.mark.parametrize(
    ("value", "total", "up", "down"),
    [("25%", 10, 3, 2), ("50%", 3, 2, 1), ("0%", 7, 0, 0), ("100%", 4, 4, 4), (2, 10, 2, 2)],
)
def test_percentages_round_up_for_surge_and_down_for_unavailable(value, total, up, down):
    assert scaled_value(value, total, round_up=True) == up
    assert scaled_value(value, total, round_up=False) == down


def test_invalid_int_or_percent_is_rejected():
    with pytest.raises(ValueError):
        scaled_value("ten%", 10, round_up=True)
    with pytest.raises(ValueError):
        scaled_value("5", 10, round_up=True)  # a plain string of digits is not a percent, as in Kubernetes


def test_both_fenceposts_zero_after_rounding_allows_one_unavailable():
    assert fenceposts(deployment(3, "10%", "10%")) == (1, 0)  # surge rounds up to 1
    assert fenceposts(deployment(3, 0, "10%")) == (0, 1)
    assert max_unavailable(deployment(2, 0, 5)) == 2  # never more than replicas
    assert max_unavailable(deployment(5, 1, 1, strategy="Recreate")) == 0


def test_new_replicaset_grows_only_into_the_surge_room():
    d = deployment(10, 2, 0)
    assert new_rs_replicas(d, new_rs={"spec": {"replicas": 0}}, current_pods=10) == 2
    assert new_rs_replicas(d, new_rs={"spec": {"replicas": 2}}, current_pods=12) == 2
    assert new_rs_replicas(d, new_rs={"spec": {"replicas": 8}}, current_pods=10) == 10
    assert (
        new_rs_replicas(deployment(10, 2, 0, strategy="Recreate"), new_rs={"spec": {"replicas": 0}}, current_pods=0)
        == 10
    )


def test_a_replicaset_shrinking_still_counts_its_pods_and_not_their_availability():
    rs = {"spec": {"replicas": 8}, "status": {"replicas": 10, "availableReplicas": 10}}
    assert pods_possibly_running(rs) == 10
    assert pods_possibly_running(rs, observed_pods=11) == 11
    assert available_within_size(rs) == 8


def test_template_hash_is_stable_and_safe():
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}}
    first = template_hash(template)
    assert first == template_hash({"spec": template["spec"], "metadata": template["metadata"]})
    assert first != template_hash(template, 1)
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(first) <= 10


def test_templates_equal_ignores_the_hash_label_and_empty_fields():
    a = {
        "metadata": {"labels": {"app": "web", HASH_LABEL: "abc"}},
        "spec": {"containers": [{"name": "c"}], "volumes": []},
    }
    b = {"metadata": {"labels": {"app": "web"}, "annotations": {}}, "spec": {"containers": [{"name": "c"}]}}
    assert templates_equal(a, b)
    b["spec"]["containers"][0]["image"] = "x"
    assert not templates_equal(a, b)


def test_promoting_an_old_replicaset_records_its_former_revision():
    d = {"metadata": {"annotations": {"kubernetes.io/change-cause": "undo", REVISION: "9"}}, "spec": {"replicas": 3}}
    rs = {"metadata": {"annotations": {REVISION: "1"}}}
    assert set_new_rs_annotations(d, rs, new_revision=4, exists=True, max_replicas=4)
    annotations = rs["metadata"]["annotations"]
    assert annotations[REVISION] == "4" and annotations[REVISION_HISTORY] == "1"
    assert annotations["kubernetes.io/change-cause"] == "undo"
    assert not set_new_rs_annotations(d, rs, new_revision=4, exists=True, max_replicas=4)


def test_history_cleanup_takes_the_oldest_idle_replicasets_only():
    def rs(revision: int, replicas: int = 0, **meta) -> dict:
        metadata = {"name": f"r{revision}", "annotations": {REVISION: str(revision)}, "generation": 1, **meta}
        return {
            "metadata": metadata,
            "spec": {"replicas": replicas},
            "status": {"replicas": replicas, "observedGeneration": 1},
        }

    old = [rs(3), rs(1), rs(2, replicas=1), rs(4), rs(5, deletionTimestamp="x")]
    assert [r["metadata"]["name"] for r in history_to_delete(old, limit=1)] == ["r1", "r3"]


def test_progress_deadline_is_reported_when_nothing_moves():
    now = datetime.now(UTC)
    stamp = (now - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    d = {
        "metadata": {"name": "web", "generation": 2},
        "spec": {"replicas": 2, "progressDeadlineSeconds": 10, "strategy": {"type": "Recreate"}},
        "status": {
            "observedGeneration": 2,
            "replicas": 2,
            "updatedReplicas": 2,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                            "lastUpdateTime": stamp, "lastTransitionTime": stamp}],
        },
    }  # fmt: skip
    new = {"metadata": {"name": "web-abc"}, "spec": {"replicas": 2}, "status": {"replicas": 2}}
    status, wait = status_mod.rollout_status(d, [new], new, now=now)
    progressing = status_mod.get_condition(status, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert wait is None
    # Progress (a pod became ready) refreshes lastUpdateTime and keeps the rollout alive instead.
    new["status"]["readyReplicas"] = 1
    status, wait = status_mod.rollout_status(d, [new], new, now=now)
    assert status_mod.get_condition(status, "Progressing")["reason"] == "ReplicaSetUpdated"
    assert 10 <= wait <= 11.5


def test_set_condition_keeps_transition_time_when_only_the_reason_changes():
    status = {"conditions": [{"type": "Progressing", "status": "True", "reason": "A", "lastTransitionTime": "then"}]}
    status_mod.set_condition(status, status_mod.new_condition("Progressing", "True", "B", "m"))
    assert status["conditions"][0]["reason"] == "B" and status["conditions"][0]["lastTransitionTime"] == "then"

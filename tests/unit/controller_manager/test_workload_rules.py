"""DaemonSet placement and rollout, StatefulSet planning, CronJob timing, revision history: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

from controller_manager.cronjob import schedule
from controller_manager.daemonset import placement, rollout
from controller_manager.history import REVISION_HASH_LABEL, hash_of, patch_of, template_of
from controller_manager.statefulset import identity, planning

NOW = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
READY = [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]


def ds(**pod_spec) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "d", "namespace": "n", "uid": "u", "generation": 2},
        "spec": {
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "c"}], **pod_spec}},
        },
    }


def node(name: str, labels=None, taints=None) -> dict:
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []}}


def test_node_fit_follows_selectors_affinity_and_taints():
    assert placement.node_fit(ds(), node("a")) == (True, True)
    assert placement.node_fit(ds(nodeSelector={"disk": "ssd"}), node("a")) == (False, False)
    assert placement.node_fit(ds(nodeSelector={"disk": "ssd"}), node("a", {"disk": "ssd"})) == (True, True)
    no_schedule = [{"key": "k", "value": "v", "effect": "NoSchedule"}]
    assert placement.node_fit(ds(), node("a", taints=no_schedule)) == (False, True), "keeps running, no new pod"
    assert placement.node_fit(ds(), node("a", taints=[{"key": "k", "effect": "NoExecute"}])) == (False, False)
    unschedulable = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    assert placement.node_fit(ds(), node("a", taints=unschedulable)) == (True, True), "daemon pods tolerate it"
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z1"]}]}]
            }
        }
    }
    assert placement.node_fit(ds(affinity=affinity), node("a", {"zone": "z2"})) == (False, False)


def test_daemon_pod_is_pinned_by_node_affinity_with_the_daemon_tolerations():
    pod = placement.pod_for_node(ds(hostNetwork=True), "a", revision_hash="h1")
    assert placement.target_node(pod) == "a" and pod["metadata"]["labels"][REVISION_HASH_LABEL] == "h1"
    assert pod["metadata"]["labels"][placement.TEMPLATE_GENERATION_LABEL] == "2"
    keys = {(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]}
    assert ("node.kubernetes.io/network-unavailable", "NoSchedule") in keys and len(keys) == 7


def daemon_pod(name: str, node_name: str, revision: str, *, ready: bool = True) -> dict:
    return {
        "metadata": {
            "name": name,
            "labels": {REVISION_HASH_LABEL: revision},
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {"nodeName": node_name},
        "status": {"phase": "Running", "conditions": READY if ready else []},
    }


def test_rolling_update_respects_max_unavailable_and_surges_when_asked():
    by_node = {n: [daemon_pod(f"p-{n}", n, "old")] for n in ("a", "b", "c")}
    plan = rollout.rolling_update(ds(), by_node, eligible=["a", "b", "c"], revision_hash="new", now=NOW)
    assert len(plan.delete) == 1 and not plan.create_on
    by_node["a"] = [daemon_pod("q-a", "a", "new", ready=False)]
    assert rollout.rolling_update(ds(), by_node, eligible=["a", "b", "c"], revision_hash="new", now=NOW).delete == []
    surge = ds()
    surge["spec"]["updateStrategy"]["rollingUpdate"] = {"maxSurge": 1, "maxUnavailable": 0}
    by_node = {n: [daemon_pod(f"p-{n}", n, "old")] for n in ("a", "b")}
    plan = rollout.rolling_update(surge, by_node, eligible=["a", "b"], revision_hash="new", now=NOW)
    assert plan.create_on == ["a"] and plan.delete == []
    by_node["a"].append(daemon_pod("q-a", "a", "new"))
    plan = rollout.rolling_update(surge, by_node, eligible=["a", "b"], revision_hash="new", now=NOW)
    assert [p["metadata"]["name"] for p in plan.delete] == ["p-a"] and plan.create_on == ["b"]


def sts(replicas: int, **spec) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "n", "uid": "u"},
        "spec": {
            "replicas": replicas,
            "serviceName": "web",
            "template": {"spec": {"containers": [{"name": "c"}]}},
            **spec,
        },
    }


def member(ordinal: int, revision: str = "web-r1", *, ready: bool = True, phase: str = "Running") -> dict:
    return {
        "metadata": {"name": f"web-{ordinal}", "labels": {REVISION_HASH_LABEL: revision}},
        "status": {"phase": phase, "conditions": READY if ready else []},
    }


def test_statefulset_plan_goes_one_ordinal_at_a_time():
    assert planning.plan(sts(3), [], update_revision="web-r1", now=NOW).create == [0]
    assert planning.plan(sts(3), [member(0, ready=False)], update_revision="web-r1", now=NOW).create == []
    assert planning.plan(sts(3), [member(0)], update_revision="web-r1", now=NOW).create == [1]
    parallel = planning.plan(sts(3, podManagementPolicy="Parallel"), [], update_revision="web-r1", now=NOW)
    assert parallel.create == [0, 1, 2]
    down = planning.plan(sts(1), [member(0), member(1), member(2)], update_revision="web-r1", now=NOW)
    assert [p["metadata"]["name"] for p in down.delete] == ["web-2"] and down.condemned == down.delete
    failed = planning.plan(sts(2), [member(0, phase="Failed"), member(1)], update_revision="web-r1", now=NOW)
    assert [p["metadata"]["name"] for p in failed.delete] == ["web-0"]


def test_statefulset_rolls_from_the_highest_ordinal_down_to_the_partition():
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}
    pods = [member(0), member(1), member(2)]
    plan = planning.plan(sts(3, updateStrategy=strategy), pods, update_revision="web-r2", now=NOW)
    assert [p["metadata"]["name"] for p in plan.delete] == ["web-2"]
    pods[2] = member(2, "web-r2")
    plan = planning.plan(sts(3, updateStrategy=strategy), pods, update_revision="web-r2", now=NOW)
    assert [p["metadata"]["name"] for p in plan.delete] == ["web-1"]
    pods[1] = member(1, "web-r2")
    assert planning.plan(sts(3, updateStrategy=strategy), pods, update_revision="web-r2", now=NOW).delete == []


def test_statefulset_identity_and_claims():
    claim = {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}
    owner = sts(
        2,
        selector={"matchLabels": {"app": "web"}},
        volumeClaimTemplates=[claim],
        persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Retain"},
    )
    pod = identity.pod_for(owner, 1, template=owner["spec"]["template"], revision="web-r1")
    assert (pod["metadata"]["name"], pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-1", "web-1", "web")
    assert pod["spec"]["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "data-web-1"}}]
    [made] = identity.claims_for(owner, 1)
    assert made["metadata"]["name"] == "data-web-1" and made["metadata"]["labels"] == {"app": "web"}
    assert made["metadata"]["ownerReferences"][0]["uid"] == "u"


def test_revision_patch_hash_and_template_round_trip():
    owner = sts(1)
    data = patch_of(owner)
    assert data["spec"]["template"]["$patch"] == "replace"
    assert template_of({"data": data}) == owner["spec"]["template"]
    assert hash_of(data) == hash_of(data) and hash_of(data) != hash_of(data, 1)
    assert set(hash_of(data)) <= set("bcdfghjklmnpqrstvwxz2456789")


def cronjob(**spec) -> dict:
    return {
        "metadata": {"name": "c", "creationTimestamp": "2026-01-01T10:00:00Z"},
        "spec": {"schedule": "*/5 * * * *", **spec},
        "status": {},
    }


def test_cron_unmet_schedule_is_the_latest_missed_time_only():
    unmet = schedule.unmet_schedule(cronjob(), now=NOW)
    assert unmet.scheduled == datetime(2026, 1, 1, 12, 0, tzinfo=UTC) and unmet.missed == 24
    assert schedule.job_name(cronjob(), unmet.scheduled) == f"c-{int(unmet.scheduled.timestamp()) // 60}"
    recent = cronjob()
    recent["status"]["lastScheduleTime"] = "2026-01-01T12:00:00Z"
    assert schedule.unmet_schedule(recent, now=NOW).scheduled is None
    assert schedule.next_start(recent, now=NOW) == datetime(2026, 1, 1, 12, 5, tzinfo=UTC)
    late = cronjob(startingDeadlineSeconds=10)
    assert schedule.unmet_schedule(late, now=NOW).scheduled is None, "the last start is 30 s ago: too late"
    assert schedule.unmet_schedule(cronjob(schedule="@hourly"), now=NOW).scheduled == datetime(
        2026, 1, 1, 12, tzinfo=UTC
    )

"""Who owns what after writes and applies, and what an apply does to fields it no longer lists."""

from __future__ import annotations

import copy

import pytest

from apiserver.apply import Writer, apply_config, record_write
from apiserver.errors import ApiError
from kubemini.api.registry import by_kind

DEPLOYMENTS = by_kind("Deployment")
CONFIGMAPS = by_kind("ConfigMap")
NOW = "2026-01-01T00:00:00Z"


def writer(manager: str, **kw) -> Writer:
    return Writer(manager, kw.pop("api_version", "apps/v1"), now=NOW, **kw)


def deployment(replicas: int | None = 2, **labels: str) -> dict:
    spec = {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": dict(labels)},
        "spec": spec,
    }


def entries(obj: dict) -> dict[str, dict]:
    return {e["manager"]: e for e in obj["metadata"].get("managedFields", [])}


def test_a_create_is_an_update_from_the_zero_value():
    made = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"a": "b"}}}
    made["data"] = {"k": "v"}
    record_write(CONFIGMAPS, None, made, writer("kubectl-create", api_version="v1"))
    [entry] = made["metadata"]["managedFields"]
    assert entry == {
        "manager": "kubectl-create",
        "operation": "Update",
        "apiVersion": "v1",
        "time": NOW,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {".": {}, "f:a": {}}}},
    }


def test_apply_creates_then_reapplying_the_same_config_changes_nothing():
    created = apply_config(DEPLOYMENTS, None, deployment(), writer("kubectl"), force=False)
    assert created["spec"]["replicas"] == 2
    [entry] = created["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("kubectl", "Apply")
    later = Writer("kubectl", "apps/v1", now="2026-01-01T00:00:07Z")  # a re-apply seconds later
    again = apply_config(DEPLOYMENTS, copy.deepcopy(created), deployment(), later, force=False)
    assert again == created, "the same fields applied again: not even the entry's time moves"
    changed = apply_config(DEPLOYMENTS, copy.deepcopy(created), deployment(None, tier="a"), later, force=False)
    assert entries(changed)["kubectl"]["time"] == "2026-01-01T00:00:07Z", "a new field set: a new time"


def test_two_appliers_conflict_on_a_field_and_force_takes_it():
    live = apply_config(DEPLOYMENTS, None, deployment(2), writer("alice"), force=False)
    with pytest.raises(ApiError) as caught:
        apply_config(DEPLOYMENTS, copy.deepcopy(live), deployment(5), writer("bob"), force=False)
    status = caught.value.status
    assert caught.value.code == 409 and status["reason"] == "Conflict"
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas'
    assert status["details"]["causes"] == [
        {"type": "FieldManagerConflict", "message": 'conflict with "alice"', "field": ".spec.replicas"}
    ]
    forced = apply_config(DEPLOYMENTS, copy.deepcopy(live), deployment(5), writer("bob"), force=True)
    assert forced["spec"]["replicas"] == 5
    owners = entries(forced)
    assert "f:replicas" in owners["bob"]["fieldsV1"]["f:spec"]
    assert "f:replicas" not in owners["alice"]["fieldsV1"]["f:spec"]


def test_the_same_value_is_shared_not_a_conflict():
    live = apply_config(DEPLOYMENTS, None, deployment(2), writer("alice"), force=False)
    shared = apply_config(DEPLOYMENTS, copy.deepcopy(live), deployment(2), writer("bob"), force=False)
    assert all("f:replicas" in e["fieldsV1"]["f:spec"] for e in entries(shared).values())


def test_a_conflict_with_an_updater_names_its_api_version():
    live = deployment(2)
    record_write(DEPLOYMENTS, None, live, writer("kubectl-client-side-apply"))
    with pytest.raises(ApiError) as caught:
        apply_config(DEPLOYMENTS, copy.deepcopy(live), deployment(3), writer("kubectl"), force=False)
    assert caught.value.status["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
    )


def test_fields_an_applier_drops_go_unless_someone_else_owns_them():
    live = apply_config(DEPLOYMENTS, None, deployment(2, a="1", b="2"), writer("alice"), force=False)
    dropped = apply_config(DEPLOYMENTS, copy.deepcopy(live), deployment(None, a="1"), writer("alice"), force=False)
    assert dropped["metadata"]["labels"] == {"a": "1"}
    assert "replicas" not in dropped["spec"]  # defaulting brings it back later, owned by nobody
    edited = copy.deepcopy(live)
    edited["metadata"]["labels"]["b"] = "changed"
    record_write(DEPLOYMENTS, live, edited, writer("kubectl-label"))
    kept = apply_config(DEPLOYMENTS, copy.deepcopy(edited), deployment(2, a="1"), writer("alice"), force=False)
    assert kept["metadata"]["labels"] == {"a": "1", "b": "changed"}


def test_list_items_merge_by_key_and_items_others_added_stay():
    config = deployment()
    config["spec"]["template"]["spec"] = {"containers": [{"name": "app", "image": "v1"}]}
    live = apply_config(DEPLOYMENTS, None, config, writer("alice"), force=False)
    sidecar = copy.deepcopy(live)
    sidecar["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "s"})
    record_write(DEPLOYMENTS, live, sidecar, writer("injector"))
    config["spec"]["template"]["spec"]["containers"][0]["image"] = "v2"
    result = apply_config(DEPLOYMENTS, copy.deepcopy(sidecar), config, writer("alice"), force=False)
    assert result["spec"]["template"]["spec"]["containers"] == [
        {"name": "app", "image": "v2"},
        {"name": "sidecar", "image": "s"},
    ]


def test_status_writes_own_only_status_and_main_writes_never_do():
    live = deployment()
    record_write(DEPLOYMENTS, None, live, writer("creator"))
    with_status = copy.deepcopy(live)
    with_status["status"] = {"replicas": 2}
    record_write(DEPLOYMENTS, live, with_status, writer("controller", subresource="status"))
    owners = entries(with_status)
    assert list(owners["controller"]["fieldsV1"]) == ["f:status"]
    assert owners["controller"]["subresource"] == "status"
    assert "f:status" not in owners["creator"]["fieldsV1"]


def test_sent_managed_fields_replace_the_stored_ones_and_a_single_empty_entry_clears_them():
    live = apply_config(DEPLOYMENTS, None, deployment(), writer("alice"), force=False)
    moved = copy.deepcopy(live)
    moved["metadata"]["managedFields"][0]["manager"] = "bob"
    record_write(DEPLOYMENTS, live, moved, writer("kubectl-patch"))
    assert [e["manager"] for e in moved["metadata"]["managedFields"]] == ["bob"]
    cleared = copy.deepcopy(live)
    cleared["metadata"]["managedFields"] = [{}]
    record_write(DEPLOYMENTS, live, cleared, writer("kubectl-patch"))
    assert "managedFields" not in cleared["metadata"]

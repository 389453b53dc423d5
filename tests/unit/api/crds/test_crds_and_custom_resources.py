"""The CRD kind (validation, names, conditions, deletion) and the records and strategies of custom resources."""

from __future__ import annotations

import pytest

from kubemini.api.custom_resources import deprecation_warning, records_for
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds.apiextensions import naming
from kubemini.api.kinds.apiextensions.crd import CLEANUP_FINALIZER, CustomResourceDefinitionStrategy
from tests.support.custom_resources import crontab, crontab_crd

NOW = "2026-01-01T00:00:00Z"
GROUP = "stable.example.com"


def validated(crd: dict) -> dict[str, str]:
    strategy = CustomResourceDefinitionStrategy()
    strategy.default(crd)
    errors = FieldErrors()
    strategy.validate(crd, errors)
    return {e.field: e.detail for e in errors.errors}


def established(crd: dict, *others: dict) -> dict:
    crd["status"] = naming.desired_status(crd, [crd, *others], NOW)
    return crd


def test_a_valid_crd_passes_and_is_defaulted():
    crd = crontab_crd(GROUP)
    assert validated(crd) == {}
    assert crd["spec"]["conversion"] == {"strategy": "None"}
    assert crd["spec"]["names"]["listKind"] == "CronTabList"


@pytest.mark.parametrize(
    ("change", "field", "detail"),
    [
        (lambda c: c["metadata"].update(name="x.example.com"), "metadata.name",
         'Invalid value: "x.example.com": must be spec.names.plural+"."+spec.group'),
        (lambda c: c["spec"].update(scope="Global"), "spec.scope",
         'Unsupported value: "Global": supported values: "Cluster", "Namespaced"'),
        (lambda c: c["spec"]["names"].update(kind="Cron Tab"), "spec.names.kind",
         'Invalid value: "Cron Tab": may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'),
        (lambda c: c["spec"]["versions"][0].pop("schema"), "spec.versions[0].schema.openAPIV3Schema",
         "Required value: schemas are required"),
        (lambda c: c["spec"]["versions"][0]["additionalPrinterColumns"].append(
            {"name": "X", "type": "map", "jsonPath": ".spec"}), "spec.versions[0].additionalPrinterColumns[4].type",
         'Unsupported value: "map": supported values: "integer", "number", "string", "boolean", "date"'),
        (lambda c: c["spec"]["versions"][0]["subresources"]["scale"].update(specReplicasPath=".status.x"),
         "spec.versions[0].subresources.scale.specReplicasPath",
         'Invalid value: ".status.x": should be a json path under .spec'),
        (lambda c: c["spec"]["versions"][0]["selectableFields"].append({"jsonPath": ".spec.nope"}),
         "spec.versions[0].selectableFields[1].jsonPath",
         'Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field'),
        (lambda c: c["spec"].update(conversion={"strategy": "Webhook"}), "spec.conversion.strategy",
         'Unsupported value: "Webhook": supported values: "None"'),
    ],
)  # fmt: skip
def test_invalid_crds_name_the_field(change, field, detail):
    crd = crontab_crd(GROUP)
    change(crd)
    assert validated(crd).get(field) == detail, validated(crd)


def test_protected_groups_need_the_approval_annotation():
    crd = crontab_crd("widgets.k8s.io")
    assert "metadata.annotations[api-approved.kubernetes.io]" in validated(crd)


def test_names_are_first_come_first_served_within_a_group():
    first = established(crontab_crd(GROUP))
    rival = crontab_crd(GROUP, plural="crontabz", kind="CronTabZ", short_names=("ct",))
    status = naming.desired_status(rival, [first, rival], NOW)
    accepted = {c["type"]: c for c in status["conditions"]}
    assert (accepted["NamesAccepted"]["reason"], accepted["NamesAccepted"]["message"]) == (
        "ShortNamesConflict",
        '"ct" is already in use',
    )
    assert accepted["Established"]["status"] == "False"
    other_group = crontab_crd("other.example.com")
    assert naming.is_true(established(other_group, first), naming.ESTABLISHED)


def test_a_deleted_crd_gets_the_cleanup_finalizer_and_a_terminating_condition():
    crd = established(crontab_crd(GROUP))
    crd["metadata"]["deletionTimestamp"] = NOW
    CustomResourceDefinitionStrategy().mark_deleting(crd)
    assert crd["metadata"]["finalizers"] == [CLEANUP_FINALIZER]
    assert naming.condition(crd, naming.TERMINATING)["reason"] == "InstanceDeletionPending"


def test_records_follow_served_versions_and_the_storage_version():
    beta = {"name": "v1beta1", "served": True, "storage": False, "deprecated": True,
            "schema": {"openAPIV3Schema": {"type": "object"}}}  # fmt: skip
    alpha = {**beta, "name": "v1alpha1", "served": False, "deprecated": False}
    crd = established(crontab_crd(GROUP, extra_versions=(beta, alpha)))
    records = {r.version: r for r in records_for(crd)}
    assert set(records) == {"v1", "v1beta1"}
    stored = records["v1"]
    assert stored.stored and stored.storage_key("x", "ns") == f"/registry/{GROUP}/crontabs/ns/x"
    assert (
        stored.short_names == ("ct",) and stored.categories == ("all",) and stored.subresources == ("status", "scale")
    )
    assert not records["v1beta1"].stored and records["v1beta1"].list_kind == "CronTabList"
    assert deprecation_warning(crd, beta) == f"{GROUP}/v1beta1 CronTab is deprecated; use {GROUP}/v1 CronTab"
    assert records["v1beta1"].strategy.to_storage({"apiVersion": f"{GROUP}/v1beta1"})["apiVersion"] == f"{GROUP}/v1"


def test_custom_resource_strategy_columns_fields_scale_and_generation():
    (record, *_) = records_for(established(crontab_crd(GROUP)))
    strategy = record.strategy
    obj = crontab("c", GROUP, replicas=2, color="green")
    obj["metadata"]["creationTimestamp"] = NOW
    obj["status"] = {"replicas": 1, "selector": "app=c"}
    assert [c.name for c in strategy.columns] == ["Name", "Spec", "Replicas", "Image", "Age"]
    assert strategy.cells(obj)[:4] == ["c", "*/5 * * * *", 2, "cron:1"]
    assert strategy.field_values(obj)["spec.color"] == "green"
    assert strategy.scale_values(obj) == (2, 1, "app=c")
    assert strategy.with_replicas(obj, 5)["spec"]["replicas"] == 5
    changed_status = {**obj, "status": {"replicas": 3}}
    assert not strategy.generation_changed(changed_status, obj), "status has its own subresource"
    assert strategy.generation_changed({**obj, "spec": {"cronSpec": "* * * * *"}}, obj)


def test_a_crd_without_printer_columns_shows_name_and_age():
    crd = crontab_crd(GROUP)
    crd["spec"]["versions"][0].pop("additionalPrinterColumns")
    (record, *_) = records_for(established(crd))
    assert [(c.name, c.type) for c in record.strategy.columns] == [("Name", "string"), ("Age", "date")]

"""Field sets of typed objects, in FieldsV1 exactly as Kubernetes writes them."""

from __future__ import annotations

import pytest

from apiserver.apply.fieldpath import FieldSet, path_text
from apiserver.apply.typed import compare, field_set
from kubemini.api.kinds.checking import schema_of
from kubemini.api.registry import by_kind

DEPLOYMENT = schema_of(by_kind("Deployment"))
APPLIED_DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [{"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]
            },
        },
    },
}


def test_an_applied_deployment_owns_what_it_sets_as_kubectl_shows_it():
    fields = field_set(APPLIED_DEPLOYMENT, DEPLOYMENT).to_fields_v1()
    assert fields["f:spec"] == {
        "f:replicas": {},
        "f:selector": {},  # LabelSelector is an atomic struct
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"nginx"}': {
                        ".": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":80,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                                "f:protocol": {},
                            }
                        },
                    }
                }
            },
        },
    }
    assert fields["f:metadata"] == {"f:labels": {"f:app": {}}, "f:name": {}}


def test_fields_v1_round_trips_and_names_paths_like_fieldpath():
    original = field_set(APPLIED_DEPLOYMENT, DEPLOYMENT)
    assert FieldSet.from_fields_v1(original.to_fields_v1()) == original
    texts = [path_text(p) for p in original.paths()]
    assert '.spec.template.spec.containers[name="nginx"].image' in texts
    assert '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]' in texts


def test_set_lists_and_untyped_lists_use_value_and_index_elements():
    pod = schema_of(by_kind("Pod"))
    obj = {"spec": {"containers": [{"name": "c", "command": ["a", "b"]}], "madeUp": {"x": [1]}}}
    assert [path_text(p) for p in field_set(obj, pod).paths()] == [
        '.spec.containers[name="c"]',
        '.spec.containers[name="c"].command',  # an atomic list is one field
        '.spec.containers[name="c"].name',
        ".spec.madeUp",  # a field the schema does not know is walked as deduced: maps granular
        ".spec.madeUp.x",
    ]
    namespace = schema_of(by_kind("Namespace"))
    fields = field_set({"metadata": {"finalizers": ["x", "y"]}}, namespace).to_fields_v1()
    assert fields == {"f:metadata": {"f:finalizers": {'v:"x"': {}, 'v:"y"': {}}}}


@pytest.mark.parametrize("bad", [[], {"x:y": {}}, {"f:a": []}, {'k:["a"]': {}}, {"q:1": {}}])
def test_malformed_fields_v1_is_refused(bad):
    with pytest.raises(ValueError):
        FieldSet.from_fields_v1(bad)


def test_compare_marks_added_parents_and_changed_leaves():
    old = {"spec": {"replicas": 1, "template": {"metadata": {}}}}
    new = {"spec": {"replicas": 2, "template": {"metadata": {"labels": {"a": "b"}}}}}
    result = compare(old, new, DEPLOYMENT)
    assert [path_text(p) for p in result.modified.paths()] == [".spec.replicas"]
    assert [path_text(p) for p in result.added.paths()] == [
        ".spec.template.metadata.labels",
        ".spec.template.metadata.labels.a",
    ]
    assert result.removed.empty()
    assert compare(new, old, DEPLOYMENT).removed == result.added


def test_a_key_field_left_to_its_default_keys_the_same_item():
    service = schema_of(by_kind("Service"))
    sent = field_set({"spec": {"ports": [{"port": 80}]}}, service)
    stored = field_set({"spec": {"ports": [{"port": 80, "protocol": "TCP"}]}}, service)
    assert [path_text(p) for p in sent.paths()] == [
        '.spec.ports[port=80,protocol="TCP"]',
        '.spec.ports[port=80,protocol="TCP"].port',
    ]
    assert stored.difference(sent).to_fields_v1() == {
        "f:spec": {"f:ports": {'k:{"port":80,"protocol":"TCP"}': {"f:protocol": {}}}}
    }

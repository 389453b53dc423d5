"""Structural schemas: refused shapes (upstream's messages), pruning, defaults, value validation."""

from __future__ import annotations

import pytest

from kubemini.api.field_errors import FieldErrors
from kubemini.api.schema.required import check_required
from kubemini.api.schema.structural.building import from_structural
from kubemini.api.schema.structural.cel import compile_rules
from kubemini.api.schema.structural.checking import structural_errors
from kubemini.api.schema.structural.defaulting import apply_defaults
from kubemini.api.schema.structural.validating import validate_value
from kubemini.api.schema.typed_decoding import decode_typed

ROOT = "spec.versions[0].schema.openAPIV3Schema"


def problems(raw: dict) -> dict[str, str]:
    errors = FieldErrors()
    structural_errors(raw, ROOT, errors)
    return {e.field: e.detail for e in errors.errors}


def spec(**properties) -> dict:
    return {"type": "object", "properties": {"spec": {"type": "object", "properties": properties}}}


@pytest.mark.parametrize(
    ("raw", "field", "detail"),
    [
        (spec(a={"properties": {}}), "properties[spec].properties[a].type",
         "Required value: must not be empty for specified object fields"),
        (spec(a={"type": "array"}), "properties[spec].properties[a].items", "Required value: must be specified"),
        (spec(a={"type": "array", "items": {}}), "properties[spec].properties[a].items.type",
         "Required value: must not be empty for specified array items"),
        ({"type": "string"}, "type", 'Invalid value: "string": must be object at the root'),
        ({"type": "object", "additionalProperties": {"type": "string"}}, "additionalProperties",
         "Forbidden: must not be used at the root"),
        (spec(a={"type": "string", "uniqueItems": True}), "properties[spec].properties[a].uniqueItems",
         "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"),
        (spec(a={"type": "object", "anyOf": [{"type": "string"}]}), "properties[spec].properties[a].anyOf[0].type",
         "Forbidden: must be empty to be structural"),
        (spec(a={"type": "string", "$ref": "#/x"}), "properties[spec].properties[a].$ref",
         "Forbidden: $ref is not supported"),
        (spec(a={"type": "array", "items": {"type": "object"}, "x-kubernetes-list-type": "map"}),
         "properties[spec].properties[a].x-kubernetes-list-map-keys",
         "Required value: must not be empty if x-kubernetes-list-type is map"),
        (spec(a={"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "bag"}),
         "properties[spec].properties[a].x-kubernetes-list-type",
         'Unsupported value: "bag": supported values: "atomic", "set", "map"'),
        ({"type": "object", "properties": {"metadata": {"type": "object", "properties": {"labels": {}}}}},
         "properties[metadata]",
         "Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"),
        (spec(a={"type": "string", "x-kubernetes-embedded-resource": True}), "properties[spec].properties[a].type",
         'Invalid value: "string": must be object if x-kubernetes-embedded-resource is true'),
    ],
)  # fmt: skip
def test_non_structural_schemas_are_refused_with_upstreams_messages(raw, field, detail):
    assert problems(raw).get(f"{ROOT}.{field}") == detail, problems(raw)


def test_int_or_string_and_preserve_unknown_need_no_type():
    assert (
        problems(spec(port={"x-kubernetes-int-or-string": True}, free={"x-kubernetes-preserve-unknown-fields": True}))
        == {}
    )


SCHEMA = spec(
    replicas={"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
    ratio={"type": "number", "exclusiveMaximum": True, "maximum": 1, "multipleOf": 0.25},
    name={"type": "string", "minLength": 2, "maxLength": 5, "nullable": True},
    mode={"type": "string", "enum": ["a", "b"]},
    when={"type": "string", "format": "date-time"},
    ports={
        "type": "array", "minItems": 1, "maxItems": 2, "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
                                                                           "port": {"type": "integer", "default": 80}}},
    },
    labels={"type": "object", "maxProperties": 1, "additionalProperties": {"type": "string"}},
    free={"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    template={"type": "object", "x-kubernetes-embedded-resource": True, "x-kubernetes-preserve-unknown-fields": True},
)  # fmt: skip


def check(obj: dict) -> dict[str, str]:
    schema = from_structural(SCHEMA, compile_rules=compile_rules)
    decode_typed(schema, obj)
    apply_defaults(schema, obj)
    errors = FieldErrors()
    check_required(schema, obj, errors)
    validate_value(schema, obj, errors)
    return {e.field: e.detail for e in errors.errors}


def test_pruning_keeps_what_the_schema_knows_or_preserves():
    schema = from_structural(SCHEMA)
    obj = {
        "metadata": {"name": "x", "junk": 1},
        "spec": {"mode": "a", "junk": 1, "free": {"any": {"thing": [1]}}},
        "top": 1,
    }
    findings = decode_typed(schema, obj)
    assert sorted(findings.unknown) == ["metadata.junk", "spec.junk", "top"]
    assert obj == {"metadata": {"name": "x"}, "spec": {"mode": "a", "free": {"any": {"thing": [1]}}}}


def test_defaults_fill_absent_fields_and_list_items():
    obj = {"spec": {"ports": [{"name": "http"}]}}
    assert check(obj) == {}
    assert obj["spec"] == {"ports": [{"name": "http", "port": 80}], "replicas": 3}


def test_nullable_keeps_null_and_non_nullable_null_is_dropped_then_defaulted():
    obj = {"spec": {"name": None, "replicas": None}}
    assert check(obj) == {}
    assert obj["spec"] == {"name": None, "replicas": 3}


def test_value_rules_report_upstreams_messages():
    found = check(
        {
            "spec": {
                "replicas": 11, "ratio": 1, "name": "toolong", "mode": "c", "when": "later",
                "ports": [{"name": "a"}, {"name": "a"}, {"name": "b"}], "labels": {"a": "1", "b": "2"},
                "template": {"spec": {}},
            }
        }
    )  # fmt: skip
    assert found == {
        "spec.replicas": "Invalid value: 11: spec.replicas in body should be less than or equal to 10",
        "spec.ratio": "Invalid value: 1: spec.ratio in body should be less than 1",
        "spec.name": "Too long: must have at most 5 bytes",
        "spec.mode": 'Unsupported value: "c": supported values: "a", "b"',
        "spec.when": 'Invalid value: "later": spec.when in body must be of type date-time: "later"',
        "spec.ports": "Too many: 3: must have at most 2 items",
        "spec.ports[1]": 'Duplicate value: map[string]interface {}{"name":"a"}',
        "spec.labels": "Too many: 2: must have at most 1 items",
        "spec.template.apiVersion": "Required value: must not be empty",
        "spec.template.kind": "Required value: must not be empty",
    }
    assert check({"spec": {"replicas": 0, "ratio": 0.3, "name": "x", "ports": []}}) == {
        "spec.replicas": "Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
        "spec.ratio": "Invalid value: 0.3: spec.ratio in body should be a multiple of 0.25",
        "spec.name": 'Invalid value: "x": spec.name in body should be at least 2 chars long',
        "spec.ports": "Invalid value: []: spec.ports in body should have at least 1 items",
    }


def test_wrong_types_are_kept_by_decoding_and_reported_as_invalid():
    found = check({"spec": {"replicas": "3", "ports": {"name": "a"}, "mode": 5, "labels": {"a": 1}}})
    assert found == {
        "spec.replicas": 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
        "spec.ports": 'Invalid value: "object": spec.ports in body must be of type array: "object"',
        "spec.mode": 'Invalid value: "integer": spec.mode in body must be of type string: "integer"',
        "spec.labels.a": 'Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    }


def test_required_fields_in_list_items():
    assert check({"spec": {"ports": [{"port": 1}]}}) == {"spec.ports[0].name": "Required value"}

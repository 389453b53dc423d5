"""x-kubernetes-validations with cel-python: messages, reasons, field paths, transition rules, compile errors."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.schema.structural.building import from_structural
from kubemini.api.schema.structural.cel import compile_rules, rule_errors, validate_rules


def schema(rules: list[dict], **properties):
    raw = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-validations": rules,
                "properties": properties
                or {
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                    "name": {"type": "string"},
                    "items": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["key"],
                        "items": {
                            "type": "object",
                            "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
                            "x-kubernetes-validations": [
                                {"rule": "self.value == oldSelf.value", "message": "value is immutable"}
                            ],
                        },
                    },
                },
            }
        },
    }
    return from_structural(raw, compile_rules=compile_rules)


def run(rules, obj, *, old=None) -> list[tuple[str, str, str]]:
    errors = FieldErrors()
    node = schema(rules)
    validate_rules(node, obj, errors)
    if old is not None:
        validate_rules(node, obj, errors, old=old, updating=True)
    return [(e.field, e.reason, e.detail) for e in errors.errors]


def test_a_failing_rule_reports_its_message_at_its_node():
    rules = [{"rule": "self.min <= self.max", "message": "min must not exceed max"}]
    assert run(rules, {"spec": {"min": 5, "max": 1}}) == [
        ("spec", "FieldValueInvalid", 'Invalid value: "object": min must not exceed max')
    ]
    assert run(rules, {"spec": {"min": 1, "max": 5}}) == []


def test_default_message_reason_field_path_and_message_expression():
    assert run([{"rule": "has(self.name)"}], {"spec": {}}) == [
        ("spec", "FieldValueInvalid", 'Invalid value: "object": failed rule: has(self.name)')
    ]
    assert run([{"rule": "has(self.name)", "reason": "FieldValueRequired", "fieldPath": ".name",
                 "message": "name is required"}], {"spec": {}}) == [
        ("spec.name", "FieldValueRequired", "Required value: name is required")
    ]  # fmt: skip
    assert run(
        [{"rule": "self.max < 10", "messageExpression": "'max is ' + string(self.max)"}], {"spec": {"max": 12}}
    ) == [("spec", "FieldValueInvalid", 'Invalid value: "object": max is 12')]


def test_kubernetes_string_and_list_functions():
    rules = [{"rule": "self.name.lowerAscii().startsWith('web') && self.name.split('-').size() == 2"}]
    assert run(rules, {"spec": {"name": "WEB-1"}}) == []
    assert run(rules, {"spec": {"name": "db-1"}})


def test_transition_rules_compare_with_the_correlated_old_value():
    old = {"spec": {"items": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}}
    new = {
        "spec": {"items": [{"key": "b", "value": "2"}, {"key": "a", "value": "changed"}, {"key": "c", "value": "3"}]}
    }
    assert run([], new) == [], "transition rules never run on create"
    assert run([], new, old=old) == [
        ("spec.items[1]", "FieldValueInvalid", 'Invalid value: "object": value is immutable')
    ]


def test_rules_that_do_not_compile_refuse_the_crd():
    errors = FieldErrors()
    rule_errors([{"rule": "self.min <"}, {"rule": ""}, {"rule": "true", "reason": "Bad"}], "schema", errors)
    found = {e.field: e.detail for e in errors.errors}
    assert found["schema.x-kubernetes-validations[0].rule"].startswith(
        'Invalid value: "self.min <": compilation failed'
    )
    assert found["schema.x-kubernetes-validations[1].rule"] == "Required value"
    assert found["schema.x-kubernetes-validations[2].reason"].startswith('Unsupported value: "Bad"')


def test_an_evaluation_error_is_reported_not_raised():
    assert run([{"rule": "self.missing == 1"}], {"spec": {}}) == [
        ("spec", "FieldValueInvalid", 'Invalid value: "object": self.missing == 1: no such key: missing')
    ]

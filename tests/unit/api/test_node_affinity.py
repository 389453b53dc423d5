"""Node selector terms: every operator, matchFields, ORed terms, preferred weights."""

from __future__ import annotations

import pytest

from kubemini.api.node_affinity import (
    any_term_matches,
    compile_term,
    preferred_terms,
    preferred_weight,
    required_terms,
    term_matches,
)

LABELS = {"zone": "a", "disk": "ssd", "cores": "16"}


def expression(key, operator, *values):
    return {"matchExpressions": [{"key": key, "operator": operator, "values": list(values)}]}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (expression("zone", "In", "a", "b"), True),
        (expression("zone", "In", "b"), False),
        (expression("missing", "In", "a"), False),
        (expression("zone", "NotIn", "b"), True),
        (expression("zone", "NotIn", "a"), False),
        (expression("missing", "NotIn", "a"), True),
        (expression("disk", "Exists"), True),
        (expression("missing", "Exists"), False),
        (expression("missing", "DoesNotExist"), True),
        (expression("disk", "DoesNotExist"), False),
        (expression("cores", "Gt", "8"), True),
        (expression("cores", "Gt", "16"), False),
        (expression("cores", "Lt", "32"), True),
        (expression("cores", "Lt", "16"), False),
        (expression("zone", "Gt", "1"), False),  # not a number
        (expression("missing", "Lt", "5"), False),
        (expression("zone", "Bogus", "a"), False),
    ],
)
def test_label_operators(term, expected):
    assert term_matches(compile_term(term), LABELS, "node-1") is expected


def test_expressions_of_one_term_are_anded():
    term = {
        "matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a"]},
            {"key": "disk", "operator": "In", "values": ["hdd"]},
        ]
    }
    assert not term_matches(compile_term(term), LABELS, "node-1")


def test_match_fields_on_the_node_name():
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}
    assert term_matches(compile_term(term), {}, "node-1")
    assert not term_matches(compile_term(term), {}, "node-2")
    not_in = {"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-1"]}]}
    assert term_matches(compile_term(not_in), {}, "node-2")
    unsupported = {"matchFields": [{"key": "metadata.uid", "operator": "In", "values": ["x"]}]}
    assert not term_matches(compile_term(unsupported), {}, "x")


def test_an_empty_term_matches_nothing_and_terms_are_ored():
    assert not term_matches(compile_term({}), LABELS, "node-1")
    spec = {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [expression("zone", "In", "z"), expression("disk", "In", "ssd")]
                }
            }
        }
    }
    terms = required_terms(spec)
    assert any_term_matches(terms, LABELS, "node-1")
    assert not any_term_matches(terms, {"zone": "q"}, "node-1")


def test_no_required_affinity_is_none_not_an_empty_tuple():
    assert required_terms({}) is None
    assert required_terms({"affinity": {"nodeAffinity": {}}}) is None


def test_preferred_weights_add_up_over_matching_terms():
    spec = {
        "affinity": {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 10, "preference": expression("zone", "In", "a")},
                    {"weight": 5, "preference": expression("disk", "In", "ssd")},
                    {"weight": 50, "preference": expression("zone", "In", "b")},
                    {"weight": 0, "preference": expression("zone", "In", "a")},
                ]
            }
        }
    }
    terms = preferred_terms(spec)
    assert len(terms) == 3
    assert preferred_weight(terms, LABELS, "n") == 15
    assert preferred_weight(terms, {"zone": "b"}, "n") == 50
    assert preferred_weight(terms, {}, "n") == 0

import pytest

from kubemini.api.registry import by_kind
from kubemini.api.selectors import (
    SelectorError,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector,
    selector_to_string,
)


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("app in (web, db)", {"app": "db"}, True),
        ("app notin (web)", {"app": "db"}, True),
        ("app notin (web)", {}, True),
        ("tier", {"tier": ""}, True),
        ("!tier", {"tier": "x"}, False),
        ("app=web,tier in (fe)", {"app": "web", "tier": "fe"}, True),
        ("app=web,tier in (fe)", {"app": "web"}, False),
        ("", {"anything": "x"}, True),
    ],
)
def test_label_selector_strings(selector, labels, expected):
    assert labels_match(parse_label_selector(selector), labels) is expected


@pytest.mark.parametrize("bad", ["a in (b", "a in b)", "=x", "a=b=c"])
def test_label_selector_errors(bad):
    with pytest.raises(SelectorError):
        parse_label_selector(bad)


def test_label_selector_objects_round_trip_to_strings():
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["fe", "be"]},
            {"key": "x", "operator": "DoesNotExist"},
        ],
    }
    requirements = selector_from_label_selector(selector)
    assert labels_match(requirements, {"app": "web", "tier": "be"})
    assert not labels_match(requirements, {"app": "web", "tier": "be", "x": "1"})
    assert parse_label_selector(selector_to_string(selector)) == requirements
    with pytest.raises(SelectorError):
        selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "Near"}]})


def test_field_selectors():
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}
    values = by_kind("Pod").strategy.field_values
    assert fields_match(parse_field_selector("spec.nodeName=n1,status.phase!=Failed"), pod, values)
    assert not fields_match(parse_field_selector("metadata.name==q"), pod, values)
    assert fields_match(parse_field_selector("spec.schedulerName="), pod, values)
    node_values = by_kind("Node").strategy.field_values
    assert fields_match(parse_field_selector("spec.unschedulable=false"), {"metadata": {"name": "n"}}, node_values)
    with pytest.raises(SelectorError):
        parse_field_selector("justaname")

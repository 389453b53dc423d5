"""Downward API values: field paths for env and volumes, resources with divisors and node allocatable."""

from __future__ import annotations

import pytest

from kubemini.api.downward_api import DownwardApiError, field_value, format_map, resource_value

POD = {
    "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "labels": {"b": "2", "a": 'say "hi"'},
           "annotations": {"note": "x"}},
    "spec": {"nodeName": "node-1", "serviceAccountName": "robot"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("metadata.name", "p"),
        ("metadata.namespace", "ns"),
        ("metadata.uid", "u-1"),
        ("metadata.labels['b']", "2"),
        ("metadata.annotations['note']", "x"),
        ("metadata.labels['missing']", ""),
        ("spec.nodeName", "node-1"),
        ("spec.serviceAccountName", "robot"),
        ("status.podIP", "10.0.0.5"),
        ("status.hostIPs", "127.0.0.1"),
    ],
)
def test_env_field_paths(path, value):
    assert field_value(POD, path, pod_ip="10.0.0.5", host_ip="127.0.0.1") == value


def test_labels_file_is_sorted_and_quoted_like_go():
    assert field_value(POD, "metadata.labels", pod_ip="", host_ip="", volume=True) == 'a="say \\"hi\\""\nb="2"'
    assert format_map({}) == ""


@pytest.mark.parametrize(("path", "volume"), [("metadata.labels", False), ("status.podIP", True), ("spec.x", False)])
def test_paths_outside_their_place_are_refused(path, volume):
    with pytest.raises(DownwardApiError, match="unsupported fieldPath"):
        field_value(POD, path, pod_ip="", host_ip="", volume=volume)


@pytest.mark.parametrize(
    ("resources", "reference", "value"),
    [
        ({"limits": {"cpu": "250m"}}, {"resource": "limits.cpu"}, "1"),  # rounded up to whole cores
        ({"limits": {"cpu": "250m"}}, {"resource": "limits.cpu", "divisor": "1m"}, "250"),
        ({"limits": {"memory": "64Mi"}}, {"resource": "limits.memory", "divisor": "1Mi"}, "64"),
        ({"limits": {"memory": "1000"}}, {"resource": "limits.memory", "divisor": "1Ki"}, "1"),
        ({}, {"resource": "requests.cpu"}, "0"),
        ({}, {"resource": "limits.memory"}, str(16 * 2**30)),  # no limit: the node's allocatable
        ({}, {"resource": "limits.cpu"}, "4"),
    ],
)
def test_resource_values(resources, reference, value):
    allocatable = {"cpu": "4", "memory": "16Gi"}
    assert resource_value({"resources": resources}, reference, node_allocatable=allocatable) == value


def test_unknown_resource_is_refused():
    with pytest.raises(DownwardApiError):
        resource_value({}, {"resource": "limits.gpu"}, node_allocatable={})

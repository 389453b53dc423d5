"""Actions ──► the API requests the dashboard sends with the user's token."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dashboard.actions import InvalidAction, access_review, build_request

NOW = datetime(2026, 12, 1, 15, 30, 58, tzinfo=UTC)


def test_scale_patches_the_scale_subresource():
    call = build_request(
        {"action": "scale", "kind": "Deployment", "namespace": "ns", "name": "web", "replicas": 5}, now=NOW
    )
    assert (call.method, call.path) == ("PATCH", "/apis/apps/v1/namespaces/ns/deployments/web/scale")
    assert (call.body, call.content_type) == ({"spec": {"replicas": 5}}, "application/merge-patch+json")
    sts = build_request(
        {"action": "scale", "kind": "StatefulSet", "namespace": "ns", "name": "db", "replicas": 0}, now=NOW
    )
    assert sts.path == "/apis/apps/v1/namespaces/ns/statefulsets/db/scale"


def test_restart_sets_the_restarted_at_annotation_as_kubectl_does():
    local = NOW.astimezone(timezone(timedelta(hours=2)))
    call = build_request({"action": "restart", "namespace": "ns", "name": "web"}, now=local)
    assert (call.method, call.path) == ("PATCH", "/apis/apps/v1/namespaces/ns/deployments/web")
    assert call.content_type == "application/strategic-merge-patch+json"
    annotations = call.body["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/restartedAt": "2026-12-01T15:30:58Z"}


def test_delete_pod_and_cordon():
    delete = build_request({"action": "delete-pod", "namespace": "ns", "name": "web-1"}, now=NOW)
    assert (delete.method, delete.path) == ("DELETE", "/api/v1/namespaces/ns/pods/web-1")
    cordon = build_request({"action": "cordon", "name": "node-1"}, now=NOW)
    assert (cordon.method, cordon.path, cordon.body) == (
        "PATCH",
        "/api/v1/nodes/node-1",
        {"spec": {"unschedulable": True}},
    )
    assert build_request({"action": "uncordon", "name": "node-1"}, now=NOW).body == {"spec": {"unschedulable": False}}


@pytest.mark.parametrize(
    "action",
    [
        {"action": "scale", "namespace": "ns", "name": "web", "replicas": -1},
        {"action": "scale", "namespace": "ns", "name": "web", "replicas": True},
        {"action": "scale", "namespace": "ns", "name": "web", "replicas": "5"},
        {"action": "scale", "kind": "DaemonSet", "namespace": "ns", "name": "web", "replicas": 1},
        {"action": "delete-pod", "namespace": "ns", "name": "../secrets/x"},
        {"action": "restart", "kind": "Job", "namespace": "ns", "name": "web"},
        {"action": "cordon", "name": "Node_1"},
        {"action": "exec", "name": "x"},
    ],
)
def test_malformed_actions_are_refused_before_any_request(action):
    with pytest.raises(InvalidAction):
        build_request(action, now=NOW)


def test_access_reviews_ask_for_the_verb_of_each_action():
    scale = access_review("scale", namespace="ns")
    assert scale["kind"] == "SelfSubjectAccessReview"
    assert scale["spec"]["resourceAttributes"] == {
        "group": "apps",
        "resource": "deployments",
        "subresource": "scale",
        "verb": "patch",
        "namespace": "ns",
    }
    assert access_review("cordon", namespace="ns")["spec"]["resourceAttributes"] == {
        "group": "",
        "resource": "nodes",
        "verb": "patch",
    }
    assert "namespace" not in access_review("delete-pod", namespace=None)["spec"]["resourceAttributes"]

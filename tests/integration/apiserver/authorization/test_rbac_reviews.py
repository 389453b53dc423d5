"""RBAC through the API: bootstrap policy, aggregation, and SubjectAccessReview answers for bound users."""

from __future__ import annotations

import secrets
import time

import pytest

from tests.integration.apiserver.authorization.conftest import AUTHORIZATION, can, review

RBAC = "/apis/rbac.authorization.k8s.io/v1"
DEADLINE_SECONDS = 20


def wait_for(predicate, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def bind(api, namespace: str | None, role_kind: str, role: str, user: str) -> None:
    kind = "RoleBinding" if namespace else "ClusterRoleBinding"
    path = f"{RBAC}/namespaces/{namespace}/rolebindings" if namespace else f"{RBAC}/clusterrolebindings"
    body = {
        "metadata": {"name": f"{role}-{user}"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [{"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}],
    }
    response = api.post(path, json={"kind": kind, "apiVersion": "rbac.authorization.k8s.io/v1", **body})
    assert response.status_code == 201, response.text


def resources_of(api, role: str) -> set[str]:
    rules = api.get(f"{RBAC}/clusterroles/{role}").json().get("rules") or []
    return {resource for rule in rules for resource in rule.get("resources", [])}


def test_the_default_policy_is_there(api):
    role = wait_for(lambda: api.get(f"{RBAC}/clusterroles/cluster-admin").json().get("rules"), "cluster-admin")
    assert role == [
        {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
        {"verbs": ["*"], "nonResourceURLs": ["*"]},
    ]
    binding = api.get(f"{RBAC}/clusterrolebindings/cluster-admin").json()
    assert binding["subjects"] == [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:masters"}]
    assert binding["metadata"]["labels"] == {"kubernetes.io/bootstrapping": "rbac-defaults"}
    assert binding["metadata"]["annotations"] == {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    for name in ("admin", "edit", "view", "system:node", "system:kube-scheduler", "system:kube-controller-manager",
                 "system:node-proxier", "system:kubemini:ingress-controller", "system:metrics-server",
                 "system:aggregated-metrics-reader", "system:discovery", "system:public-info-viewer"):  # fmt: skip
        assert api.get(f"{RBAC}/clusterroles/{name}").status_code == 200, name
    node = api.get(f"{RBAC}/clusterrolebindings/system:node").json()
    assert "subjects" not in node  # kubelets go through the Node authorizer


def test_aggregation_follows_labelled_roles(api, aggregation):
    wait_for(lambda: api.get(f"{RBAC}/clusterroles/view").json().get("rules"), "view aggregated")
    name = f"widgets-{secrets.token_hex(3)}"
    role = {
        "metadata": {"name": name, "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
        "rules": [{"verbs": ["get"], "apiGroups": ["example.com"], "resources": [name]}],
    }
    assert api.post(f"{RBAC}/clusterroles", json=role).status_code == 201
    for aggregated in ("view", "edit", "admin"):  # view is aggregated into edit, edit into admin
        wait_for(lambda a=aggregated: name in resources_of(api, a), f"{name} in {aggregated}")
    role["metadata"]["labels"] = {}
    current = api.get(f"{RBAC}/clusterroles/{name}").json()
    current["metadata"]["labels"] = {}
    assert api.put(f"{RBAC}/clusterroles/{name}", json=current).status_code == 200
    wait_for(lambda: name not in resources_of(api, "view"), f"{name} out of view")


@pytest.fixture
def bound(api, namespace, aggregation):
    """view, edit and admin bound in `namespace`, cluster-admin cluster-wide, to fresh users."""
    wait_for(lambda: api.get(f"{RBAC}/clusterroles/admin").json().get("rules"), "admin aggregated")
    suffix = secrets.token_hex(3)
    users = {role: f"{role}-{suffix}" for role in ("view", "edit", "admin", "root")}
    for role in ("view", "edit", "admin"):
        bind(api, namespace, "ClusterRole", role, users[role])
    bind(api, None, "ClusterRole", "cluster-admin", users["root"])
    wait_for(lambda: can(api, users["root"], "get", "pods", namespace=namespace), "bindings in the cache")
    wait_for(lambda: can(api, users["view"], "get", "pods", namespace=namespace), "bindings in the cache")
    return users


# (verb, resource, extra attributes) → (view, edit, admin, cluster-admin)
MATRIX = [
    ("get", "pods", {}, (True, True, True, True)),
    ("list", "pods", {}, (True, True, True, True)),
    ("get", "pods", {"subresource": "log", "name": "web"}, (True, True, True, True)),
    ("create", "pods", {"subresource": "exec", "name": "web"}, (False, True, True, True)),
    ("create", "pods", {}, (False, True, True, True)),
    ("get", "secrets", {}, (False, True, True, True)),
    ("get", "deployments", {"group": "apps", "subresource": "scale", "name": "d"}, (True, True, True, True)),
    ("update", "deployments", {"group": "apps", "subresource": "scale", "name": "d"}, (False, True, True, True)),
    ("create", "rolebindings", {"group": "rbac.authorization.k8s.io"}, (False, False, True, True)),
    ("create", "localsubjectaccessreviews", {"group": "authorization.k8s.io"}, (False, False, True, True)),
    ("update", "resourcequotas", {}, (False, False, False, True)),
    ("get", "pods", {"metrics": True, "group": "metrics.k8s.io"}, (True, True, True, True)),
]


@pytest.mark.parametrize(("verb", "resource", "extra", "expected"), MATRIX)
def test_can_i_matrix(api, namespace, bound, verb, resource, extra, expected):
    attrs = {key: value for key, value in extra.items() if key != "metrics"}
    answers = tuple(
        can(api, bound[role], verb, resource, namespace=namespace, **attrs)
        for role in ("view", "edit", "admin", "root")
    )
    assert answers == expected


def test_namespaced_bindings_stay_in_their_namespace(api, namespace, bound):
    assert not can(api, bound["admin"], "get", "pods", namespace="default")
    assert not can(api, bound["admin"], "list", "nodes")
    assert can(api, bound["root"], "list", "nodes")
    assert can(api, bound["root"], "delete", "namespaces", name="x")
    assert can(api, bound["root"], "get", path="/metrics")
    assert not can(api, bound["admin"], "get", path="/metrics")


def test_the_reason_names_the_binding(api, namespace, bound):
    status = review(
        api, {"user": bound["view"], "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": namespace}}
    )
    assert status == {
        "allowed": True,
        "reason": f'RBAC: allowed by RoleBinding "view-{bound["view"]}/{namespace}" of ClusterRole "view" '
        f'to User "{bound["view"]}"',
    }
    assert review(api, {"user": bound["view"], "resourceAttributes": {"verb": "delete", "resource": "pods"}}) == {
        "allowed": False
    }


def test_resource_names_and_wildcards(api, namespace):
    user = f"named-{secrets.token_hex(3)}"
    role = {
        "metadata": {"name": "one-map"},
        "rules": [
            {"verbs": ["get", "update"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["settings"]},
            {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*/scale"]},
        ],
    }
    assert api.post(f"{RBAC}/namespaces/{namespace}/roles", json=role).status_code == 201
    bind(api, namespace, "Role", "one-map", user)
    wait_for(lambda: can(api, user, "get", "configmaps", namespace=namespace, name="settings"), "binding")
    assert can(api, user, "update", "configmaps", namespace=namespace, name="settings")
    assert not can(api, user, "get", "configmaps", namespace=namespace, name="other")
    assert not can(api, user, "list", "configmaps", namespace=namespace)
    assert can(api, user, "patch", "statefulsets", namespace=namespace, group="apps", subresource="scale", name="s")
    assert not can(api, user, "patch", "statefulsets", namespace=namespace, group="apps", name="s")


def test_non_resource_urls_for_anonymous_and_authenticated(api):
    anonymous = {"groups": ("system:unauthenticated",)}
    assert can(api, "system:anonymous", "get", path="/healthz", **anonymous)
    assert can(api, "system:anonymous", "get", path="/version", **anonymous)
    assert not can(api, "system:anonymous", "get", path="/api", **anonymous)
    assert not can(api, "system:anonymous", "get", path="/healthz/etcd", **anonymous)
    assert can(api, "someone", "get", path="/apis/apps/v1")
    assert can(api, "someone", "create", "selfsubjectaccessreviews", group="authorization.k8s.io")
    assert not can(api, "someone", "get", path="/metrics")


def test_a_review_without_a_subject_is_invalid(api):
    response = api.post(f"{AUTHORIZATION}/subjectaccessreviews", json={"spec": {"resourceAttributes": {"verb": "get"}}})
    assert response.status_code == 422
    assert response.json()["message"] == (
        'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": '
        "at least one of user or group must be specified"
    )
    response = api.post(f"{AUTHORIZATION}/subjectaccessreviews", json={"spec": {"user": "x"}})
    assert response.status_code == 422
    assert "exactly one of nonResourceAttributes or resourceAttributes must be specified" in response.json()["message"]


def test_local_reviews_are_namespaced(api, namespace, bound):
    path = f"{AUTHORIZATION}/namespaces/{namespace}/localsubjectaccessreviews"
    spec = {"user": bound["view"], "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": namespace}}
    response = api.post(path, json={"spec": spec})
    assert response.status_code == 201, response.text
    assert response.json()["status"]["allowed"] is True
    assert response.json()["metadata"]["namespace"] == namespace
    spec["resourceAttributes"]["namespace"] = "default"
    response = api.post(path, json={"spec": spec})
    assert response.status_code == 422
    assert (
        'spec.resourceAttributes.namespace: Invalid value: "default": must match metadata.namespace'
        in (response.json()["message"])
    )

"""The Node authorizer through SubjectAccessReview, the self reviews, and `kubectl auth` on the plain port."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest

from tests.integration.apiserver.authorization.conftest import AUTHORIZATION, can, review
from tests.integration.apiserver.authorization.test_rbac_reviews import wait_for

NODE_GROUPS = ("system:nodes", "system:authenticated")
# The test clients authenticate as the admin certificate (kubernetes-admin in system:masters).
PLAIN_PORT_USERS = ("kubernetes-admin",)


def node_pod(name: str, node: str, secret: str, config_map: str, claim: str, account: str) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "nodeName": node,
            "serviceAccountName": account,
            "automountServiceAccountToken": False,
            "imagePullSecrets": [{"name": f"{secret}-pull"}],
            "containers": [
                {
                    "name": "main",
                    "image": "kubemini/busybox:1.35",
                    "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": f"{secret}-env", "key": "k"}}}],
                    "envFrom": [{"configMapRef": {"name": config_map}}],
                }
            ],
            "volumes": [
                {"name": "s", "secret": {"secretName": secret}},
                {"name": "c", "persistentVolumeClaim": {"claimName": claim}},
                {"name": "p", "projected": {"sources": [{"secret": {"name": f"{secret}-projected"}}]}},
            ],
        },
    }


@pytest.fixture
def nodes(api, namespace):
    """Pods on nodes a and b (names unique to this test), each referencing its own objects."""
    suffix = secrets.token_hex(3)
    names = {"a": f"node-a-{suffix}", "b": f"node-b-{suffix}"}
    for key, node in names.items():
        account = {"metadata": {"name": f"sa-{key}"}}
        assert api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts", json=account).status_code == 201
        pod = node_pod(f"pod-{key}", node, f"secret-{key}", f"cm-{key}", f"claim-{key}", f"sa-{key}")
        response = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod)
        assert response.status_code == 201, response.text
    return names


def as_node(api, node: str, verb: str, resource: str = "", **attrs) -> bool:
    return can(api, f"system:node:{node}", verb, resource, groups=NODE_GROUPS, **attrs)


def test_a_node_reads_only_what_its_pods_reference(api, namespace, nodes):
    a = nodes["a"]
    wait_for(lambda: as_node(api, a, "get", "secrets", namespace=namespace, name="secret-a"), "the pod in the graph")
    for secret in ("secret-a-pull", "secret-a-env", "secret-a-projected"):
        assert as_node(api, a, "get", "secrets", namespace=namespace, name=secret), secret
    assert as_node(api, a, "get", "configmaps", namespace=namespace, name="cm-a")
    assert as_node(api, a, "get", "persistentvolumeclaims", namespace=namespace, name="claim-a")
    assert as_node(api, a, "create", "serviceaccounts", namespace=namespace, subresource="token", name="sa-a")
    for resource, name in (("secrets", "secret-b"), ("configmaps", "cm-b"), ("persistentvolumeclaims", "claim-b")):
        assert not as_node(api, a, "get", resource, namespace=namespace, name=name), name
    assert not as_node(api, a, "create", "serviceaccounts", namespace=namespace, subresource="token", name="sa-b")
    status = review(
        api,
        {"user": f"system:node:{a}", "groups": list(NODE_GROUPS),
         "resourceAttributes": {"verb": "get", "resource": "secrets", "namespace": namespace, "name": "secret-b"}},
    )  # fmt: skip
    assert status == {"allowed": False, "reason": f"no relationship found between node '{a}' and this object"}
    assert not as_node(api, a, "list", "secrets", namespace=namespace)


def test_a_node_writes_only_its_own_objects(api, namespace, nodes):
    a, b = nodes["a"], nodes["b"]
    wait_for(lambda: as_node(api, a, "patch", "pods", namespace=namespace, subresource="status", name="pod-a"), "pod")
    assert not as_node(api, a, "patch", "pods", namespace=namespace, subresource="status", name="pod-b")
    assert as_node(api, a, "delete", "pods", namespace=namespace, name="pod-a")
    assert not as_node(api, a, "delete", "pods", namespace=namespace, name="pod-b")
    assert not as_node(api, a, "create", "pods", namespace=namespace)
    for verb in ("get", "list", "watch"):
        assert as_node(api, a, verb, "pods")
        assert as_node(api, a, verb, "nodes")
        assert as_node(api, a, verb, "services")
        assert as_node(api, a, verb, "endpointslices", group="discovery.k8s.io")
    assert as_node(api, a, "create", "nodes")
    assert as_node(api, a, "patch", "nodes", subresource="status", name=a)
    assert as_node(api, a, "update", "nodes", name=a)
    assert not as_node(api, a, "patch", "nodes", subresource="status", name=b)
    assert not as_node(api, a, "delete", "nodes", name=a)
    lease = {"group": "coordination.k8s.io", "namespace": "kube-node-lease"}
    assert as_node(api, a, "update", "leases", name=a, **lease)
    assert as_node(api, a, "create", "leases", **lease)
    assert not as_node(api, a, "update", "leases", name=b, **lease)
    assert as_node(api, a, "create", "events", namespace=namespace)
    assert as_node(api, a, "create", "certificatesigningrequests", group="certificates.k8s.io")
    assert not as_node(api, a, "list", "deployments", group="apps")
    # Not a kubelet: a node name without the group
    assert not can(api, f"system:node:{a}", "get", "nodes")


def post(api, path: str, body: dict) -> dict:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_self_reviews_answer_for_the_caller(api):
    # The admin certificate is in system:masters: allowed everything.
    access = post(api, f"{AUTHORIZATION}/selfsubjectaccessreviews",
                  {"spec": {"resourceAttributes": {"verb": "delete", "resource": "nodes"}}})  # fmt: skip
    assert access["status"]["allowed"] is True
    rules = post(api, f"{AUTHORIZATION}/selfsubjectrulesreviews", {"spec": {"namespace": "default"}})["status"]
    assert {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]} in rules["resourceRules"]
    assert {"verbs": ["*"], "nonResourceURLs": ["*"]} in rules["nonResourceRules"]
    assert rules["incomplete"] is False
    whoami = post(api, "/apis/authentication.k8s.io/v1/selfsubjectreviews", {})
    info = whoami["status"]["userInfo"]
    assert info["username"] in PLAIN_PORT_USERS
    assert info["groups"] == ["system:masters", "system:authenticated"]
    token = post(api, "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": "not-a-token"}})
    assert token["status"]["authenticated"] is False
    response = api.post("/apis/authentication.k8s.io/v1/tokenreviews", json={"spec": {}})
    assert response.status_code == 400
    assert response.json()["message"] == "token is required for TokenReview in authentication"


def test_the_reviews_are_in_discovery(api):
    resources = {r["name"]: r for r in api.get(AUTHORIZATION).json()["resources"]}
    assert set(resources) == {
        "subjectaccessreviews", "localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews"
    }  # fmt: skip
    assert resources["localsubjectaccessreviews"]["namespaced"] is True
    assert all(r["verbs"] == ["create"] for r in resources.values())
    names = {r["name"] for r in api.get("/apis/authentication.k8s.io/v1").json()["resources"]}
    assert {"selfsubjectreviews", "tokenreviews"} <= names


def kubectl(apiserver, *args: str) -> subprocess.CompletedProcess:
    binary = os.environ.get("KUBEMINI_KUBECTL", ".cache/bin/kubectl")
    return subprocess.run(
        [binary, "--kubeconfig", str(apiserver.kubeconfig_path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_kubectl_auth(apiserver):
    result = kubectl(apiserver, "auth", "can-i", "create", "pods")
    assert (result.returncode, result.stdout.strip()) == (0, "yes"), result.stderr
    result = kubectl(apiserver, "auth", "can-i", "get", "/healthz")
    assert result.stdout.strip() == "yes", result.stderr
    result = kubectl(apiserver, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
    assert result.stdout in PLAIN_PORT_USERS, result.stderr
    result = kubectl(apiserver, "auth", "can-i", "--list", "-n", "default")
    assert result.returncode == 0, result.stderr
    assert "*.*" in result.stdout

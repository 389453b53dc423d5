"""The TokenRequest API and the cluster's keys, against real etcd: tokens verify with the served JWKS,
are bound to what they name, survive an apiserver restart (the keys live in etcd), and bad requests
get Kubernetes' errors. `kubectl create token` uses the same API."""

from __future__ import annotations

import httpx
import jwt
import pytest

from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig

AUDIENCE = "https://kubernetes.default.svc.cluster.local"


def _verify(api: httpx.Client, token: str, audience: str = AUDIENCE) -> dict:
    [key] = api.get("/openid/v1/jwks").json()["keys"]
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=audience)


def _request(api, namespace: str, account: str, **spec) -> httpx.Response:
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
    return api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts/{account}/token", json=body)


@pytest.fixture
def account(api, namespace):
    made = api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts", json={"metadata": {"name": "robot"}})
    assert made.status_code == 201, made.text
    return made.json()


def test_a_token_names_its_account_and_is_bound_to_a_pod(api, namespace, account):
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "kubemini/busybox:1.35"}]}}
    created = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod).json()
    bound = {"kind": "Pod", "apiVersion": "v1", "name": "p", "uid": created["metadata"]["uid"]}
    answer = _request(api, namespace, "robot", audiences=["vault"], expirationSeconds=1200, boundObjectRef=bound)
    assert answer.status_code == 201, answer.text
    review = answer.json()
    assert review["kind"] == "TokenRequest" and review["spec"]["expirationSeconds"] == 1200
    claims = _verify(api, review["status"]["token"], audience="vault")
    assert claims["sub"] == f"system:serviceaccount:{namespace}:robot"
    assert claims["exp"] - claims["iat"] == 1200
    assert claims["kubernetes.io"]["serviceaccount"] == {"name": "robot", "uid": account["metadata"]["uid"]}
    assert claims["kubernetes.io"]["pod"] == {"name": "p", "uid": created["metadata"]["uid"]}
    stale = {**bound, "uid": "not-the-uid"}
    assert _request(api, namespace, "robot", boundObjectRef=stale).status_code == 409


def test_bad_token_requests_get_kubernetes_errors(api, namespace, account):
    assert _request(api, namespace, "nobody").status_code == 404
    short = _request(api, namespace, "robot", expirationSeconds=60)
    assert short.status_code == 422
    assert short.json()["message"] == (
        'TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: '
        "Invalid value: 60: may not specify a duration less than 10 minutes"
    )
    assert _request(api, namespace, "robot", boundObjectRef={"kind": "ConfigMap", "name": "x"}).status_code == 422
    missing_pod = _request(api, namespace, "robot", boundObjectRef={"kind": "Pod", "apiVersion": "v1", "name": "x"})
    assert missing_pod.status_code == 404


def test_kubectl_create_token(apiserver, tmp_path, namespace, account):
    kubectl = Kubectl(write_kubeconfig(tmp_path / "kubeconfig", apiserver.url))
    token = kubectl.run("create", "token", "robot", "-n", namespace, "--duration", "15m").stdout.strip()
    with api_http(base_url=apiserver.url) as api:
        assert _verify(api, token)["sub"] == f"system:serviceaccount:{namespace}:robot"


def test_the_keys_survive_a_restart_and_cluster_info_names_the_ca(own_apiserver):
    with api_http(base_url=own_apiserver.url, timeout=10) as api:
        api.post("/api/v1/namespaces/default/serviceaccounts", json={"metadata": {"name": "robot"}})
        token = _request(api, "default", "robot").json()["status"]["token"]
        before = api.get("/openid/v1/jwks").json()
        info = api.get("/api/v1/namespaces/kube-public/configmaps/cluster-info").json()
        assert "certificate-authority-data" in info["data"]["kubeconfig"]
    own_apiserver.stop()
    own_apiserver.start()
    with api_http(base_url=own_apiserver.url, timeout=10) as api:
        assert api.get("/openid/v1/jwks").json() == before
        assert _verify(api, token)["sub"] == "system:serviceaccount:default:robot"
        assert api.get("/.well-known/openid-configuration").json()["jwks_uri"].endswith("/openid/v1/jwks")

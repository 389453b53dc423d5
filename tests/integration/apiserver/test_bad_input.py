"""Client mistakes get a clear Status with the right code; nothing is half-written; never a 500."""

from __future__ import annotations

import pytest

from tests.integration.apiserver.conftest import configmap, deployment, pod


def _assert_status(response, code: int, reason: str) -> dict:
    assert response.status_code == code, response.text
    body = response.json()
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["code"] == code and body["reason"] == reason
    return body


def test_malformed_json_is_400(api, namespace):
    response = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        content=b'{"metadata": {',
        headers={"Content-Type": "application/json"},
    )
    _assert_status(response, 400, "BadRequest")


def test_malformed_yaml_is_400(api, namespace):
    response = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        content=b"metadata: [unclosed",
        headers={"Content-Type": "application/yaml"},
    )
    _assert_status(response, 400, "BadRequest")


def test_yaml_body_is_accepted(api, namespace):
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n"
    response = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps", content=body, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 201 and response.json()["data"] == {"k": "v"}


def test_json_without_content_type_is_accepted(api, namespace):
    response = api.post(f"/api/v1/namespaces/{namespace}/configmaps", content=b'{"metadata":{"name":"plain"}}')
    assert response.status_code == 201, response.text


def test_wrong_kind_for_path_is_400(api, namespace):
    body = {**configmap("x"), "kind": "Secret"}
    _assert_status(api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=body), 400, "BadRequest")
    wrong_version = {**configmap("x"), "apiVersion": "apps/v1"}
    _assert_status(api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=wrong_version), 400, "BadRequest")


def test_namespace_mismatch_is_400(api, namespace):
    body = configmap("x")
    body["metadata"]["namespace"] = "kube-system"
    _assert_status(api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=body), 400, "BadRequest")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/widgets", "/apis/example.com/v1/things", "/api/v2/pods", "/api/v1/namespaces/default/nodes"],
)
def test_unknown_resource_is_404(api, path):
    _assert_status(api.get(path), 404, "NotFound")


def test_missing_namespace_is_404(api):
    response = api.post("/api/v1/namespaces/does-not-exist/configmaps", json=configmap("x"))
    body = _assert_status(response, 404, "NotFound")
    assert "does-not-exist" in body["message"]


def test_invalid_object_is_422_naming_each_field(api, namespace):
    bad = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "Not_Valid", "labels": {"ok": "bad value!"}},
        "spec": {"containers": [{"name": "c", "image": ""}, {"image": "x"}], "restartPolicy": "Sometimes"},
    }
    body = _assert_status(api.post(f"/api/v1/namespaces/{namespace}/pods", json=bad), 422, "Invalid")
    fields = {cause["field"] for cause in body["details"]["causes"]}
    assert {
        "metadata.name",
        "metadata.labels",
        "spec.containers[0].image",
        "spec.containers[1].name",
        "spec.restartPolicy",
    } <= fields
    assert api.get(f"/api/v1/namespaces/{namespace}/pods/Not_Valid").status_code == 404


def test_selector_must_match_template_labels(api, namespace):
    body = deployment("mismatch")
    body["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    response = api.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", json=body)
    causes = _assert_status(response, 422, "Invalid")["details"]["causes"]
    assert any(c["field"] == "spec.template.metadata.labels" for c in causes)


def test_bad_quantity_is_400_like_a_decoding_error(api, namespace):
    body = pod("q")
    body["spec"]["containers"][0]["resources"] = {"limits": {"memory": "lots"}}
    status = _assert_status(api.post(f"/api/v1/namespaces/{namespace}/pods", json=body), 400, "BadRequest")
    assert status["message"].startswith('Pod in version "v1" cannot be handled as a Pod: quantities must match')


def test_object_over_limit_is_413(api, namespace):
    big = configmap("big", blob="x" * (1600 * 1024))
    _assert_status(api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=big), 413, "RequestEntityTooLarge")


def test_unsupported_patch_type_is_415(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("p"))
    response = api.patch(
        f"/api/v1/namespaces/{namespace}/configmaps/p", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    _assert_status(response, 415, "UnsupportedMediaType")


def test_bad_selectors_and_params_are_400(api, namespace):
    _assert_status(
        api.get(f"/api/v1/namespaces/{namespace}/pods", params={"labelSelector": "a in (b"}), 400, "BadRequest"
    )
    _assert_status(
        api.get(f"/api/v1/namespaces/{namespace}/pods", params={"fieldSelector": "nonsense"}), 400, "BadRequest"
    )
    _assert_status(api.get(f"/api/v1/namespaces/{namespace}/pods", params={"limit": "many"}), 400, "BadRequest")
    _assert_status(
        api.get(f"/api/v1/namespaces/{namespace}/pods", params={"limit": "5", "continue": "garbage"}), 400, "BadRequest"
    )


def test_bad_json_patch_keeps_object(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("jp", a="1"))
    headers = {"Content-Type": "application/json-patch+json"}
    bad_ops = [{"op": "replace", "path": "/data/a", "value": "2"}, {"op": "remove", "path": "/data/missing"}]
    response = api.patch(f"/api/v1/namespaces/{namespace}/configmaps/jp", json=bad_ops, headers=headers)
    assert response.status_code == 422
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps/jp").json()["data"] == {"a": "1"}


def test_strict_field_validation(api, namespace):
    body = configmap("strict")
    body["metdata"] = {}
    response = api.post(f"/api/v1/namespaces/{namespace}/configmaps", params={"fieldValidation": "Strict"}, json=body)
    assert _assert_status(response, 400, "BadRequest")["message"].count("metdata") == 1
    warned = api.post(f"/api/v1/namespaces/{namespace}/configmaps", params={"fieldValidation": "Warn"}, json=body)
    assert warned.status_code == 201 and "metdata" in warned.headers["warning"]

"""PodSecurity through the API: namespace labels decide; enforce refuses pods, warn and workloads warn."""

from __future__ import annotations

import secrets

import pytest

from tests.integration.apiserver.conftest import deployment, pod

ENFORCE = "pod-security.kubernetes.io/enforce"
WARN = "pod-security.kubernetes.io/warn"
BASELINE_REFUSAL = ' is forbidden: violates PodSecurity "baseline:latest": '


def labelled(api, **labels: str) -> str:
    name = f"psa-{secrets.token_hex(4)}"
    body = {"metadata": {"name": name, "labels": {f"pod-security.kubernetes.io/{k}": v for k, v in labels.items()}}}
    response = api.post("/api/v1/namespaces", json=body)
    assert response.status_code == 201, response.text
    return name


def privileged_pod(name: str) -> dict:
    body = pod(name)
    body["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    return body


def docker_socket_pod(name: str) -> dict:
    body = pod(name)
    body["spec"]["volumes"] = [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}]
    body["spec"]["containers"][0]["volumeMounts"] = [{"name": "docker", "mountPath": "/var/run/docker.sock"}]
    return body


def warnings_of(response) -> list[str]:
    return response.headers.get_list("warning")


def test_baseline_refuses_a_privileged_pod_and_the_docker_socket(api):
    namespace = labelled(api, enforce="baseline")
    path = f"/api/v1/namespaces/{namespace}/pods"
    refused = api.post(path, json=privileged_pod("priv"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"] == "Forbidden"
    assert refused.json()["message"] == (
        f'pods "priv"{BASELINE_REFUSAL}privileged (container "main" must not set securityContext.privileged=true)'
    )
    socket = api.post(path, json=docker_socket_pod("docker"))
    assert socket.status_code == 403, socket.text
    assert socket.json()["message"] == f'pods "docker"{BASELINE_REFUSAL}hostPath volumes (volume "docker")'
    both = privileged_pod("both")
    both["spec"]["volumes"] = docker_socket_pod("x")["spec"]["volumes"]
    assert api.post(path, json=both).json()["message"] == (
        f'pods "both"{BASELINE_REFUSAL}hostPath volumes (volume "docker"), '
        'privileged (container "main" must not set securityContext.privileged=true)'
    )
    assert api.post(path, json=pod("plain")).status_code == 201


def test_a_namespace_labelled_privileged_admits_them(api):
    namespace = labelled(api, enforce="privileged")
    path = f"/api/v1/namespaces/{namespace}/pods"
    assert api.post(path, json=privileged_pod("priv")).status_code == 201
    assert api.post(path, json=docker_socket_pod("docker")).status_code == 201


def test_the_server_default_is_privileged(api, namespace):
    assert api.post(f"/api/v1/namespaces/{namespace}/pods", json=privileged_pod("priv")).status_code == 201


def test_warn_answers_with_warning_headers_and_admits(api):
    namespace = labelled(api, warn="restricted")
    created = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("web"))
    assert created.status_code == 201, created.text
    [warning] = warnings_of(created)
    assert warning.startswith(
        '299 - "would violate PodSecurity \\"restricted:latest\\": allowPrivilegeEscalation != false'
    )


def test_workloads_are_warned_never_refused(api):
    namespace = labelled(api, enforce="baseline")
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    created = api.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", json=body)
    assert created.status_code == 201, created.text
    assert any('would violate PodSecurity \\"baseline:latest\\": privileged' in w for w in warnings_of(created))


@pytest.mark.parametrize(("label", "value"), [(ENFORCE, "strict"), (f"{WARN}-version", "1.30")])
def test_invalid_labels_are_refused(api, label, value):
    response = api.post(
        "/api/v1/namespaces", json={"metadata": {"name": f"bad-{secrets.token_hex(4)}", "labels": {label: value}}}
    )
    assert response.status_code == 422, response.text
    assert response.json()["details"]["causes"][0]["field"] == f"metadata.labels[{label}]"


def test_a_stricter_enforce_label_warns_about_existing_pods(api):
    namespace = labelled(api)
    assert api.post(f"/api/v1/namespaces/{namespace}/pods", json=privileged_pod("priv")).status_code == 201
    patched = api.patch(
        f"/api/v1/namespaces/{namespace}",
        json={"metadata": {"labels": {ENFORCE: "baseline"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert warnings_of(patched) == [
        f'299 - "existing pods in namespace \\"{namespace}\\" violate the new PodSecurity enforce level '
        '\\"baseline:latest\\""',
        '299 - "priv: privileged"',
    ]

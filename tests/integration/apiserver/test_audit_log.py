"""The audit log through a real apiserver: levels, stages, objectRef, user, codes; never a Secret's data."""

from __future__ import annotations

import base64
import json
import secrets
import time

import httpx
import pytest

from tests.support.api_http import api_http
from tests.support.processes import ApiServer

POLICY = """
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: Metadata
    resources: [{group: "", resources: [namespaces]}]
  - level: RequestResponse
"""
NS = "/api/v1/namespaces/default"


@pytest.fixture
def audited(own_etcd, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    log = tmp_path / "audit" / "audit.log"
    server = ApiServer(
        own_etcd.url,
        tmp_path / "apiserver.log",
        extra_args=("--audit-policy-file", str(policy), "--audit-log-path", str(log), "--audit-log-maxsize", "100"),
    ).start()
    with api_http(base_url=server.url, timeout=30) as api:
        yield api, log
    server.stop()


def events_of(log, audit_id: str, *, until_stage: str = "ResponseComplete", deadline_seconds: float = 10) -> list:
    """The events of one request, once its last stage is in the file (a thread writes it)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        found = (
            [e for e in map(json.loads, log.read_text().splitlines()) if e["auditID"] == audit_id]
            if log.exists()
            else []
        )
        if any(e["stage"] == until_stage for e in found):
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {until_stage} event for {audit_id} in {log}")


def complete(log, response: httpx.Response) -> dict:
    audit_id = response.headers["audit-id"]
    stages = {e["stage"]: e for e in events_of(log, audit_id)}
    assert set(stages) == {"RequestReceived", "ResponseComplete"}, stages.keys()
    assert "responseStatus" not in stages["RequestReceived"]
    return stages["ResponseComplete"]


def test_requests_are_logged_by_the_policy(audited):
    api, log = audited
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}}
    created = complete(log, api.post(f"{NS}/serviceaccounts", json=account, headers={"User-Agent": "audit-test/1"}))
    assert created["level"] == "RequestResponse" and created["verb"] == "create"
    assert created["objectRef"] == {
        "resource": "serviceaccounts",
        "namespace": "default",
        "name": "robot",
        "apiVersion": "v1",
    }
    assert created["responseStatus"]["code"] == 201 and created["userAgent"] == "audit-test/1"
    assert created["user"]["username"] == "kubernetes-admin" and "127.0.0.1" in created["sourceIPs"]
    assert created["requestObject"]["metadata"]["name"] == "robot"
    assert created["responseObject"]["metadata"]["uid"]
    assert created["annotations"]["authorization.k8s.io/decision"] == "allow"
    assert created["requestReceivedTimestamp"] <= created["stageTimestamp"]

    read = complete(log, api.get(f"{NS}/serviceaccounts/robot"))
    assert (read["verb"], read["responseStatus"]["code"], read["responseObject"]["kind"]) == (
        "get",
        200,
        "ServiceAccount",
    )
    listed = complete(log, api.get(f"{NS}/serviceaccounts"))
    assert listed["verb"] == "list" and "name" not in listed["objectRef"]
    deleted = complete(log, api.delete(f"{NS}/serviceaccounts/robot"))
    assert deleted["verb"] == "delete" and deleted["objectRef"]["name"] == "robot"
    missing = complete(log, api.get(f"{NS}/serviceaccounts/robot"))
    assert missing["responseStatus"]["code"] == 404 and missing["responseStatus"]["reason"] == "NotFound"

    namespace = complete(log, api.get(NS))
    assert namespace["level"] == "Metadata" and "responseObject" not in namespace
    assert namespace["objectRef"] == {
        "resource": "namespaces",
        "namespace": "default",
        "name": "default",
        "apiVersion": "v1",
    }
    version = complete(log, api.get("/version"))
    assert version["verb"] == "get" and "objectRef" not in version and version["requestURI"] == "/version"
    health = api.get("/healthz")
    assert not events_of_now(log, health.headers["audit-id"]), "level None is not logged"


def events_of_now(log, audit_id: str) -> list:
    return [e for e in map(json.loads, log.read_text().splitlines()) if e["auditID"] == audit_id]


def test_a_secrets_data_never_reaches_the_log(audited):
    api, log = audited
    marker = f"audit-marker-{secrets.token_hex(8)}"
    encoded = base64.b64encode(marker.encode()).decode()
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"}, "data": {"password": encoded}}
    created = complete(log, api.post(f"{NS}/secrets", json=body))
    assert created["level"] == "Metadata" and created["objectRef"]["name"] == "s1"
    assert created["responseStatus"]["code"] == 201
    complete(log, api.get(f"{NS}/secrets/s1"))
    complete(log, api.get("/api/v1/secrets"))
    patch = {"stringData": {"other": marker}}
    headers = {"Content-Type": "application/merge-patch+json"}
    assert complete(log, api.patch(f"{NS}/secrets/s1", json=patch, headers=headers))["verb"] == "patch"
    invalid = {**body, "metadata": {"name": "bad_name"}, "data": {"k": marker}}
    assert complete(log, api.post(f"{NS}/secrets", json=invalid))["responseStatus"]["code"] in (400, 422)
    watch = api.get(f"{NS}/secrets", params={"watch": "1", "timeoutSeconds": "1"})
    assert marker.encode() in watch.content or encoded.encode() in watch.content, "the watch itself carried the data"
    stages = [e["stage"] for e in events_of(log, watch.headers["audit-id"])]
    assert stages == ["RequestReceived", "ResponseStarted", "ResponseComplete"]
    complete(log, api.delete(f"{NS}/secrets/s1"))
    text = log.read_text()
    assert marker not in text and encoded not in text


def test_a_bad_policy_stops_the_server_naming_the_field(own_etcd, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Loud}]\n")
    server = ApiServer(
        own_etcd.url,
        tmp_path / "apiserver.log",
        extra_args=("--audit-policy-file", str(policy), "--audit-log-path", str(tmp_path / "audit.log")),
    )
    with pytest.raises(RuntimeError) as caught:
        server.start()
    server.stop()
    assert 'rules[0].level: Unsupported value: "Loud"' in str(caught.value)


def test_pod_security_audit_violations_are_annotated_on_the_event(audited):
    api, log = audited
    namespace = f"psa-{secrets.token_hex(3)}"
    labels = {"pod-security.kubernetes.io/audit": "restricted"}
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": namespace, "labels": labels}}).status_code == 201
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "kubemini/busybox:1.35"}]}}
    created = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod)
    assert created.status_code == 201, created.text  # audit never refuses, and warns nothing
    assert "warning" not in created.headers
    violations = complete(log, created)["annotations"]["pod-security.kubernetes.io/audit-violations"]
    assert violations.startswith('would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false')

"""The pod-mutating plugins through the API: ServiceAccount, Priority, DefaultTolerationSeconds."""

from __future__ import annotations

import secrets

from tests.integration.apiserver.conftest import pod

MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def test_a_pod_gets_its_account_token_volume_and_default_tolerations(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("web"))
    assert created.status_code == 201, created.text
    spec = created.json()["spec"]
    assert spec["serviceAccountName"] == "default"
    [volume] = [v for v in spec["volumes"] if v["name"].startswith("kube-api-access-")]
    sources = volume["projected"]["sources"]
    assert sources[0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    assert sources[1]["configMap"] == {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}
    assert sources[2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert {"name": volume["name"], "readOnly": True, "mountPath": MOUNT_PATH} in spec["containers"][0]["volumeMounts"]
    assert {(t["key"], t["effect"], t["tolerationSeconds"]) for t in spec["tolerations"]} == {
        ("node.kubernetes.io/not-ready", "NoExecute", 300),
        ("node.kubernetes.io/unreachable", "NoExecute", 300),
    }
    assert spec["priority"] == 0


def test_an_unknown_service_account_is_refused(api, namespace):
    refused = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("web", serviceAccountName="nope"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == (
        f'pods "web" is forbidden: error looking up service account {namespace}/nope: serviceaccount "nope" not found'
    )
    account = {"metadata": {"name": "nope"}}
    api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts", json=account).raise_for_status()
    assert (
        api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("web", serviceAccountName="nope")).status_code == 201
    )


def test_priority_classes(api, namespace):
    classes = "/apis/scheduling.k8s.io/v1/priorityclasses"
    name = f"high-{secrets.token_hex(3)}"
    api.post(classes, json={"metadata": {"name": name}, "value": 1000}).raise_for_status()
    try:
        created = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("p", priorityClassName=name))
        assert created.json()["spec"]["priority"] == 1000
        refused = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("q", priorityClassName="missing"))
        assert refused.status_code == 403
        assert refused.json()["message"] == 'pods "q" is forbidden: no PriorityClass with name missing was found'
        mismatch = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("r", priorityClassName=name, priority=5))
        assert mismatch.json()["message"] == (
            'pods "r" is forbidden: the integer value of priority (5) must not be provided in pod spec; '
            "priority admission controller computed 1000 from the given PriorityClass name"
        )
        first = f"default-{secrets.token_hex(3)}"
        api.post(classes, json={"metadata": {"name": first}, "value": 10, "globalDefault": True}).raise_for_status()
        try:
            second = api.post(classes, json={"metadata": {"name": "second"}, "value": 20, "globalDefault": True})
            assert second.status_code == 403
            assert second.json()["message"] == (
                f'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass {first} is already marked '
                "as default. Only one default can exist"
            )
            defaulted = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("d")).json()["spec"]
            assert (defaulted["priorityClassName"], defaulted["priority"]) == (first, 10)
        finally:
            api.delete(f"{classes}/{first}")
    finally:
        api.delete(f"{classes}/{name}")

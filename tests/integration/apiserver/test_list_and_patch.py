"""Lists with selectors and paging; merge, JSON and strategic merge patches."""

from __future__ import annotations

from tests.integration.apiserver.conftest import configmap, deployment, pod

MERGE = {"Content-Type": "application/merge-patch+json"}
STRATEGIC = {"Content-Type": "application/strategic-merge-patch+json"}


def _names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(item["metadata"]["name"] for item in response.json()["items"])


def test_label_selectors(api, namespace):
    for name, labels in {"a": {"app": "web", "tier": "fe"}, "b": {"app": "web"}, "c": {"app": "db"}}.items():
        api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod(name, labels=labels))
    path = f"/api/v1/namespaces/{namespace}/pods"
    assert _names(api.get(path, params={"labelSelector": "app=web"})) == ["a", "b"]
    assert _names(api.get(path, params={"labelSelector": "app!=web"})) == ["c"]
    assert _names(api.get(path, params={"labelSelector": "app in (db,web),tier"})) == ["a"]
    assert _names(api.get(path, params={"labelSelector": "!tier"})) == ["b", "c"]
    assert _names(api.get(path, params={"labelSelector": "app notin (web)"})) == ["c"]


def test_field_selectors(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("on-n1", nodeName="n1"))
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("unbound"))
    path = f"/api/v1/namespaces/{namespace}/pods"
    assert _names(api.get(path, params={"fieldSelector": "spec.nodeName=n1"})) == ["on-n1"]
    assert _names(api.get(path, params={"fieldSelector": "spec.nodeName="})) == ["unbound"]
    assert _names(api.get(path, params={"fieldSelector": "metadata.name=unbound,status.phase=Pending"})) == ["unbound"]


def test_limit_and_continue_page_through_a_consistent_snapshot(api, namespace):
    for index in range(7):
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap(f"cm-{index}"))
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    first = api.get(path, params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["metadata"]["continue"]
    api.post(path, json=configmap("cm-late"))  # must not appear: pages come from the first page's revision
    seen = [i["metadata"]["name"] for i in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = api.get(path, params={"limit": 3, "continue": token}).json()
        assert page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        seen += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
    assert seen == [f"cm-{i}" for i in range(7)]


def test_merge_patch(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("m", a="1", b="2"))
    patched = api.patch(
        f"/api/v1/namespaces/{namespace}/configmaps/m", json={"data": {"a": None, "c": "3"}}, headers=MERGE
    )
    assert patched.json()["data"] == {"b": "2", "c": "3"}


def test_json_patch(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("j", a="1"))
    ops = [{"op": "add", "path": "/data/b", "value": "2"}, {"op": "test", "path": "/data/a", "value": "1"}]
    patched = api.patch(
        f"/api/v1/namespaces/{namespace}/configmaps/j",
        json=ops,
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert patched.json()["data"] == {"a": "1", "b": "2"}


def test_strategic_merge_patch_merges_containers_by_name(api, namespace):
    body = deployment("smp")
    body["spec"]["template"]["spec"]["containers"].append(
        {"name": "sidecar", "image": "kubemini/busybox:1.35", "env": [{"name": "A", "value": "1"}]}
    )
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/smp"
    api.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", json=body)
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
                    "containers": [
                        {"name": "sidecar", "env": [{"name": "B", "value": "2"}]},
                        {"name": "web", "image": "kubemini/busybox:1.35-v2"},
                    ],
                }
            }
        }
    }
    patched = api.patch(path, json=patch, headers=STRATEGIC)
    assert patched.status_code == 200, patched.text
    containers = {c["name"]: c for c in patched.json()["spec"]["template"]["spec"]["containers"]}
    assert containers["web"]["image"] == "kubemini/busybox:1.35-v2"
    assert containers["sidecar"]["image"] == "kubemini/busybox:1.35"
    assert [e["name"] for e in containers["sidecar"]["env"]] == ["A", "B"]
    removal = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}
    removed = api.patch(path, json=removal, headers=STRATEGIC).json()
    assert [c["name"] for c in removed["spec"]["template"]["spec"]["containers"]] == ["web"]


def test_patch_with_stale_resource_version_is_409(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("rv")).json()
    api.patch(f"/api/v1/namespaces/{namespace}/configmaps/rv", json={"data": {"x": "1"}}, headers=MERGE)
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]}, "data": {"x": "2"}}
    assert api.patch(f"/api/v1/namespaces/{namespace}/configmaps/rv", json=stale, headers=MERGE).status_code == 409


def test_table_output_for_kubectl(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("t"))
    accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
    table = api.get(f"/api/v1/namespaces/{namespace}/pods", headers=accept).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert table["rows"][0]["cells"][:4] == ["t", "0/1", "Pending", "0"]
    assert table["rows"][0]["object"]["metadata"]["name"] == "t"

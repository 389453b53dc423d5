"""Discovery as clients read it: aggregated (apidiscovery.k8s.io/v2) and legacy documents agree with
the registry, OpenAPI v3 serves every group-version with upstream's GVK markers, and the official
client's DynamicClient (which discovers before it acts) works on every kind."""

from __future__ import annotations

import secrets

import pytest
from kubernetes import client, dynamic

from kubemini.api.registry import RESOURCES
from tests.support.minimal_objects import minimal

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _aggregated(api, path: str) -> dict:
    response = api.get(path, headers={"Accept": f"{AGGREGATED},application/json;q=0.9"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(AGGREGATED)
    return response.json()


def test_aggregated_discovery_lists_every_resource_with_its_subresources(api):
    documents = [_aggregated(api, "/api"), _aggregated(api, "/apis")]
    served: dict[tuple[str, str, str], dict] = {}
    for document in documents:
        assert (document["kind"], document["apiVersion"]) == ("APIGroupDiscoveryList", "apidiscovery.k8s.io/v2")
        for group in document["items"]:
            for version in group["versions"]:
                assert version.get("freshness", "Current") == "Current"
                for resource in version["resources"]:
                    served[(group["metadata"].get("name", ""), version["version"], resource["resource"])] = resource
    for record in RESOURCES:
        resource = served.get((record.group, record.version, record.plural))
        assert resource is not None, f"{record.api_version} {record.plural} missing from aggregated discovery"
        assert resource["responseKind"]["kind"] == record.kind
        assert resource["scope"] == ("Namespaced" if record.namespaced else "Cluster")
        assert sorted(resource["verbs"]) == sorted(record.verbs)
        assert {s["subresource"] for s in resource.get("subresources", [])} == set(record.subresources)


def test_legacy_discovery_matches_the_registry_and_prefers_the_stored_version(api):
    groups = {g["name"]: g for g in api.get("/apis").json()["groups"]}
    for record in RESOURCES:
        if record.group:
            assert record.version in [v["version"] for v in groups[record.group]["versions"]]
            if record.stored:
                assert groups[record.group]["preferredVersion"]["version"] == record.version
        root = f"/apis/{record.api_version}" if record.group else f"/api/{record.version}"
        listed = {r["name"]: r for r in api.get(root).json()["resources"]}
        assert listed[record.plural]["kind"] == record.kind
        for subresource in record.subresources:
            assert f"{record.plural}/{subresource}" in listed


def test_openapi_v3_serves_every_group_version_with_gvk_markers(api):
    paths = api.get("/openapi/v3").json()["paths"]
    for record in RESOURCES:
        key = f"apis/{record.api_version}" if record.group else f"api/{record.version}"
        document = api.get(paths[key]["serverRelativeURL"])
        assert document.status_code == 200, key
        markers = [
            gvk
            for schema in document.json()["components"]["schemas"].values()
            for gvk in schema.get("x-kubernetes-group-version-kind", [])
        ]
        assert {"group": record.group, "version": record.version, "kind": record.kind} in markers, key


@pytest.fixture
def dynamic_client(apiserver):
    configuration = apiserver.kubernetes_configuration()
    with client.ApiClient(configuration) as api_client:
        yield dynamic.DynamicClient(api_client)


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("v1", "ConfigMap"), ("apps/v1", "StatefulSet"), ("batch/v1", "CronJob"), ("storage.k8s.io/v1", "CSIDriver")],
)
def test_dynamic_client_discovers_and_acts(dynamic_client, namespace, api_version, kind):
    resource = dynamic_client.resources.get(api_version=api_version, kind=kind)
    body = minimal(api_version, kind, f"dyn-{secrets.token_hex(3)}")
    scope = {"namespace": namespace} if resource.namespaced else {}
    created = resource.create(body=body, **scope)
    assert created.metadata.uid
    names = [item.metadata.name for item in resource.get(**scope).items]
    assert body["metadata"]["name"] in names
    resource.delete(name=body["metadata"]["name"], **scope)

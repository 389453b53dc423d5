"""CustomResourceDefinitions over HTTP against the real apiserver: serving, validation, versions, subresources."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from tests.support.api_http import api_http
from tests.support.custom_resources import CRDS_PATH, crontab, crontab_crd, wait_gone, wait_served

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@pytest.fixture
def group():
    return f"t{secrets.token_hex(4)}.example.com"


@pytest.fixture
def crd(api, group):
    body = crontab_crd(group)
    response = api.post(CRDS_PATH, json=body)
    assert response.status_code == 201, response.text
    wait_served(api, body)
    yield body
    api.delete(f"{CRDS_PATH}/{body['metadata']['name']}")


def path(group: str, namespace: str, name: str = "", *, version: str = "v1", sub: str = "") -> str:
    base = f"/apis/{group}/{version}/namespaces/{namespace}/crontabs"
    return "/".join(p for p in (base, name, sub) if p)


def test_a_crd_is_established_and_served_within_two_seconds(api, group):
    body = crontab_crd(group)
    created = api.post(CRDS_PATH, json=body)
    assert created.status_code == 201, created.text
    seconds = wait_served(api, body)
    assert seconds < 2.0
    status = api.get(f"{CRDS_PATH}/{body['metadata']['name']}").json()["status"]
    conditions = {c["type"]: (c["status"], c["reason"], c["message"]) for c in status["conditions"]}
    assert conditions["NamesAccepted"] == ("True", "NoConflicts", "no conflicts found")
    assert conditions["Established"] == ("True", "InitialNamesAccepted", "the initial names have been accepted")
    assert status["acceptedNames"]["kind"] == "CronTab" and status["acceptedNames"]["shortNames"] == ["ct"]
    assert status["storedVersions"] == ["v1"]
    # Plain and aggregated discovery, OpenAPI v3 and v2 know the kind.
    resources = api.get(f"/apis/{group}/v1").json()["resources"]
    entry = next(r for r in resources if r["name"] == "crontabs")
    assert entry["kind"] == "CronTab" and entry["shortNames"] == ["ct"] and entry["categories"] == ["all"]
    assert {r["name"] for r in resources} == {"crontabs", "crontabs/status", "crontabs/scale"}
    groups = api.get("/apis", headers={"Accept": AGGREGATED}).json()["items"]
    mine = next(g for g in groups if g["metadata"]["name"] == group)
    assert mine["versions"][0]["resources"][0]["resource"] == "crontabs"
    assert f"apis/{group}/v1" in api.get("/openapi/v3").json()["paths"]
    document = api.get(f"/openapi/v3/apis/{group}/v1").json()
    schema_name = ".".join(reversed(group.split("."))) + ".v1.CronTab"
    schema = document["components"]["schemas"][schema_name]
    assert schema["x-kubernetes-group-version-kind"] == [{"group": group, "kind": "CronTab", "version": "v1"}]
    assert "cronSpec" in schema["properties"]["spec"]["properties"]
    assert schema_name in api.get("/openapi/v2").json()["definitions"]
    api.delete(f"{CRDS_PATH}/{body['metadata']['name']}")
    wait_gone(api, f"/apis/{group}/v1/crontabs")
    assert group not in [g["name"] for g in api.get("/apis").json()["groups"]]
    assert api.get(f"/openapi/v3/apis/{group}/v1").status_code == 404


def test_invalid_objects_are_refused_naming_each_field(api, crd, group, namespace):
    bad = crontab("bad", group, cronSpec="nope", replicas="three", color="pink", tags=["a", "a"], when="soon")
    bad["spec"]["image"] = "x" * 65
    response = api.post(path(group, namespace), json=bad)
    assert response.status_code == 422, response.text
    status = response.json()
    assert status["reason"] == "Invalid" and status["details"]["kind"] == "CronTab"
    causes = {c["field"]: c["message"] for c in status["details"]["causes"]}
    assert causes["spec.cronSpec"].startswith('Invalid value: "nope": spec.cronSpec in body should match')
    assert causes["spec.replicas"] == 'Invalid value: "string": spec.replicas in body must be of type integer: "string"'
    assert causes["spec.color"] == 'Unsupported value: "pink": supported values: "red", "green"'
    assert causes["spec.tags[1]"] == 'Duplicate value: "a"'
    assert causes["spec.when"] == 'Invalid value: "soon": spec.when in body must be of type date-time: "soon"'
    assert causes["spec.image"] == "Too long: must have at most 64 bytes"
    assert status["message"].startswith(f'CronTab.{group} "bad" is invalid: ')
    missing = api.post(path(group, namespace), json={**crontab("m", group), "spec": {}})
    assert {c["field"]: c["message"] for c in missing.json()["details"]["causes"]} == {
        "spec.cronSpec": "Required value"
    }
    rule = api.post(path(group, namespace), json=crontab("r", group, replicas=20, maxReplicas=5))
    assert rule.status_code == 422
    assert rule.json()["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": 'Invalid value: "object": replicas must not exceed maxReplicas',
         "field": "spec"}
    ]  # fmt: skip
    assert api.post(path(group, namespace), content=b"{not json").status_code == 400


def test_defaults_are_applied_and_unknown_fields_pruned(api, crd, group, namespace):
    body = crontab("d", group, port="http", extra={"anything": {"goes": [1]}}, junk=True)
    body["topLevelJunk"] = 1
    response = api.post(path(group, namespace), json=body)
    assert response.status_code == 201, response.text
    warnings = response.headers.get("warning", "")
    assert r"unknown field \"spec.junk\"" in warnings and r"unknown field \"topLevelJunk\"" in warnings
    spec = response.json()["spec"]
    assert spec == {
        "cronSpec": "*/5 * * * *",
        "image": "cron:1",
        "port": "http",
        "extra": {"anything": {"goes": [1]}},
        "replicas": 1,
        "maxReplicas": 10,
        "color": "red",
    }
    assert "topLevelJunk" not in response.json()
    strict = api.post(path(group, namespace), params={"fieldValidation": "Strict"}, json=crontab("s", group, junk=1))
    assert strict.status_code == 400 and 'unknown field "spec.junk"' in strict.json()["message"]


def test_status_and_scale_subresources(api, crd, group, namespace):
    created = api.post(path(group, namespace), json={**crontab("s", group), "status": {"replicas": 9}}).json()
    assert "status" not in created, "status is reset on create when the status subresource is on"
    assert created["metadata"]["generation"] == 1
    status = api.patch(
        path(group, namespace, "s", sub="status"),
        headers={"Content-Type": "application/merge-patch+json"},
        json={"status": {"replicas": 2, "selector": "app=cron"}, "spec": {"image": "ignored:2"}},
    )
    assert status.status_code == 200, status.text
    assert status.json()["status"] == {"replicas": 2, "selector": "app=cron"}
    assert status.json()["spec"]["image"] == "cron:1" and status.json()["metadata"]["generation"] == 1
    main = api.patch(
        path(group, namespace, "s"),
        headers={"Content-Type": "application/merge-patch+json"},
        json={"spec": {"image": "cron:2"}, "status": {"replicas": 7}},
    ).json()
    assert main["status"]["replicas"] == 2 and main["metadata"]["generation"] == 2
    scale = api.get(path(group, namespace, "s", sub="scale")).json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 1} and scale["status"] == {"replicas": 2, "selector": "app=cron"}
    scaled = api.patch(
        path(group, namespace, "s", sub="scale"),
        headers={"Content-Type": "application/merge-patch+json"},
        json={"spec": {"replicas": 4}},
    )
    assert scaled.json()["spec"]["replicas"] == 4
    assert api.get(path(group, namespace, "s")).json()["spec"]["replicas"] == 4


def test_tables_field_selectors_watch_and_json_only(api, crd, group, namespace):
    api.post(path(group, namespace), json=crontab("a", group, color="green"))
    api.post(path(group, namespace), json=crontab("b", group))
    table = api.get(path(group, namespace), headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Spec", "Replicas", "Image", "Age"]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 1, 0]
    assert table["rows"][0]["cells"][:4] == ["a", "*/5 * * * *", 1, "cron:1"]
    green = api.get(path(group, namespace), params={"fieldSelector": "spec.color=green"}).json()
    assert [i["metadata"]["name"] for i in green["items"]] == ["a"]
    by_name = api.get(path(group, namespace), params={"fieldSelector": "metadata.name=b"}).json()
    assert [i["metadata"]["name"] for i in by_name["items"]] == ["b"]
    unknown = api.get(path(group, namespace), params={"fieldSelector": "spec.image=x"})
    assert unknown.status_code == 400 and "field label not supported: spec.image" in unknown.text
    # Custom resources are JSON only: a protobuf-first Accept gets JSON.
    answer = api.get(
        path(group, namespace, "a"), headers={"Accept": "application/vnd.kubernetes.protobuf, application/json"}
    )
    assert answer.headers["content-type"] == "application/json" and answer.json()["metadata"]["name"] == "a"
    listing = api.get(path(group, namespace)).json()
    assert listing["kind"] == "CronTabList" and listing["apiVersion"] == f"{group}/v1"
    with api.stream(
        "GET",
        path(group, namespace),
        params={"watch": "true", "resourceVersion": listing["metadata"]["resourceVersion"]},
        headers={"Accept": "application/vnd.kubernetes.protobuf, application/json"},
    ) as stream:
        assert stream.headers["content-type"] == "application/json", "a custom resource's watch is JSON too"
        api.delete(path(group, namespace, "b"))
        event = json.loads(next(stream.iter_lines()))
    assert event["type"] == "DELETED" and event["object"]["metadata"]["name"] == "b"


def test_finalizers_block_deletion_of_a_custom_resource(api, crd, group, namespace):
    api.post(path(group, namespace), json={**crontab("f", group), "metadata": {"name": "f", "finalizers": ["x/y"]}})
    marked = api.delete(path(group, namespace, "f"))
    assert marked.status_code == 200 and marked.json()["metadata"]["deletionTimestamp"]
    assert api.get(path(group, namespace, "f")).status_code == 200
    api.patch(
        path(group, namespace, "f"), headers={"Content-Type": "application/merge-patch+json"},
        json={"metadata": {"finalizers": None}},
    )  # fmt: skip
    assert api.get(path(group, namespace, "f")).status_code == 404


def test_versions_served_hidden_deprecated_and_converted(api, group, namespace):
    v1beta1 = {
        "name": "v1beta1",
        "served": True,
        "storage": False,
        "deprecated": True,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }
    v1alpha1 = {**v1beta1, "name": "v1alpha1", "served": False, "deprecated": False}
    body = crontab_crd(group, extra_versions=(v1beta1, v1alpha1))
    assert api.post(CRDS_PATH, json=body).status_code == 201
    wait_served(api, body)
    versions = api.get(f"/apis/{group}").json()
    assert [v["version"] for v in versions["versions"]] == ["v1", "v1beta1"]
    assert versions["preferredVersion"]["version"] == "v1"
    assert api.get(f"/apis/{group}/v1alpha1/crontabs").status_code == 404
    created = api.post(path(group, namespace, version="v1beta1"), json=crontab("old", group, version="v1beta1"))
    assert created.status_code == 201
    assert created.headers["warning"] == f'299 - "{group}/v1beta1 CronTab is deprecated; use {group}/v1 CronTab"'
    assert created.json()["apiVersion"] == f"{group}/v1beta1"
    assert api.get(path(group, namespace, "old")).json()["apiVersion"] == f"{group}/v1"
    assert "warning" not in api.get(path(group, namespace, "old")).headers
    api.delete(f"{CRDS_PATH}/{body['metadata']['name']}")


def test_cluster_scoped_custom_resources(api, group):
    body = crontab_crd(group, scope="Cluster", short_names=(), categories=())
    assert api.post(CRDS_PATH, json=body).status_code == 201
    wait_served(api, body)
    created = api.post(f"/apis/{group}/v1/crontabs", json=crontab("c", group))
    assert created.status_code == 201 and "namespace" not in created.json()["metadata"]
    assert api.get(f"/apis/{group}/v1/namespaces/default/crontabs").status_code == 404
    api.delete(f"{CRDS_PATH}/{body['metadata']['name']}")


def test_name_conflicts_are_reported_and_not_served(api, crd, group):
    rival = crontab_crd(group, plural="crontabz", short_names=("ct",))
    rival["spec"]["names"]["singular"] = "crontabz"
    assert api.post(CRDS_PATH, json=rival).status_code == 201
    name = rival["metadata"]["name"]
    conditions = {}
    for _ in range(100):
        conditions = {c["type"]: c for c in api.get(f"{CRDS_PATH}/{name}").json()["status"]["conditions"]}
        if "NamesAccepted" in conditions:
            break
    accepted = conditions["NamesAccepted"]
    assert (accepted["status"], accepted["reason"]) == ("False", "ShortNamesConflict")
    assert accepted["message"] == '"ct" is already in use'
    assert conditions["Established"]["status"] == "False" and conditions["Established"]["reason"] == "NotAccepted"
    assert api.get(f"/apis/{group}/v1/crontabz").status_code == 404
    api.delete(f"{CRDS_PATH}/{name}")


def test_invalid_and_non_structural_crds_are_refused(api, group):
    body = crontab_crd(group)
    body["metadata"]["name"] = "wrong.example.com"
    body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["nested"] = {
        "properties": {"a": {"type": "string"}}
    }
    body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-validations"] = [
        {"rule": "self.replicas <"}
    ]
    response = api.post(CRDS_PATH, json=body)
    assert response.status_code == 422, response.text
    causes = {c["field"]: c["message"] for c in response.json()["details"]["causes"]}
    assert causes["metadata.name"] == 'Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group'
    schema = "spec.versions[0].schema.openAPIV3Schema.properties[spec]"
    assert (
        causes[f"{schema}.properties[nested].type"] == "Required value: must not be empty for specified object fields"
    )
    assert causes[f"{schema}.x-kubernetes-validations[0].rule"].startswith(
        'Invalid value: "self.replicas <": compilation failed'
    )
    no_storage = crontab_crd(group)
    no_storage["spec"]["versions"][0]["storage"] = False
    refused = api.post(CRDS_PATH, json=no_storage).json()
    assert refused["details"]["causes"][0]["field"] == "spec.versions"
    assert "must have exactly one version marked as storage version" in refused["message"]


def test_deleting_a_crd_deletes_its_objects_then_its_routes(api, group, namespace):
    body = crontab_crd(group)
    api.post(CRDS_PATH, json=body)
    wait_served(api, body)
    for index in range(3):
        assert api.post(path(group, namespace), json=crontab(f"c{index}", group)).status_code == 201
    deleted = api.delete(f"{CRDS_PATH}/{body['metadata']['name']}")
    assert deleted.status_code == 200
    assert "customresourcecleanup.apiextensions.k8s.io" in deleted.json()["metadata"]["finalizers"]
    wait_gone(api, f"{CRDS_PATH}/{body['metadata']['name']}")
    wait_gone(api, path(group, namespace))
    # Re-created, the kind starts empty: the objects went with the CRD.
    api.post(CRDS_PATH, json=body)
    wait_served(api, body)
    assert api.get(path(group, namespace)).json()["items"] == []
    api.delete(f"{CRDS_PATH}/{body['metadata']['name']}")


def test_crds_survive_an_apiserver_restart(own_apiserver, group):

    body = crontab_crd(group)
    with api_http(base_url=own_apiserver.url, timeout=30) as http:
        assert http.post(CRDS_PATH, json=body).status_code == 201
        wait_served(http, body)
        assert http.post(path(group, "default"), json=crontab("kept", group)).status_code == 201
    own_apiserver.stop()
    own_apiserver.start()  # ready means: stored CRDs registered before serving
    with api_http(base_url=own_apiserver.url, timeout=30) as http:
        assert http.get(path(group, "default", "kept")).status_code == 200
        assert any(r["name"] == "crontabs" for r in http.get(f"/apis/{group}/v1").json()["resources"])


async def test_a_crd_stored_around_the_api_does_not_keep_others_unserved(api, etcd_server, group):
    from tests.support.raw_etcd import put_raw

    broken = crontab_crd(f"broken.{group}")
    broken["spec"]["versions"][0]["additionalPrinterColumns"][0]["jsonPath"] = ".spec["
    broken["metadata"].update(uid="u-broken", creationTimestamp="2026-01-01T00:00:00Z")
    broken["status"] = {
        "acceptedNames": broken["spec"]["names"],
        "conditions": [{"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": ""}],
    }
    await put_raw(etcd_server.url, f"/registry/customresourcedefinitions/{broken['metadata']['name']}", broken)
    good = crontab_crd(group)
    assert api.post(CRDS_PATH, json=good).status_code == 201
    wait_served(api, good)
    api.delete(f"{CRDS_PATH}/{good['metadata']['name']}")
    api.delete(f"{CRDS_PATH}/{broken['metadata']['name']}")


def test_server_side_apply_merges_by_the_crds_list_types(api, crd, group, namespace):
    """`tags` is `x-kubernetes-list-type: set`: two appliers each own their values; a scalar both
    set conflicts naming the field and its manager until forced."""

    def apply(manager: str, spec: dict, **params) -> httpx.Response:
        body = {"apiVersion": f"{group}/v1", "kind": "CronTab", "metadata": {"name": "a"}, "spec": spec}
        return api.patch(
            path(group, namespace, "a"),
            content=json.dumps(body),
            params={"fieldManager": manager, **params},
            headers={"Content-Type": "application/apply-patch+yaml"},
        )

    assert apply("one", {"cronSpec": "* * * * *", "tags": ["x"]}).status_code == 201
    merged = apply("two", {"cronSpec": "* * * * *", "tags": ["zed"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["spec"]["tags"] == ["x", "zed"]
    managers = {e["manager"]: e["fieldsV1"] for e in merged.json()["metadata"]["managedFields"]}
    assert managers["two"]["f:spec"]["f:tags"] == {'v:"zed"': {}}
    conflict = apply("two", {"cronSpec": "*/2 * * * *"})
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["details"]["causes"] == [
        {"type": "FieldManagerConflict", "message": 'conflict with "one"', "field": ".spec.cronSpec"}
    ]
    forced = apply("two", {"cronSpec": "*/2 * * * *"}, force="true")
    assert forced.status_code == 200, forced.text
    # two stopped listing "zed" and owns no tag now; one still owns "x".
    assert forced.json()["spec"]["tags"] == ["x"] and forced.json()["spec"]["cronSpec"] == "*/2 * * * *"

"""Create, read, update, delete over HTTP against real etcd: shapes and semantics of Kubernetes."""

from __future__ import annotations

from tests.integration.apiserver.conftest import configmap, deployment, pod


def test_create_sets_server_owned_metadata(api, namespace):
    body = configmap("c1", a="1")
    body["metadata"].update({"uid": "forged", "generation": 99, "creationTimestamp": "2000-01-01T00:00:00Z"})
    response = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["metadata"]["uid"] != "forged"
    assert "generation" not in created["metadata"]  # kinds without spec carry none, as in Kubernetes
    assert created["metadata"]["creationTimestamp"] != "2000-01-01T00:00:00Z"
    assert created["metadata"]["namespace"] == namespace
    assert int(created["metadata"]["resourceVersion"]) > 0
    fetched = api.get(f"/api/v1/namespaces/{namespace}/configmaps/c1").json()
    assert fetched == created
    forged = deployment("d1")
    forged["metadata"]["generation"] = 99
    made = api.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", json=forged).json()
    assert made["metadata"]["generation"] == 1


def test_generate_name(api, namespace):
    names = set()
    for _ in range(3):
        body = {"metadata": {"generateName": "gen-"}, "data": {}}
        response = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=body)
        assert response.status_code == 201, response.text
        names.add(response.json()["metadata"]["name"])
    assert len(names) == 3 and all(n.startswith("gen-") and len(n) == 9 for n in names)


def test_duplicate_create_is_409_already_exists(api, namespace):
    assert api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("dup")).status_code == 201
    response = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("dup"))
    assert response.status_code == 409
    assert response.json()["reason"] == "AlreadyExists"
    assert response.json()["kind"] == "Status"


def test_update_with_stale_resource_version_is_409(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("c", a="1")).json()
    first = {**created, "data": {"a": "2"}}
    assert api.put(f"/api/v1/namespaces/{namespace}/configmaps/c", json=first).status_code == 200
    stale = {**created, "data": {"a": "3"}}
    response = api.put(f"/api/v1/namespaces/{namespace}/configmaps/c", json=stale)
    assert response.status_code == 409
    assert response.json()["reason"] == "Conflict"
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps/c").json()["data"] == {"a": "2"}


def test_spec_change_bumps_generation_and_status_writes_do_not(api, namespace):
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    created = api.post(path, json=deployment("web")).json()
    assert created["metadata"]["generation"] == 1
    created["spec"]["replicas"] = 3
    created["status"] = {"replicas": 42}
    updated = api.put(f"{path}/web", json=created).json()
    assert updated["metadata"]["generation"] == 2
    assert updated.get("status", {}).get("replicas") != 42, "spec write must not touch status"
    updated["status"] = {"replicas": 3, "observedGeneration": 2}
    updated["spec"]["replicas"] = 7
    status_written = api.put(f"{path}/web/status", json=updated).json()
    assert status_written["status"] == {"replicas": 3, "observedGeneration": 2}
    assert status_written["spec"]["replicas"] == 3, "status write must not touch spec"
    assert status_written["metadata"]["generation"] == 2


def test_defaults_are_applied(api, namespace):
    created = api.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", json=deployment("d")).json()
    spec = created["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert spec["revisionHistoryLimit"] == 10 and spec["progressDeadlineSeconds"] == 600
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always" and pod_spec["dnsPolicy"] == "ClusterFirst"
    assert pod_spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    latest = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("p", image="busybox")).json()
    assert latest["spec"]["containers"][0]["imagePullPolicy"] == "Always"
    assert latest["status"]["phase"] == "Pending"


def test_unknown_fields_are_dropped_with_a_warning_and_real_fields_kept(api, namespace):
    body = pod("p")
    body["spec"]["containers"][0]["stdin"] = True
    body["spec"]["someFutureField"] = {"x": [1, 2]}
    response = api.post(f"/api/v1/namespaces/{namespace}/pods", json=body)
    created = response.json()
    assert "someFutureField" not in created["spec"]
    assert created["spec"]["containers"][0]["stdin"] is True
    assert 'unknown field \\"spec.someFutureField\\"' in response.headers["warning"]


def test_cluster_scoped_and_cross_namespace_list(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("a"))
    all_pods = api.get("/api/v1/pods").json()
    assert all_pods["kind"] == "PodList"
    assert any(p["metadata"]["namespace"] == namespace for p in all_pods["items"])
    namespaces = api.get("/api/v1/namespaces").json()["items"]
    assert {"default", "kube-system", namespace} <= {n["metadata"]["name"] for n in namespaces}


def test_delete_answers_success_status_and_then_404(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("gone")).json()
    response = api.request("DELETE", f"/api/v1/namespaces/{namespace}/configmaps/gone", json={"kind": "DeleteOptions"})
    assert response.status_code == 200
    assert response.json()["status"] == "Success"
    assert response.json()["details"] == {"name": "gone", "kind": "configmaps", "uid": created["metadata"]["uid"]}
    missing = api.get(f"/api/v1/namespaces/{namespace}/configmaps/gone")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"


def test_delete_preconditions(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("pre")).json()
    wrong = {"preconditions": {"uid": "not-the-uid"}}
    assert api.request("DELETE", f"/api/v1/namespaces/{namespace}/configmaps/pre", json=wrong).status_code == 409
    right = {"preconditions": {"uid": created["metadata"]["uid"]}}
    assert api.request("DELETE", f"/api/v1/namespaces/{namespace}/configmaps/pre", json=right).status_code == 200


def test_finalizers_hold_deletion_until_removed(api, namespace):
    body = configmap("fin")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=body)
    marked = api.delete(f"/api/v1/namespaces/{namespace}/configmaps/fin").json()
    assert marked["metadata"]["deletionTimestamp"]
    still = api.get(f"/api/v1/namespaces/{namespace}/configmaps/fin")
    assert still.status_code == 200
    patch = {"metadata": {"finalizers": None}}
    headers = {"Content-Type": "application/merge-patch+json"}
    assert api.patch(f"/api/v1/namespaces/{namespace}/configmaps/fin", json=patch, headers=headers).status_code == 200
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps/fin").status_code == 404


def test_propagation_policy_is_recorded_as_finalizer(api, namespace):
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    api.post(path, json=deployment("fg"))
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"}
    marked = api.request("DELETE", f"{path}/fg", json=options).json()
    assert "foregroundDeletion" in marked["metadata"]["finalizers"]
    assert marked["metadata"]["deletionTimestamp"]


def test_graceful_pod_deletion_marks_bound_pods(api, namespace):
    bound = pod("bound", nodeName="node-a")
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=bound)
    marked = api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/bound", json={"gracePeriodSeconds": 20}).json()
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 20
    assert api.get(f"/api/v1/namespaces/{namespace}/pods/bound").status_code == 200
    api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/bound", json={"gracePeriodSeconds": 0})
    assert api.get(f"/api/v1/namespaces/{namespace}/pods/bound").status_code == 404
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("unbound"))
    api.delete(f"/api/v1/namespaces/{namespace}/pods/unbound")
    assert api.get(f"/api/v1/namespaces/{namespace}/pods/unbound").status_code == 404


def test_scale_subresource(api, namespace):
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    api.post(path, json=deployment("s", replicas=2))
    scale = api.get(f"{path}/s/scale").json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 2 and scale["status"]["selector"] == "app=s"
    patched = api.patch(
        f"{path}/s/scale", json={"spec": {"replicas": 5}}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert patched.status_code == 200 and patched.json()["spec"]["replicas"] == 5
    assert api.get(f"{path}/s").json()["spec"]["replicas"] == 5
    negative = api.put(f"{path}/s/scale", json={**scale, "spec": {"replicas": -1}})
    assert negative.status_code == 422


def test_binding_sets_node_once(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("b"))
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "b"},
        "target": {"kind": "Node", "name": "n1"},
    }
    assert api.post(f"/api/v1/namespaces/{namespace}/pods/b/binding", json=binding).status_code == 201
    bound = api.get(f"/api/v1/namespaces/{namespace}/pods/b").json()
    assert bound["spec"]["nodeName"] == "n1"
    assert {"type": "PodScheduled", "status": "True"}.items() <= bound["status"]["conditions"][0].items()
    again = {**binding, "target": {"kind": "Node", "name": "n2"}}
    assert api.post(f"/api/v1/namespaces/{namespace}/pods/b/binding", json=again).status_code == 409


def test_node_name_is_immutable_once_set(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("im", nodeName="n1")).json()
    created["spec"]["nodeName"] = "n2"
    response = api.put(f"/api/v1/namespaces/{namespace}/pods/im", json=created)
    assert response.status_code == 422
    assert response.json()["details"]["causes"][0]["field"] == "spec"
    assert "pod updates may not change fields" in response.json()["message"]


def test_deployment_selector_is_immutable(api, namespace):
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    created = api.post(path, json=deployment("sel")).json()
    created["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    created["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    response = api.put(f"{path}/sel", json=created)
    assert response.status_code == 422
    assert "spec.selector" in [c["field"] for c in response.json()["details"]["causes"]]


def test_default_namespaces_exist(api):
    for name in ("default", "kube-system"):
        assert api.get(f"/api/v1/namespaces/{name}").json()["status"]["phase"] == "Active"


def test_terminating_namespace_refuses_new_content(api, namespace):
    marked = api.delete(f"/api/v1/namespaces/{namespace}").json()
    assert marked["status"]["phase"] == "Terminating"
    response = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("late"))
    assert response.status_code == 403 and response.json()["reason"] == "Forbidden"


def test_dry_run_checks_everything_and_stores_nothing(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    dry = api.post(path, params={"dryRun": "All"}, json=configmap("dry", a="1"))
    assert dry.status_code == 201 and dry.json()["data"] == {"a": "1"}
    assert api.get(f"{path}/dry").status_code == 404
    invalid = api.post(path, params={"dryRun": "All"}, json=configmap("Bad_Name"))
    assert invalid.status_code == 422
    api.post(path, json=configmap("real", a="1"))
    patched = api.patch(
        f"{path}/real",
        params={"dryRun": "All"},
        json={"data": {"a": "2"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200 and patched.json()["data"] == {"a": "2"}
    assert api.get(f"{path}/real").json()["data"] == {"a": "1"}
    assert api.delete(f"{path}/real", params={"dryRun": "All"}).status_code == 200
    assert api.get(f"{path}/real").status_code == 200
    assert api.post(path, params={"dryRun": "Some"}, json=configmap("x")).status_code == 400


def test_a_list_larger_than_a_default_grpc_message_is_served(api, namespace):
    """Six ConfigMaps of 900 KB: one etcd range answer of ~5.4 MB, past gRPC's default 4 MiB."""
    for index in range(6):
        body = configmap(f"big-{index}", blob="x" * 900_000)
        assert api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=body).status_code == 201
    listed = api.get(f"/api/v1/namespaces/{namespace}/configmaps")
    assert listed.status_code == 200, listed.text[:300]
    assert len([i for i in listed.json()["items"] if i["metadata"]["name"].startswith("big-")]) == 6

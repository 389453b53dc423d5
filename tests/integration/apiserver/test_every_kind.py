"""Every stored kind over HTTP against real etcd: dry-run create/update/delete leave storage as it was,
then create, get, list, watch, merge patch, update and delete behave as on Kubernetes; a few upstream
defaults are spot-checked per kind."""

from __future__ import annotations

import secrets

import pytest

from kubemini.api.registry import RESOURCES
from tests.support.api_http import api_http
from tests.support.custom_resources import wait_gone, wait_served
from tests.support.maximal_objects import maximal
from tests.support.minimal_objects import minimal
from tests.support.watch_reader import WatchReader

KINDS = [r for r in RESOURCES if not r.virtual and "create" in r.verbs]
DRY_RUN = {"dryRun": "All"}

# (apiVersion, kind) → {dotted path: value upstream's defaulting writes} for the minimal object.
UPSTREAM_DEFAULTS: dict[tuple[str, str], dict[str, object]] = {
    ("v1", "Pod"): {
        "spec.restartPolicy": "Always",
        "spec.dnsPolicy": "ClusterFirst",
        "spec.terminationGracePeriodSeconds": 30,
        "spec.schedulerName": "default-scheduler",
        "spec.containers.0.imagePullPolicy": "IfNotPresent",
        "spec.containers.0.terminationMessagePath": "/dev/termination-log",
        "spec.containers.0.terminationMessagePolicy": "File",
        "status.phase": "Pending",
    },
    ("v1", "Service"): {
        "spec.type": "ClusterIP",
        "spec.sessionAffinity": "None",
        "spec.ports.0.protocol": "TCP",
        "spec.ports.0.targetPort": 80,
        "spec.ipFamilyPolicy": "SingleStack",
        "spec.internalTrafficPolicy": "Cluster",
    },
    ("v1", "Secret"): {"type": "Opaque", "data.a": "Yg=="},
    ("v1", "PersistentVolume"): {"spec.persistentVolumeReclaimPolicy": "Retain", "spec.volumeMode": "Filesystem"},
    ("v1", "PersistentVolumeClaim"): {"spec.volumeMode": "Filesystem", "status.phase": "Pending"},
    ("v1", "ReplicationController"): {"spec.replicas": 1, "spec.selector": {"app": "x"}},
    ("apps/v1", "Deployment"): {
        "spec.replicas": 1,
        "spec.strategy.type": "RollingUpdate",
        "spec.strategy.rollingUpdate.maxSurge": "25%",
        "spec.strategy.rollingUpdate.maxUnavailable": "25%",
        "spec.revisionHistoryLimit": 10,
        "spec.progressDeadlineSeconds": 600,
    },
    ("apps/v1", "DaemonSet"): {
        "spec.updateStrategy.type": "RollingUpdate",
        "spec.updateStrategy.rollingUpdate.maxUnavailable": 1,
        "spec.revisionHistoryLimit": 10,
    },
    ("apps/v1", "StatefulSet"): {
        "spec.podManagementPolicy": "OrderedReady",
        "spec.updateStrategy.rollingUpdate.partition": 0,
        "spec.persistentVolumeClaimRetentionPolicy.whenDeleted": "Retain",
    },
    ("batch/v1", "Job"): {
        "spec.backoffLimit": 6,
        "spec.completions": 1,
        "spec.parallelism": 1,
        "spec.completionMode": "NonIndexed",
        "spec.suspend": False,
    },
    ("batch/v1", "CronJob"): {
        "spec.concurrencyPolicy": "Allow",
        "spec.successfulJobsHistoryLimit": 3,
        "spec.failedJobsHistoryLimit": 1,
        "spec.suspend": False,
    },
    ("autoscaling/v2", "HorizontalPodAutoscaler"): {"spec.minReplicas": 1},
    ("networking.k8s.io/v1", "NetworkPolicy"): {"spec.policyTypes": ["Ingress"]},
    ("scheduling.k8s.io/v1", "PriorityClass"): {"preemptionPolicy": "PreemptLowerPriority"},
    ("storage.k8s.io/v1", "StorageClass"): {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"},
    ("storage.k8s.io/v1", "CSIDriver"): {
        "spec.attachRequired": True,
        "spec.podInfoOnMount": False,
        "spec.volumeLifecycleModes": ["Persistent"],
        "spec.fsGroupPolicy": "ReadWriteOnceWithFSType",
    },
}


def _at(obj: object, dotted: str) -> object:
    for part in dotted.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


def _collection(record, namespace: str) -> str:
    root = f"/apis/{record.group}/{record.version}" if record.group else f"/api/{record.version}"
    scope = f"/namespaces/{namespace}" if record.namespaced else ""
    return f"{root}{scope}/{record.plural}"


@pytest.fixture(scope="module")
def api_module(apiserver):
    with api_http(base_url=apiserver.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def kind_namespace(api_module):
    name = f"kinds-{secrets.token_hex(3)}"
    assert api_module.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    return name


@pytest.mark.parametrize("record", KINDS, ids=[f"{r.api_version}/{r.kind}" for r in KINDS])
def test_every_verb_on_every_kind(record, api_module, kind_namespace, apiserver):
    api = api_module
    collection = _collection(record, kind_namespace)
    body = minimal(record.api_version, record.kind, f"k-{secrets.token_hex(3)}")
    name = body["metadata"]["name"]
    item = f"{collection}/{name}"
    api.delete(item)  # a cluster-scoped name fixed by its kind (APIService) may remain from an earlier run

    dry = api.post(collection, json=body, params=DRY_RUN)
    assert dry.status_code == 201, dry.text
    assert dry.json()["metadata"]["uid"] and api.get(item).status_code == 404, "dry-run create stored nothing"

    created = api.post(collection, json=body)
    assert created.status_code == 201, created.text
    stored = created.json()
    if record.kind == "CustomResourceDefinition":  # the apiserver's CRD controller writes its status at once
        wait_served(api, body)
        stored = api.get(item).json()
    assert (stored["apiVersion"], stored["kind"]) == (record.api_version, record.kind)
    assert stored["metadata"]["uid"] and stored["metadata"]["creationTimestamp"]
    for path, expected in UPSTREAM_DEFAULTS.get((record.api_version, record.kind), {}).items():
        assert _at(stored, path) == expected, path
    assert api.get(item).json() == stored

    listed = api.get(collection, params={"fieldSelector": f"metadata.name={name}"})
    assert listed.status_code == 200 and listed.json()["kind"] == record.list_kind
    assert [o["metadata"]["uid"] for o in listed.json()["items"]] == [stored["metadata"]["uid"]]

    watch = WatchReader(apiserver.url, collection, resourceVersion=stored["metadata"]["resourceVersion"])
    try:
        patch = {"metadata": {"labels": {"patched": "yes"}}}
        dry_patch = api.patch(
            item, json=patch, params=DRY_RUN, headers={"Content-Type": "application/merge-patch+json"}
        )
        assert dry_patch.status_code == 200 and dry_patch.json()["metadata"]["labels"]["patched"] == "yes"
        assert api.get(item).json() == stored, "dry-run patch changed nothing"
        patched = api.patch(item, json=patch, headers={"Content-Type": "application/merge-patch+json"})
        assert patched.status_code == 200, patched.text
        assert patched.json()["metadata"]["labels"]["patched"] == "yes"
        [event] = watch.take(1, deadline_seconds=10)
        assert event["type"] == "MODIFIED" and event["object"]["metadata"]["labels"]["patched"] == "yes"
    finally:
        watch.close()

    replacement = patched.json()
    replacement["metadata"]["annotations"] = {"replaced": "yes"}
    updated = api.put(item, json=replacement)
    assert updated.status_code == 200, updated.text
    assert updated.json()["metadata"]["annotations"] == {"replaced": "yes"}
    assert int(updated.json()["metadata"]["resourceVersion"]) > int(replacement["metadata"]["resourceVersion"])

    assert api.delete(item, params=DRY_RUN).status_code in (200, 202)
    assert api.get(item).json() == updated.json(), "dry-run delete removed nothing"
    deleted = api.delete(item)
    assert deleted.status_code in (200, 202), deleted.text
    after = api.get(item)
    if record.kind == "Namespace":  # finalizers keep it Terminating until the namespace controller empties it
        assert after.json()["status"]["phase"] == "Terminating"
    elif record.kind == "CustomResourceDefinition":  # its cleanup finalizer deletes its objects first
        wait_gone(api, item)
    elif record.kind in ("PersistentVolume", "PersistentVolumeClaim"):  # pv-/pvc-protection (no controller here)
        assert after.json()["metadata"]["deletionTimestamp"] and after.json()["metadata"]["finalizers"]
        unfinalized = api.patch(
            item, json={"metadata": {"finalizers": None}}, headers={"Content-Type": "application/merge-patch+json"}
        )
        assert unfinalized.status_code == 200 and api.get(item).status_code == 404, unfinalized.text
    else:
        assert after.status_code == 404, after.text


# Kinds whose schema-generated maximal object (every field set, placeholder values) is also semantically
# valid; the others are refused for their placeholder values (an IP "ip-x", a missing PriorityClass),
# never for a field.
MAXIMAL_VALID = {
    "v1/Namespace", "v1/Secret", "v1/ServiceAccount", "apps/v1/ControllerRevision",
    "autoscaling/v1/HorizontalPodAutoscaler", "storage.k8s.io/v1/CSINode", "storage.k8s.io/v1/CSIStorageCapacity",
    "storage.k8s.io/v1/VolumeAttachment", "node.k8s.io/v1/RuntimeClass", "coordination.k8s.io/v1/Lease",
}  # fmt: skip
WRITE_ONLY = {"Secret": "stringData"}  # folded into `data` on write, as upstream


def _contains(whole: object, part: object, path: str = "") -> None:
    if isinstance(part, dict):
        assert isinstance(whole, dict), path
        for key, value in part.items():
            assert key in whole, f"{path}.{key} was dropped"
            _contains(whole[key], value, f"{path}.{key}")
    elif isinstance(part, list):
        assert isinstance(whole, list) and len(whole) == len(part), path
        for index, (kept, sent) in enumerate(zip(whole, part, strict=True)):
            _contains(kept, sent, f"{path}[{index}]")
    else:
        assert whole == part, f"{path}: {whole!r} != {part!r}"


@pytest.mark.parametrize("record", KINDS, ids=[f"{r.api_version}/{r.kind}" for r in KINDS])
def test_a_maximal_object_loses_no_field_over_http(record, api_module, kind_namespace, apiserver):
    api = api_module
    body = maximal(record)
    body["metadata"] = {"name": f"max-{secrets.token_hex(3)}", "labels": {"a": "b"}, "annotations": {"c": "d"}}
    body.pop(WRITE_ONLY.get(record.kind, ""), None)
    if record.has_status:
        body.pop("status", None)  # reset on create, as upstream: status is written through /status
    collection = _collection(record, kind_namespace)
    response = api.post(collection, json=body, params={"fieldValidation": "Strict"})
    assert response.status_code in (201, 403, 422), response.text
    assert "unknown field" not in response.text and "duplicate field" not in response.text
    if f"{record.api_version}/{record.kind}" not in MAXIMAL_VALID:
        assert response.status_code in (403, 422)
        return
    assert response.status_code == 201, response.text
    created = response.json()
    _contains(created, body)
    name = body["metadata"]["name"]
    assert api.get(f"{collection}/{name}").json() == created
    listed = api.get(collection, params={"fieldSelector": f"metadata.name={name}"}).json()["items"]
    assert [{"apiVersion": record.api_version, "kind": record.kind, **item} for item in listed] == [created]
    watch = WatchReader(apiserver.url, collection, fieldSelector=f"metadata.name={name}")
    try:
        [event] = watch.take(1, deadline_seconds=10)
        assert event["type"] == "ADDED" and event["object"] == created
    finally:
        watch.close()
    api.delete(f"{collection}/{name}")

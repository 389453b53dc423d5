"""Storage on hollow nodes: binding rules, pre-binding, reclaim Retain / Delete, protection finalizers,
WaitForFirstConsumer through the scheduler, expansion, and the admission rules (default class, Recycle)."""

from __future__ import annotations

import secrets

import pytest

from tests.support.api_http import api_http

PVS = "/api/v1/persistentvolumes"
CLASSES = "/apis/storage.k8s.io/v1/storageclasses"


def pv(name, size="1Gi", *, cls, modes=("ReadWriteOnce",), labels=None, policy="Retain", ref=None, node=None):
    spec = {
        "capacity": {"storage": size},
        "accessModes": list(modes),
        "storageClassName": cls,
        "persistentVolumeReclaimPolicy": policy,
        "hostPath": {"path": f"/tmp/kubemini-it-{name}"},
    }
    if ref:
        spec["claimRef"] = ref
    if node:
        term = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [term]}}
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec}


def pvc(name, size="1Gi", *, cls=None, modes=("ReadWriteOnce",), selector=None, volume_name=None):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if cls is not None:
        spec["storageClassName"] = cls
    if selector:
        spec["selector"] = selector
    if volume_name:
        spec["volumeName"] = volume_name
    return {"metadata": {"name": name}, "spec": spec}


def pod_with(name, claim):
    return {
        "metadata": {"name": name},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [
                {"name": "app", "image": "kubemini/busybox:1.35", "volumeMounts": [{"name": "d", "mountPath": "/d"}]}
            ],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }


@pytest.fixture
def tag(api):
    """A unique suffix; every PV and StorageClass named with it is removed afterwards (they are cluster-wide)."""
    value = secrets.token_hex(3)
    yield value
    for item in api.items(PVS):
        if value in item["metadata"]["name"] or value in item["spec"].get("storageClassName", ""):
            api.merge_patch(f"{PVS}/{item['metadata']['name']}", {"metadata": {"finalizers": None}})
            api.http.delete(f"{PVS}/{item['metadata']['name']}")
    for item in api.items(CLASSES):
        if value in item["metadata"]["name"]:
            api.http.delete(f"{CLASSES}/{item['metadata']['name']}")


def claims_path(namespace):
    return f"/api/v1/namespaces/{namespace}/persistentvolumeclaims"


def wait_bound(api, namespace, name, *, timeout=20.0):
    path = f"{claims_path(namespace)}/{name}"
    return api.wait_for(
        lambda: (c := api.get_or_none(path) or {}).get("status", {}).get("phase") == "Bound" and c,
        what=f"claim {name} Bound",
        timeout=timeout,
        seen=lambda: (
            api.get_or_none(path),
            [(v["metadata"]["name"], v["status"], v["spec"].get("claimRef")) for v in api.items(PVS)],
            [(e["reason"], e["message"]) for e in api.items(f"/api/v1/namespaces/{namespace}/events")],
        ),
    )


def phase_of(api, path):
    found = api.get_or_none(path)
    return None if found is None else (found.get("status") or {}).get("phase")


def test_binding_rules_size_modes_selector_and_pre_binding(api, namespace, tag):
    cls = f"manual-{tag}"
    for volume in (
        pv(f"small-{tag}", "1Gi", cls=cls),
        pv(f"big-{tag}", "5Gi", cls=cls),
        pv(f"rwx-{tag}", "6Gi", cls=cls, modes=("ReadWriteOnce", "ReadWriteMany")),
        pv(f"gold-{tag}", "8Gi", cls=cls, labels={"tier": "gold"}),
        pv(f"named-{tag}", "1Gi", cls=cls),
        pv(f"reserved-{tag}", "9Gi", cls=cls, ref={"namespace": namespace, "name": "reserved"}),
    ):
        api.create(PVS, volume)
    api.create(claims_path(namespace), pvc("two", "2Gi", cls=cls, modes=("ReadWriteOnce",)))
    api.create(claims_path(namespace), pvc("shared", "1Gi", cls=cls, modes=("ReadWriteMany",)))
    api.create(claims_path(namespace), pvc("gold", "1Gi", cls=cls, selector={"matchLabels": {"tier": "gold"}}))
    api.create(claims_path(namespace), pvc("byname", "1Gi", cls=cls, volume_name=f"named-{tag}"))
    api.create(claims_path(namespace), pvc("reserved", "1Gi", cls=cls))
    api.create(claims_path(namespace), pvc("toobig", "50Gi", cls=cls))
    expected = {"shared": "rwx", "gold": "gold", "byname": "named", "reserved": "reserved"}
    for claim, volume in expected.items():
        bound = wait_bound(api, namespace, claim)
        assert bound["spec"]["volumeName"] == f"{volume}-{tag}", claim
    two = wait_bound(api, namespace, "two")
    assert two["spec"]["volumeName"] == f"big-{tag}", "the smallest volume that fits"
    assert two["status"]["capacity"] == {"storage": "5Gi"} and two["status"]["accessModes"] == ["ReadWriteOnce"]
    volume = api.get(f"{PVS}/big-{tag}")
    assert volume["status"]["phase"] == "Bound"
    assert volume["spec"]["claimRef"]["uid"] == two["metadata"]["uid"]
    assert two["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    assert phase_of(api, f"{claims_path(namespace)}/toobig") == "Pending"
    assert phase_of(api, f"{PVS}/small-{tag}") == "Available"
    table = api.http.get(PVS, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}).json()
    row = next(r for r in table["rows"] if r["object"]["metadata"]["name"] == f"big-{tag}")
    assert row["cells"][:7] == [f"big-{tag}", "5Gi", "RWO", "Retain", "Bound", f"{namespace}/two", cls]


def test_reclaim_retain_releases_and_delete_removes(api, namespace, tag):
    cls, now = f"manual-{tag}", f"now-{tag}"
    api.create(PVS, pv(f"keep-{tag}", cls=cls, policy="Retain"))
    api.create(PVS, pv(f"static-delete-{tag}", cls=f"other-{tag}", policy="Delete"))
    api.create(CLASSES, {"metadata": {"name": now}, "provisioner": "kubemini.io/local-path", "reclaimPolicy": "Delete"})
    api.create(claims_path(namespace), pvc("keep", cls=cls))
    api.create(claims_path(namespace), pvc("gone", cls=now))
    api.create(claims_path(namespace), pvc("static", cls=f"other-{tag}"))
    wait_bound(api, namespace, "keep")
    gone = wait_bound(api, namespace, "gone")
    provisioned = api.get(f"{PVS}/{gone['spec']['volumeName']}")
    assert provisioned["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "kubemini.io/local-path"
    assert provisioned["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert provisioned["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"]
    wait_bound(api, namespace, "static")
    for claim in ("keep", "gone", "static"):
        api.delete(f"{claims_path(namespace)}/{claim}")
    api.wait_for(lambda: phase_of(api, f"{PVS}/keep-{tag}") == "Released", what="Retain: Released")
    api.wait_for(lambda: api.get_or_none(f"{PVS}/{provisioned['metadata']['name']}") is None, what="Delete: PV gone")
    failed = api.wait_for(
        lambda: (v := api.get(f"{PVS}/static-delete-{tag}"))["status"].get("phase") == "Failed" and v,
        what="Delete without a deleter: Failed",
    )
    assert "no deletable volume plugin matched" in failed["status"]["message"]
    # A new claim of the same name does not get the released volume back.
    api.create(claims_path(namespace), pvc("keep", cls=cls))
    assert phase_of(api, f"{claims_path(namespace)}/keep") == "Pending"
    assert phase_of(api, f"{PVS}/keep-{tag}") == "Released"


def test_protection_a_claim_in_use_stays_until_its_pod_is_gone(api, namespace, tag):
    cls = f"manual-{tag}"
    api.create(PVS, pv(f"prot-{tag}", cls=cls))
    claim = api.create(claims_path(namespace), pvc("used", cls=cls))
    assert "kubernetes.io/pvc-protection" in claim["metadata"]["finalizers"]
    wait_bound(api, namespace, "used")
    pods = f"/api/v1/namespaces/{namespace}/pods"
    api.create(pods, pod_with("user", "used"))
    api.wait_for(lambda: api.get(f"{pods}/user")["status"].get("phase") == "Running", what="pod Running")
    api.delete(f"{claims_path(namespace)}/used")
    api.delete(f"{PVS}/prot-{tag}")
    for _ in range(3):  # it stays, Terminating, while the pod runs
        held = api.get(f"{claims_path(namespace)}/used")
        assert held["metadata"]["deletionTimestamp"] and held["status"]["phase"] == "Bound"
        api.http.get("/healthz")
    volume = api.get(f"{PVS}/prot-{tag}")
    assert volume["metadata"]["deletionTimestamp"] and "kubernetes.io/pv-protection" in volume["metadata"]["finalizers"]
    api.delete(f"{pods}/user", gracePeriodSeconds=0)
    api.wait_for(lambda: api.get_or_none(f"{claims_path(namespace)}/used") is None, what="claim gone after its pod")
    api.wait_for(lambda: api.get_or_none(f"{PVS}/prot-{tag}") is None, what="volume gone once released")


def test_wait_for_first_consumer_provisions_where_the_pod_lands(api, namespace, cluster, tag):
    claim = api.create(claims_path(namespace), pvc("data"))
    assert claim["spec"]["storageClassName"] == "standard", "DefaultStorageClass admission"
    pods = f"/api/v1/namespaces/{namespace}/pods"
    events = f"/api/v1/namespaces/{namespace}/events"
    api.wait_for(
        lambda: any(e["reason"] == "WaitForFirstConsumer" for e in api.items(events)), what="WaitForFirstConsumer"
    )
    assert phase_of(api, f"{claims_path(namespace)}/data") == "Pending"
    api.create(pods, pod_with("consumer", "data"))
    bound = wait_bound(api, namespace, "data")
    pod = api.wait_for(lambda: (p := api.get(f"{pods}/consumer"))["spec"].get("nodeName") and p, what="scheduled")
    node = pod["spec"]["nodeName"]
    assert bound["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node
    volume = api.get(f"{PVS}/{bound['spec']['volumeName']}")
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == [node]

    # A static WaitForFirstConsumer volume on one hollow node pulls the pod there.
    static, target = f"static-{tag}", cluster.nodes.names[1]
    api.create(
        CLASSES,
        {
            "metadata": {"name": static},
            "provisioner": "kubernetes.io/no-provisioner",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    )
    api.create(PVS, pv(f"local-{tag}", cls=static, node=target))
    api.create(claims_path(namespace), pvc("pinned", cls=static))
    api.create(pods, pod_with("pinned", "pinned"))
    placed = api.wait_for(lambda: (p := api.get(f"{pods}/pinned"))["spec"].get("nodeName") and p, what="scheduled")
    assert placed["spec"]["nodeName"] == target
    assert wait_bound(api, namespace, "pinned")["spec"]["volumeName"] == f"local-{tag}"

    api.create(pods, pod_with("orphan", "missing"))
    api.wait_for(
        lambda: any('persistentvolumeclaim "missing" not found' in e.get("message", "") for e in api.items(events)),
        what="FailedScheduling for a missing claim",
    )


def test_expansion_allowed_by_the_class_only(api, namespace, tag):
    grow, fixed = f"grow-{tag}", f"fixed-{tag}"
    api.create(
        CLASSES, {"metadata": {"name": grow}, "provisioner": "kubemini.io/local-path", "allowVolumeExpansion": True}
    )
    api.create(CLASSES, {"metadata": {"name": fixed}, "provisioner": "kubemini.io/local-path"})
    api.create(claims_path(namespace), pvc("grows", "1Gi", cls=grow))
    api.create(claims_path(namespace), pvc("fixed", "1Gi", cls=fixed))
    bound = wait_bound(api, namespace, "grows")
    wait_bound(api, namespace, "fixed")
    api.merge_patch(f"{claims_path(namespace)}/grows", {"spec": {"resources": {"requests": {"storage": "2Gi"}}}})
    api.wait_for(
        lambda: api.get(f"{claims_path(namespace)}/grows")["status"]["capacity"]["storage"] == "2Gi",
        what="status.capacity 2Gi",
    )
    assert api.get(f"{PVS}/{bound['spec']['volumeName']}")["spec"]["capacity"]["storage"] == "2Gi"
    refused = api.http.patch(
        f"{claims_path(namespace)}/fixed",
        json={"spec": {"resources": {"requests": {"storage": "2Gi"}}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        'persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the '
        "storageclass that provisions the pvc must support resize"
    )


def test_recycle_is_refused_with_the_deprecation_message(api, tag):
    refused = api.http.post(PVS, json=pv(f"recycle-{tag}", cls="x", policy="Recycle"))
    assert refused.status_code == 422
    [cause] = refused.json()["details"]["causes"]
    assert cause["field"] == "spec.persistentVolumeReclaimPolicy"
    assert "The Recycle reclaim policy is deprecated" in cause["message"]
    local = pv(f"local-{tag}", cls="x")
    local["spec"]["local"] = {"path": "/mnt/disk"}
    del local["spec"]["hostPath"]
    refused = api.http.post(PVS, json=local)
    assert refused.status_code == 422 and refused.json()["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value: Local volume requires node affinity",
         "field": "spec.nodeAffinity"}
    ]  # fmt: skip
    with api_http(base_url=api.url) as client:
        standard = client.get(f"{CLASSES}/standard").json()
    assert standard["provisioner"] == "kubemini.io/local-path"
    assert standard["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"


def test_statefulset_claim_templates_bind_through_the_local_path_provisioner(api, namespace):
    template = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    api.create(
        f"/apis/apps/v1/namespaces/{namespace}/statefulsets",
        {
            "metadata": {"name": "db"},
            "spec": {
                "replicas": 2,
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {
                        "terminationGracePeriodSeconds": 0,
                        "containers": [
                            {
                                "name": "db",
                                "image": "kubemini/busybox:1.35",
                                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                            }
                        ],
                    },
                },
                "volumeClaimTemplates": [template],
            },
        },
    )
    for index in range(2):
        bound = wait_bound(api, namespace, f"data-db-{index}", timeout=40)
        pod_path = f"/api/v1/namespaces/{namespace}/pods/db-{index}"
        # The claim is bound first: the scheduler binds the pod once its claims are (PreBind).
        pod = api.wait_for(
            lambda path=pod_path: (p := api.get(path))["spec"].get("nodeName") and p, what=f"db-{index} bound"
        )
        volume = api.get(f"{PVS}/{bound['spec']['volumeName']}")
        terms = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
        assert bound["spec"]["storageClassName"] == "standard"
        assert terms[0]["matchExpressions"][0]["values"] == [pod["spec"]["nodeName"]]
    api.delete(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/db")
    for index in range(2):  # whenDeleted Retain (the default): the claims stay until deleted, then their pods go
        api.delete(f"{claims_path(namespace)}/data-db-{index}")
    api.wait_for(lambda: not api.items(claims_path(namespace)), what="claims gone", timeout=30)

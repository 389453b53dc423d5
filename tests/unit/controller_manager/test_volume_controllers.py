"""The storage controllers' API actions with a fake client: binding writes both sides, provisioning
makes a pre-bound PV on the chosen node, release and reclaim, protection finalizers, expansion."""

from __future__ import annotations

import asyncio

from controller_manager.volume.binder import PV, PVC, PersistentVolumeBinder
from controller_manager.volume.expander import VolumeExpander
from controller_manager.volume.protection import PVCProtectionController, PVProtectionController
from kubemini.api.local_path import default_storage_class
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers

REF = {"namespace": "ns", "name": "data", "uid": "u1"}


def claim(*, volume_name=None, selected=None, phase="Pending", cls="standard", size="1Gi", capacity=None, **meta):
    annotations = {"volume.kubernetes.io/selected-node": selected} if selected else {}
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}, "storageClassName": cls}
    if volume_name:
        spec["volumeName"] = volume_name
    status = {"phase": phase, **({"capacity": {"storage": capacity}} if capacity else {})}
    return {"metadata": {"name": "data", "namespace": "ns", "uid": "u1", "resourceVersion": "5",
                         "annotations": annotations, **meta}, "spec": spec, "status": status}  # fmt: skip


def volume(name="pv1", *, ref=None, phase="Available", policy="Retain", provisioned=False, **meta):
    annotations = {"pv.kubernetes.io/provisioned-by": "kubemini.io/local-path"} if provisioned else {}
    spec = {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
            "persistentVolumeReclaimPolicy": policy, "hostPath": {"path": "/x"}}  # fmt: skip
    if ref:
        spec["claimRef"] = ref
    return {"metadata": {"name": name, "annotations": annotations, **meta}, "spec": spec, "status": {"phase": phase}}


def binder(client, *, claims=(), volumes=(), classes=(), nodes=()):
    controller = PersistentVolumeBinder(client, shared_informers(client))  # type: ignore[arg-type]
    fill(controller.claims, *claims)
    fill(controller.volumes, *volumes)
    fill(controller.classes, *classes)
    fill(controller.nodes, *nodes)
    return controller


def test_binding_writes_the_volume_then_the_claim():
    client = FakeClient()
    asyncio.run(binder(client, claims=[claim()], volumes=[volume()]).reconcile("claim/ns/data"))
    assert (
        client.actions
        == [("update", "PersistentVolume", "pv1")] * 2 + [("update", "PersistentVolumeClaim", "ns/data")] * 2
    )
    pv, _, pvc, pvc_status = client.bodies
    assert (
        pv["spec"]["claimRef"]["uid"] == "u1"
        and pv["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    )
    assert (
        pvc["spec"]["volumeName"] == "pv1"
        and pvc["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    )
    assert pvc_status["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}


def test_provisioning_on_the_selected_node_in_its_local_path_dir():
    client = FakeClient()
    node = {"metadata": {"name": "n1", "annotations": {"kubemini.io/local-path-dir": "/var/k/local-path"}}}
    controller = binder(client, claims=[claim(selected="n1")], classes=[default_storage_class()], nodes=[node])
    asyncio.run(controller.reconcile("claim/ns/data"))
    assert client.actions == [("create", "PersistentVolume", "pvc-u1")]
    made = client.bodies[0]
    assert made["spec"]["hostPath"] == {"path": "/var/k/local-path/pvc-u1_ns_data", "type": "DirectoryOrCreate"}
    assert made["spec"]["claimRef"]["uid"] == "u1" and made["metadata"]["finalizers"] == [
        "kubemini.io/local-path-cleanup"
    ]
    assert made["spec"]["persistentVolumeReclaimPolicy"] == "Delete"


def test_a_volume_whose_claim_is_gone_is_released_then_deleted():
    client = FakeClient()
    controller = binder(client, volumes=[volume(ref=REF, phase="Bound", policy="Delete", provisioned=True)])
    asyncio.run(controller.reconcile("volume/pv1"))
    assert client.actions == [("get", "PersistentVolumeClaim", "ns/data"), ("update", "PersistentVolume", "pv1")]
    assert client.bodies[0]["status"]["phase"] == "Released"
    client = FakeClient()
    controller = binder(client, volumes=[volume(ref=REF, phase="Released", policy="Delete", provisioned=True)])
    asyncio.run(controller.reconcile("volume/pv1"))
    assert client.actions[-1] == ("delete", "PersistentVolume", "pv1")


def test_a_live_claim_keeps_its_volume_even_when_the_cache_lags():
    client = FakeClient()
    client.put(PVC, claim(volume_name="pv1", phase="Bound"))
    controller = binder(client, volumes=[volume(ref=REF, phase="Bound", policy="Delete", provisioned=True)])
    asyncio.run(controller.reconcile("volume/pv1"))
    assert client.of("update") == [] and client.of("delete") == []


def test_pv_protection_lets_go_once_not_bound():
    for phase, lifted in (("Bound", False), ("Released", True)):
        client = FakeClient()
        controller = PVProtectionController(client, shared_informers(client))  # type: ignore[arg-type]
        deleting = volume(
            phase=phase, deletionTimestamp="2026-01-01T00:00:00Z", finalizers=["kubernetes.io/pv-protection"]
        )
        fill(controller.volumes, deleting)
        asyncio.run(controller.reconcile("pv1"))
        assert bool(client.of("update")) == lifted
        if lifted:
            assert client.bodies[0]["metadata"]["finalizers"] == []


def test_pvc_protection_holds_a_claim_a_running_pod_uses():
    client = FakeClient()
    controller = PVCProtectionController(client, shared_informers(client))  # type: ignore[arg-type]
    fill(
        controller.claims, claim(deletionTimestamp="2026-01-01T00:00:00Z", finalizers=["kubernetes.io/pvc-protection"])
    )
    user = {"metadata": {"name": "p", "namespace": "ns"}, "status": {"phase": "Running"},
            "spec": {"volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]}}  # fmt: skip
    fill(controller.pods, user)
    asyncio.run(controller.reconcile("ns/data"))
    assert client.actions == []


def test_expansion_raises_the_volume_then_the_claim_status():
    client = FakeClient()
    controller = VolumeExpander(client, shared_informers(client))  # type: ignore[arg-type]
    fill(controller.claims, claim(volume_name="pv1", phase="Bound", size="2Gi", capacity="1Gi"))
    fill(controller.volumes, volume(ref=REF, phase="Bound"))
    fill(controller.classes, default_storage_class())
    asyncio.run(controller.reconcile("ns/data"))
    assert client.actions == [("update", PV.kind, "pv1"), ("update", PVC.kind, "ns/data")]
    assert client.bodies[0]["spec"]["capacity"]["storage"] == "2Gi"
    assert client.bodies[1]["status"]["capacity"]["storage"] == "2Gi"

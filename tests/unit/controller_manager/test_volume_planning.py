"""The PV binder's decisions: bind, provision, wait, lose; a volume's phase and reclaim."""

from __future__ import annotations

import pytest

from controller_manager.volume import planning
from kubemini.api.local_path import default_storage_class

READY = {"conditions": [{"type": "Ready", "status": "True"}]}


def node(name, *, taints=None, ready=True):
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "spec": {"taints": taints or []},
        "status": READY if ready else {},
    }


def claim(*, cls="standard", volume_name=None, selected=None, uid="u1", phase="Pending", annotations=None):
    meta = {"name": "data", "namespace": "ns", "uid": uid, "annotations": dict(annotations or {})}
    if selected:
        meta["annotations"]["volume.kubernetes.io/selected-node"] = selected
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": cls}
    if volume_name:
        spec["volumeName"] = volume_name
    return {"metadata": meta, "spec": spec, "status": {"phase": phase}}


def volume(name="pv1", *, cls="standard", ref=None, phase="Available", policy="Retain", provisioned=False, size="1Gi"):
    meta = {"name": name, "annotations": {}}
    if provisioned:
        meta["annotations"]["pv.kubernetes.io/provisioned-by"] = "kubemini.io/local-path"
    spec = {
        "capacity": {"storage": size},
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": cls,
        "persistentVolumeReclaimPolicy": policy,
        "hostPath": {"path": "/x"},
    }
    if ref:
        spec["claimRef"] = ref
    return {"metadata": meta, "spec": spec, "status": {"phase": phase}}


def immediate():
    return {**default_storage_class(), "volumeBindingMode": "Immediate"}


def test_wait_for_first_consumer_then_provision_on_the_selected_node():
    plan = planning.plan_claim(claim(), {}, default_storage_class(), [node("a")])
    assert (plan.action, plan.event[1]) == (planning.PENDING, "WaitForFirstConsumer")
    plan = planning.plan_claim(claim(selected="b"), {}, default_storage_class(), [node("a"), node("b")])
    assert plan.action == planning.PROVISION and plan.node["metadata"]["name"] == "b"


def test_immediate_provisions_on_the_first_ready_untainted_node():
    taint = [{"key": "k", "effect": "NoSchedule"}]
    nodes = [node("a", taints=taint), node("b", ready=False), node("c")]
    plan = planning.plan_claim(claim(), {}, immediate(), nodes)
    assert plan.action == planning.PROVISION and plan.node["metadata"]["name"] == "c"


def test_an_existing_volume_wins_over_provisioning():
    plan = planning.plan_claim(claim(), {"pv1": volume()}, immediate(), [node("a")])
    assert plan.action == planning.BIND and plan.volume["metadata"]["name"] == "pv1"


@pytest.mark.parametrize(
    ("the_claim", "the_class", "reason"),
    [
        (claim(cls=""), None, "FailedBinding"),
        (claim(cls="gone"), None, "ProvisioningFailed"),
        (claim(cls="ext"), {"metadata": {"name": "ext"}, "provisioner": "example.com/x"}, "ExternalProvisioning"),
        (claim(volume_name="small"), None, "VolumeMismatch"),
    ],
)
def test_pending_reasons(the_claim, the_class, reason):
    volumes = {"small": volume("small", size="100Mi")}
    plan = planning.plan_claim(the_claim, volumes, the_class, [node("a")])
    assert (plan.action, plan.event[1]) == (planning.PENDING, reason)


def test_a_bound_claim_whose_volume_is_gone_is_lost():
    bound = claim(volume_name="pv1", phase="Bound", annotations={"pv.kubernetes.io/bind-completed": "yes"})
    assert planning.plan_claim(bound, {}, None, []).action == planning.LOST


REF = {"namespace": "ns", "name": "data", "uid": "u1"}


@pytest.mark.parametrize(
    ("the_volume", "the_claim", "action"),
    [
        (volume(ref=None), None, planning.AVAILABLE),
        (volume(ref={"namespace": "ns", "name": "data"}), None, planning.AVAILABLE),
        (volume(ref=REF, phase="Bound"), claim(volume_name="pv1"), planning.BOUND),
        (volume(ref=REF, phase="Bound"), claim(), planning.WAIT_FOR_CLAIM),
        (volume(ref=REF, phase="Bound"), None, planning.RELEASED),
        (volume(ref=REF, phase="Bound"), claim(uid="new"), planning.RELEASED),
        (volume(ref=REF, phase="Released", policy="Retain"), None, planning.NOTHING),
        (volume(ref=REF, phase="Released", policy="Delete", provisioned=True), None, planning.DELETE),
        (volume(ref=REF, phase="Released", policy="Delete"), None, planning.FAILED),
    ],
)
def test_plan_volume(the_volume, the_claim, action):
    assert planning.plan_volume(the_volume, the_claim).action == action

"""VolumeBinding: bound claims pin the pod to their PV's nodes; unbound Immediate claims block it;
WaitForFirstConsumer claims of a dynamic class fit anywhere and are the ones annotated afterwards."""

from __future__ import annotations

from scheduler.volume_binding import (
    REASON_NO_VOLUMES,
    REASON_NODE_CONFLICT,
    REASON_UNBOUND_IMMEDIATE,
    check_volume_binding,
    volume_needs,
)

WFFC = {
    "metadata": {"name": "wffc"},
    "provisioner": "kubemini.io/local-path",
    "volumeBindingMode": "WaitForFirstConsumer",
}
STATIC = {
    "metadata": {"name": "static"},
    "provisioner": "kubernetes.io/no-provisioner",
    "volumeBindingMode": "WaitForFirstConsumer",
}
NOW = {"metadata": {"name": "now"}, "provisioner": "kubemini.io/local-path", "volumeBindingMode": "Immediate"}


def pod(*claims):
    volumes = [{"name": c, "persistentVolumeClaim": {"claimName": c}} for c in claims]
    return {"metadata": {"name": "p", "namespace": "ns"}, "spec": {"volumes": volumes}}


def claim(name, cls, volume_name=None):
    spec = {"storageClassName": cls, "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    if volume_name:
        spec["volumeName"] = volume_name
    return {"metadata": {"name": name, "namespace": "ns"}, "spec": spec}


def pv_on(name, node, cls="static"):
    term = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
    return {
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": cls,
            "nodeAffinity": {"required": {"nodeSelectorTerms": [term]}},
        },
        "status": {"phase": "Available"},
    }


def needs(the_pod, claims, volumes=()):
    by_key = {f"ns/{c['metadata']['name']}": c for c in claims}
    by_name = {v["metadata"]["name"]: v for v in volumes}
    classes = {c["metadata"]["name"]: c for c in (WFFC, STATIC, NOW)}
    return volume_needs(
        the_pod, claim=by_key.get, volume=by_name.get, storage_class=classes.get, all_volumes=lambda: list(volumes)
    )


def fits(the_needs, node):
    return check_volume_binding(the_needs, {"kubernetes.io/hostname": node}, node)


def test_no_claims_no_filter():
    assert needs(pod(), []) is None


def test_missing_and_unbound_immediate_claims_fail_everywhere():
    assert fits(needs(pod("a"), []), "n1") == ('persistentvolumeclaim "a" not found',)
    assert fits(needs(pod("a"), [claim("a", "now")]), "n1") == (REASON_UNBOUND_IMMEDIATE,)


def test_a_bound_claim_follows_its_volume():
    the_needs = needs(pod("a"), [claim("a", "static", "pv1")], [pv_on("pv1", "n2")])
    assert fits(the_needs, "n1") == (REASON_NODE_CONFLICT,) and fits(the_needs, "n2") is None


def test_wait_for_first_consumer():
    dynamic = needs(pod("a"), [claim("a", "wffc")])
    assert fits(dynamic, "n1") is None and dynamic.delayed_claims == ("a",)
    static = needs(pod("b"), [claim("b", "static")], [pv_on("pv1", "n2")])
    assert fits(static, "n1") == (REASON_NO_VOLUMES,) and fits(static, "n2") is None

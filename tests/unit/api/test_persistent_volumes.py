"""The binding rules every component shares: which volume a claim gets, and why a named one does not fit."""

from __future__ import annotations

import pytest

from kubemini.api.persistent_volumes import best_match, default_class, fits_node, mismatch


def pv(
    name,
    size="1Gi",
    *,
    modes=("ReadWriteOnce",),
    cls="",
    phase="Available",
    labels=None,
    ref=None,
    node=None,
    mode=None,
):
    spec = {
        "capacity": {"storage": size},
        "accessModes": list(modes),
        "storageClassName": cls,
        "hostPath": {"path": "/x"},
    }
    if ref:
        spec["claimRef"] = ref
    if mode:
        spec["volumeMode"] = mode
    if node:
        term = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [term]}}
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec, "status": {"phase": phase}}


def pvc(size="1Gi", *, modes=("ReadWriteOnce",), cls="", selector=None, mode=None):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}, "storageClassName": cls}
    if selector:
        spec["selector"] = selector
    if mode:
        spec["volumeMode"] = mode
    return {"metadata": {"name": "data", "namespace": "ns", "uid": "u1"}, "spec": spec}


def names(claim, volumes, **kwargs):
    found = best_match(claim, volumes, **kwargs)
    return None if found is None else found["metadata"]["name"]


@pytest.mark.parametrize(
    ("claim", "volumes", "expected"),
    [
        (pvc("1Gi"), [pv("big", "5Gi"), pv("small", "2Gi"), pv("tiny", "500Mi")], "small"),
        (pvc("3Gi"), [pv("small", "2Gi")], None),
        (pvc(modes=("ReadWriteMany",)), [pv("rwo"), pv("rwx", modes=("ReadWriteOnce", "ReadWriteMany"))], "rwx"),
        (pvc(cls="fast"), [pv("none"), pv("fast", cls="fast")], "fast"),
        (pvc(), [pv("fast", cls="fast")], None),
        (
            pvc(selector={"matchLabels": {"tier": "db"}}),
            [pv("web", labels={"tier": "web"}), pv("db", labels={"tier": "db"})],
            "db",
        ),
        (pvc(mode="Block"), [pv("fs")], None),
        (pvc(), [pv("released", phase="Released"), pv("pending", phase="Pending")], None),
        (
            pvc(),
            [
                pv("other", ref={"namespace": "ns", "name": "other"}),
                pv("mine", "9Gi", ref={"namespace": "ns", "name": "data"}),
            ],
            "mine",
        ),
        (pvc(), [pv("stale", ref={"namespace": "ns", "name": "data", "uid": "old"})], None),
    ],
    ids=[
        "smallest-fit",
        "too-small",
        "modes-superset",
        "class",
        "no-class-only-classless",
        "selector",
        "volume-mode",
        "only-available",
        "pre-bound-wins",
        "pre-bound-to-older-claim",
    ],
)
def test_best_match(claim, volumes, expected):
    assert names(claim, volumes) == expected


def test_delayed_binding_waits_for_a_node_then_respects_affinity():
    volumes = [pv("on-a", node="a"), pv("on-b", node="b")]
    assert names(pvc(), volumes, delay_binding=True) is None
    assert names(pvc(), volumes, node=({"kubernetes.io/hostname": "b"}, "b")) == "on-b"
    assert fits_node(volumes[0], {"kubernetes.io/hostname": "a"}, "a") and not fits_node(volumes[0], {}, "b")


@pytest.mark.parametrize(
    ("volume", "claim", "expected"),
    [
        (pv("v", "1Gi"), pvc("2Gi"), "requested PV is too small"),
        (pv("v", cls="a"), pvc(cls="b"), "storageClassName does not match"),
        (pv("v"), pvc(mode="Block"), "incompatible volumeMode"),
        (pv("v"), pvc(), None),
    ],
)
def test_mismatch(volume, claim, expected):
    assert mismatch(volume, claim) == expected


def test_default_class_is_the_newest_annotated():
    def sc(name, created, default):
        annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
        return {"metadata": {"name": name, "creationTimestamp": created, "annotations": annotations}}

    classes = [
        sc("old", "2026-01-01T00:00:00Z", True),
        sc("new", "2026-02-01T00:00:00Z", True),
        sc("x", "2026-03-01T00:00:00Z", False),
    ]
    assert default_class(classes)["metadata"]["name"] == "new"
    assert default_class([sc("x", "t", False)]) is None

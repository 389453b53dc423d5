"""NodeRestriction: what a kubelet identity may write, through the plugin with a node user on the context."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from apiserver.admission import CREATE, DELETE, UPDATE, Attributes
from apiserver.admission.node_restriction import NodeRestriction, forbidden_label
from apiserver.authentication.user import UserInfo
from apiserver.errors import ApiError
from kubemini.api import registry

NODE_A = UserInfo("system:node:a", groups=("system:nodes", "system:authenticated"))
ADMIN = UserInfo("admin", groups=("system:masters",))
PODS, NODES, LEASES = registry.by_kind("Pod"), registry.by_kind("Node"), registry.by_kind("Lease")


def check(user: UserInfo, attrs: Attributes) -> str | None:
    try:
        asyncio.run(NodeRestriction().validate(SimpleNamespace(user=user), attrs))
    except ApiError as error:
        assert error.code == 403
        return error.status["message"]
    return None


def mirror(node: str, **extra) -> dict:
    meta = {"name": "static-web", "annotations": {"kubernetes.io/config.mirror": "x"}}
    return {"metadata": meta, "spec": {"nodeName": node, "containers": [{"name": "c"}], **extra}}


def test_a_kubelet_creates_only_mirror_pods_bound_to_itself():
    assert check(NODE_A, Attributes(PODS, CREATE, mirror("a"), namespace="default")) is None
    assert check(NODE_A, Attributes(PODS, CREATE, mirror("b"), namespace="default")) == (
        'pods "static-web" is forbidden: node "a" can only create pods with spec.nodeName set to itself'
    )
    plain = {"metadata": {"name": "p"}, "spec": {"nodeName": "a"}}
    assert check(NODE_A, Attributes(PODS, CREATE, plain, namespace="default")) == (
        'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, '
        'node "a" can only create mirror pods'
    )
    secret = mirror("a", volumes=[{"name": "s", "secret": {"secretName": "x"}}])
    assert "can not create pods that reference secrets" in check(
        NODE_A, Attributes(PODS, CREATE, secret, namespace="d")
    )
    assert check(ADMIN, Attributes(PODS, CREATE, plain, namespace="default")) is None


def test_status_and_delete_only_on_its_node():
    theirs = {"metadata": {"name": "p"}, "spec": {"nodeName": "b"}}
    ours = {"metadata": {"name": "p"}, "spec": {"nodeName": "a"}}
    status = Attributes(PODS, UPDATE, theirs, old=theirs, subresource="status", namespace="d")
    assert check(NODE_A, status) == (
        'pods "p" is forbidden: node "a" can only update pod status for pods with spec.nodeName set to itself'
    )
    assert check(NODE_A, Attributes(PODS, UPDATE, ours, old=ours, subresource="status", namespace="d")) is None
    assert check(NODE_A, Attributes(PODS, DELETE, theirs, namespace="d")) == (
        'pods "p" is forbidden: node "a" can only delete pods with spec.nodeName set to itself'
    )
    assert check(NODE_A, Attributes(PODS, DELETE, ours, namespace="d")) is None


def test_its_own_node_only_without_restricted_labels_or_taint_changes():
    other = {"metadata": {"name": "b"}}
    assert check(NODE_A, Attributes(NODES, UPDATE, other, old=other)) == (
        'nodes "b" is forbidden: node "a" is not allowed to modify node "b"'
    )
    labelled = {
        "metadata": {"name": "a", "labels": {"node-restriction.kubernetes.io/pci": "yes", "kubernetes.io/os": "linux"}}
    }
    assert check(NODE_A, Attributes(NODES, CREATE, labelled)) == (
        'nodes "a" is forbidden: node "a" is not allowed to set the following labels: '
        "node-restriction.kubernetes.io/pci"
    )
    old = {"metadata": {"name": "a"}, "spec": {}}
    tainted = {"metadata": {"name": "a"}, "spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}
    assert check(NODE_A, Attributes(NODES, UPDATE, tainted, old=old)) == (
        'nodes "a" is forbidden: node "a" is not allowed to modify taints'
    )
    assert check(NODE_A, Attributes(NODES, UPDATE, old, old=old)) is None


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("kube-node-lease", "a", None),
        ("kube-node-lease", "b", "can only access node lease with the same name as the requesting node"),
        ("default", "a", 'can only access leases in the "kube-node-lease" namespace'),
    ],
)
def test_leases(namespace, name, expected):
    found = check(NODE_A, Attributes(LEASES, CREATE, {"metadata": {"name": name}}, namespace=namespace))
    assert found == (None if expected is None else f'leases.coordination.k8s.io "{name}" is forbidden: {expected}')


def test_restricted_label_names():
    assert forbidden_label("node-restriction.kubernetes.io/x")
    assert forbidden_label("node-role.kubernetes.io/control-plane")
    assert not forbidden_label("node.kubernetes.io/instance-type")
    assert not forbidden_label("kubernetes.io/hostname")
    assert not forbidden_label("example.com/rack")

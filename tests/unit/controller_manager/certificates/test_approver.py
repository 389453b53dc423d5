"""csrapproving decisions: which CSRs are kubelet client certificates (upstream's isNodeClientCert /
isSelfNodeClientCert), the SubjectAccessReview asked, the Approved condition written."""

from __future__ import annotations

from controller_manager.certificates import approver
from controller_manager.certificates.signing import parse_request
from tests.unit.controller_manager.certificates.requests import csr_object, request_pem

KUBELET = "kubernetes.io/kube-apiserver-client-kubelet"
USAGES = ["digital signature", "client auth"]


def kubelet_csr(common_name="system:node:n1", organizations=("system:nodes",), *, username="system:bootstrap:abcdef",
                signer=KUBELET, usages=USAGES, **names):  # fmt: skip
    csr = csr_object("node-csr-x", request_pem(common_name, organizations, **names), signer=signer, usages=usages)
    csr["spec"].update(username=username, groups=["system:bootstrappers", "system:authenticated"], uid="u-1")
    return csr


def subresources(csr) -> list[str]:
    return [r.subresource for r in approver.recognized(csr, parse_request(csr))]


def test_a_bootstrapping_kubelets_request_is_a_node_client_request():
    assert subresources(kubelet_csr()) == ["nodeclient"]


def test_a_renewal_by_the_node_itself_is_also_a_self_node_client_request():
    assert subresources(kubelet_csr(username="system:node:n1")) == ["selfnodeclient", "nodeclient"]


def test_requests_that_are_not_kubelet_client_certificates_are_not_recognized():
    assert subresources(kubelet_csr(common_name="system:admin")) == []
    assert subresources(kubelet_csr(organizations=("system:masters",))) == []
    assert subresources(kubelet_csr(organizations=("system:nodes", "system:masters"))) == []
    assert subresources(kubelet_csr(dns=("n1.example",))) == []
    assert subresources(kubelet_csr(usages=["digital signature", "client auth", "server auth"])) == []
    assert subresources(kubelet_csr(signer="kubernetes.io/kube-apiserver-client")) == []


def test_the_access_review_asks_for_the_requester_as_upstream():
    review = approver.access_review(kubelet_csr(), "nodeclient")
    assert review["spec"] == {
        "user": "system:bootstrap:abcdef",
        "uid": "u-1",
        "groups": ["system:bootstrappers", "system:authenticated"],
        "resourceAttributes": {
            "group": "certificates.k8s.io",
            "resource": "certificatesigningrequests",
            "verb": "create",
            "subresource": "nodeclient",
        },
    }


def test_approval_adds_the_auto_approved_condition_and_only_pending_requests_are_looked_at():
    csr = kubelet_csr()
    assert approver.is_pending(csr)
    approved = approver.with_approval(csr, approver.NODE_MESSAGE, now="2026-01-01T00:00:00Z")
    [condition] = approved["status"]["conditions"]
    assert condition["type"] == "Approved" and condition["status"] == "True"
    assert condition["reason"] == "AutoApproved"
    assert condition["message"] == "Auto approving kubelet client certificate after SubjectAccessReview."
    assert not approver.is_pending(approved)
    assert "status" not in csr or not csr["status"].get("conditions")  # the cached object is left alone

"""What a bootstrapping kubelet asks for: the CSR content and name, and when its kubeconfig is good enough."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubelet.bootstrap.node_csr import (
    MISSING,
    RENEW,
    VALID,
    client_certificate_state,
    csr_outcome,
    new_key,
    node_csr,
    usable_client_certificate,
)
from kubemini.cli.kubeconfig import build_kubeconfig
from kubemini.pki.certificates import issue, new_authority


def test_the_request_is_a_kubelet_client_csr_for_the_node():
    key_pem = new_key()
    csr = node_csr("n1", key_pem)
    assert csr["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client-kubelet"
    assert csr["spec"]["usages"] == ["digital signature", "client auth"]
    request = x509.load_pem_x509_csr(base64.b64decode(csr["spec"]["request"]))
    assert request.is_signature_valid
    assert request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:n1"
    assert [a.value for a in request.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] == ["system:nodes"]
    assert isinstance(serialization.load_pem_private_key(key_pem, None), ec.EllipticCurvePrivateKey)


def test_the_name_is_a_digest_of_key_and_subject_stable_across_retries():
    key_pem = new_key()
    name = node_csr("n1", key_pem)["metadata"]["name"]
    assert name.startswith("node-csr-") and len(name) == len("node-csr-") + 43  # base64url of 32 bytes
    assert node_csr("n1", key_pem)["metadata"]["name"] == name
    assert node_csr("n2", key_pem)["metadata"]["name"] != name
    assert node_csr("n1", new_key())["metadata"]["name"] != name


def test_a_kubeconfig_is_usable_only_with_a_certificate_valid_now():
    authority = new_authority("ca")
    pair = issue(authority, common_name="system:node:n1", organizations=("system:nodes",), client=True)
    config = build_kubeconfig("https://x:6443", ca_pem=authority.certificate_pem, client=pair)
    now = datetime.now(UTC)
    assert usable_client_certificate(config, now)
    assert not usable_client_certificate(config, now + timedelta(days=3650))
    assert not usable_client_certificate(build_kubeconfig("https://x:6443", token="a.b"), now)
    assert not usable_client_certificate(None, now)
    assert client_certificate_state(config, now) == VALID
    assert client_certificate_state(config, now + timedelta(days=300)) == RENEW  # under 20 % of 365 days left
    assert client_certificate_state(config, now + timedelta(days=3650)) == MISSING
    assert client_certificate_state(None, now) == MISSING


def test_the_outcome_waits_for_approval_and_certificate():
    approved = {"type": "Approved", "status": "True"}
    assert csr_outcome({"status": {}}) == (None, None)
    assert csr_outcome({"status": {"conditions": [approved]}}) == (None, None)
    issued = {"status": {"conditions": [approved], "certificate": base64.b64encode(b"PEM").decode()}}
    assert csr_outcome(issued) == (b"PEM", None)
    denied = {"status": {"conditions": [{"type": "Denied", "status": "True", "reason": "No", "message": "m"}]}}
    assert csr_outcome(denied) == (None, "certificate signing request is denied, reason: No, message: m")

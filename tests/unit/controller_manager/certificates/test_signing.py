"""sign_request: each signer's checks with upstream's messages, the certificate it issues, its lifetime."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from controller_manager.certificates.signing import (
    KUBE_APISERVER_CLIENT,
    KUBELET_CLIENT,
    KUBELET_SERVING,
    Failure,
    SigningError,
    UnsignableRequest,
    sign_request,
    wants_signing,
)
from kubemini.pki.certificates import new_authority, subject_identity
from tests.unit.controller_manager.certificates.requests import APPROVED, DENIED, csr_object, request_pem

NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
YEAR = 365 * 24 * 3600
CLIENT = ["digital signature", "key encipherment", "client auth"]
SERVING = ["digital signature", "key encipherment", "server auth"]
NODE = ("system:node:n1", ("system:nodes",))
NOT_A_NODE = "subject common name does not begin with system:node:"


@pytest.fixture(scope="module")
def ca():
    return new_authority("test-signer-ca")


def approved(pem: bytes, signer: str, usages: list[str], **extra) -> dict:
    return csr_object("req", pem, signer=signer, usages=usages, conditions=APPROVED, **extra)


def signed(ca, csr: dict, *, max_seconds: float = YEAR, now: datetime.datetime = NOW) -> x509.Certificate:
    outcome = sign_request(csr, ca, now=now, max_seconds=max_seconds)
    assert isinstance(outcome, bytes), outcome
    certificate = x509.load_pem_x509_certificate(outcome)
    certificate.verify_directly_issued_by(ca.certificate)
    return certificate


def extended_usages(certificate: x509.Certificate) -> set:
    return set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def failure_of(ca, csr: dict) -> str:
    outcome = sign_request(csr, ca, now=NOW, max_seconds=YEAR)
    assert isinstance(outcome, Failure), "expected a refusal, got a certificate"
    assert outcome.reason == "SignerValidationFailure"
    return outcome.message


# -- kubernetes.io/kube-apiserver-client ---------------------------------------------------------


def test_apiserver_client_gets_its_subject_and_client_auth_only(ca):
    pem = request_pem("jane", ("developers", "qa"))
    certificate = signed(ca, approved(pem, KUBE_APISERVER_CLIENT, ["client auth"]))
    assert subject_identity(certificate) == ("jane", ("developers", "qa"))
    assert extended_usages(certificate) == {ExtendedKeyUsageOID.CLIENT_AUTH}
    assert certificate.public_key() == x509.load_pem_x509_csr(pem).public_key()
    assert certificate.issuer == ca.certificate.subject


@pytest.mark.parametrize(
    ("usages", "message"),
    [
        (["server auth"], "invalid usage for client certificate: server auth"),
        (["client auth", "code signing"], "invalid usage for client certificate: code signing"),
        (["digital signature", "key encipherment"], "missing required usage for client certificate: client auth"),
    ],
)
def test_apiserver_client_refuses_other_usages(ca, usages, message):
    assert failure_of(ca, approved(request_pem("jane"), KUBE_APISERVER_CLIENT, usages)) == message


# -- kubernetes.io/kube-apiserver-client-kubelet -------------------------------------------------


@pytest.mark.parametrize("usages", [CLIENT, ["digital signature", "client auth"]])
def test_kubelet_client_signed_for_a_node_identity(ca, usages):
    certificate = signed(ca, approved(request_pem(*NODE), KUBELET_CLIENT, usages))
    assert subject_identity(certificate) == NODE
    assert extended_usages(certificate) == {ExtendedKeyUsageOID.CLIENT_AUTH}


@pytest.mark.parametrize(
    ("subject", "names", "usages", "message"),
    [
        (("system:node:n1", ()), {}, CLIENT, "subject organization is not system:nodes"),
        (("system:node:n1", ("system:nodes", "x")), {}, CLIENT, "subject organization is not system:nodes"),
        (NODE, {"dns": ("n1",)}, CLIENT, "DNS subjectAltNames are not allowed"),
        (NODE, {"emails": ("a@b.c",)}, CLIENT, "Email subjectAltNames are not allowed"),
        (NODE, {"ips": ("10.0.0.1",)}, CLIENT, "IP subjectAltNames are not allowed"),
        (("n1", ("system:nodes",)), {}, CLIENT, NOT_A_NODE),
        (NODE, {}, ["client auth"], "usages did not match [client auth digital signature key encipherment]"),
        (NODE, {}, SERVING, "usages did not match [client auth digital signature key encipherment]"),
    ],
)
def test_kubelet_client_refusals(ca, subject, names, usages, message):
    assert failure_of(ca, approved(request_pem(*subject, **names), KUBELET_CLIENT, usages)) == message


# -- kubernetes.io/kubelet-serving ---------------------------------------------------------------


def test_kubelet_serving_carries_the_requested_names(ca):
    pem = request_pem(*NODE, dns=("n1", "n1.example"), ips=("10.0.0.7",))
    certificate = signed(ca, approved(pem, KUBELET_SERVING, SERVING))
    assert subject_identity(certificate) == NODE
    assert extended_usages(certificate) == {ExtendedKeyUsageOID.SERVER_AUTH}
    sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["n1", "n1.example"]
    assert [str(a) for a in sans.get_values_for_type(x509.IPAddress)] == ["10.0.0.7"]


@pytest.mark.parametrize(
    ("subject", "names", "usages", "message"),
    [
        (("system:node:n1", ("other",)), {"dns": ("n1",)}, SERVING, "subject organization is not system:nodes"),
        (NODE, {}, SERVING, "DNS or IP subjectAltName is required"),
        (NODE, {"dns": ("n1",), "emails": ("a@b.c",)}, SERVING, "Email subjectAltNames are not allowed"),
        (NODE, {"dns": ("n1",)}, CLIENT, "usages did not match [digital signature key encipherment server auth]"),
        (("n1", ("system:nodes",)), {"ips": ("10.0.0.7",)}, SERVING, NOT_A_NODE),
    ],
)  # fmt: skip
def test_kubelet_serving_refusals(ca, subject, names, usages, message):
    assert failure_of(ca, approved(request_pem(*subject, **names), KUBELET_SERVING, usages)) == message


# -- lifetime ------------------------------------------------------------------------------------


def lifetime(certificate: x509.Certificate) -> datetime.timedelta:
    return certificate.not_valid_after_utc - NOW


def test_lifetime_follows_expiration_seconds_within_the_maximum(ca):
    pem = request_pem("jane")
    short = signed(ca, approved(pem, KUBE_APISERVER_CLIENT, CLIENT, expiration_seconds=3600))
    assert lifetime(short) == datetime.timedelta(hours=1)  # short-lived: no backdate taken off the end
    assert short.not_valid_before_utc == NOW - datetime.timedelta(minutes=5)
    capped = signed(ca, approved(pem, KUBE_APISERVER_CLIENT, CLIENT, expiration_seconds=10 * YEAR))
    assert lifetime(capped) == datetime.timedelta(seconds=YEAR) - datetime.timedelta(minutes=5)
    unasked = signed(ca, approved(pem, KUBE_APISERVER_CLIENT, CLIENT), max_seconds=86400)
    assert lifetime(unasked) == datetime.timedelta(days=1) - datetime.timedelta(minutes=5)
    floor = signed(ca, approved(pem, KUBE_APISERVER_CLIENT, CLIENT, expiration_seconds=60))
    assert lifetime(floor) == datetime.timedelta(minutes=10)


def test_never_valid_beyond_the_ca(ca):
    young_ca = new_authority("short-ca", days=2)
    certificate = signed(young_ca, approved(request_pem("jane"), KUBE_APISERVER_CLIENT, CLIENT))
    assert certificate.not_valid_after_utc == young_ca.certificate.not_valid_after_utc


def test_an_expired_ca_refuses_to_sign(ca):
    later = ca.certificate.not_valid_after_utc + datetime.timedelta(seconds=1)
    with pytest.raises(SigningError, match="refusing to sign a certificate that expired in the past"):
        sign_request(approved(request_pem("jane"), KUBE_APISERVER_CLIENT, CLIENT), ca, now=later, max_seconds=YEAR)


# -- what is signed at all -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "signer", "certificate", "wanted"),
    [
        (APPROVED, KUBE_APISERVER_CLIENT, None, True),
        (APPROVED, KUBELET_SERVING, None, True),
        (None, KUBE_APISERVER_CLIENT, None, False),
        (DENIED, KUBE_APISERVER_CLIENT, None, False),
        (APPROVED + DENIED, KUBE_APISERVER_CLIENT, None, False),
        (APPROVED + [{"type": "Failed", "status": "True"}], KUBE_APISERVER_CLIENT, None, False),
        ([{"type": "Approved", "status": "False"}], KUBE_APISERVER_CLIENT, None, False),
        (APPROVED, KUBE_APISERVER_CLIENT, "LS0tLS1CRUdJTg==", False),
        (APPROVED, "example.com/my-signer", None, False),
    ],
)
def test_wants_signing(conditions, signer, certificate, wanted):
    csr = csr_object("r", b"", signer=signer, usages=CLIENT, conditions=conditions, certificate=certificate)
    assert wants_signing(csr) is wanted


def test_an_unreadable_request_is_unsignable(ca):
    garbage = approved(b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                       KUBE_APISERVER_CLIENT, CLIENT)  # fmt: skip
    with pytest.raises(UnsignableRequest):
        sign_request(garbage, ca, now=NOW, max_seconds=YEAR)
    not_base64 = approved(b"", KUBE_APISERVER_CLIENT, CLIENT)
    not_base64["spec"]["request"] = "%%%"
    with pytest.raises(UnsignableRequest, match="not base64"):
        sign_request(not_base64, ca, now=NOW, max_seconds=YEAR)


def test_a_request_whose_signature_fails_is_unsignable(ca):
    der = bytearray(x509.load_pem_x509_csr(request_pem("jane")).public_bytes(Encoding.DER))
    der[-1] ^= 0x01  # the last byte belongs to the signature
    body = base64.encodebytes(bytes(der))
    pem = b"-----BEGIN CERTIFICATE REQUEST-----\n" + body + b"-----END CERTIFICATE REQUEST-----\n"
    with pytest.raises(UnsignableRequest):
        sign_request(approved(pem, KUBE_APISERVER_CLIENT, CLIENT), ca, now=NOW, max_seconds=YEAR)


def test_failure_condition_shape():
    condition = Failure("SignerValidationFailure", "subject organization is not system:nodes").condition(NOW)
    assert condition["type"] == "Failed" and condition["status"] == "True"
    assert condition["reason"] == "SignerValidationFailure"
    assert condition["message"] == "subject organization is not system:nodes"
    assert condition["lastUpdateTime"].endswith("Z")

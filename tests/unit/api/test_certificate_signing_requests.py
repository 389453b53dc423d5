"""CertificateSigningRequest rules: spec.request parses and is self-signed; status conditions are never
removed; a certificate is set once."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds.certificates import CertificateSigningRequestStrategy, certificate_problem, request_problem
from kubemini.pki.certificates import new_authority

STRATEGY = CertificateSigningRequestStrategy()
APPROVED = {"type": "Approved", "status": "True", "reason": "KubectlApprove"}
FAILED = {"type": "Failed", "status": "True", "reason": "SignerValidationFailure"}


@pytest.fixture(scope="module")
def certificate_b64() -> str:
    return base64.b64encode(new_authority("status-test").certificate_pem).decode()


def csr(*conditions: dict, certificate: str | None = None) -> dict:
    status: dict = {"conditions": list(conditions)}
    if certificate is not None:
        status["certificate"] = certificate
    return {"metadata": {"name": "r"}, "spec": {}, "status": status}


def messages(new: dict, old: dict) -> list[str]:
    errors = FieldErrors()
    STRATEGY.validate_status_update(new, old, errors)
    return [e.message for e in errors.errors]


def test_the_signer_may_set_a_certificate_once(certificate_b64):
    assert messages(csr(APPROVED, certificate=certificate_b64), csr(APPROVED)) == []
    assert messages(csr(APPROVED, FAILED), csr(APPROVED)) == []
    other = base64.b64encode(new_authority("other").certificate_pem).decode()
    changed = messages(csr(APPROVED, certificate=other), csr(APPROVED, certificate=certificate_b64))
    assert len(changed) == 1 and "updates may not modify existing certificate content" in changed[0]
    removed = messages(csr(APPROVED), csr(APPROVED, certificate=certificate_b64))
    assert len(removed) == 1 and "updates may not modify existing certificate content" in removed[0]


@pytest.mark.parametrize("condition", [APPROVED, FAILED])
def test_conditions_are_never_removed(condition):
    found = messages(csr(), csr(condition))
    assert len(found) == 1 and f'updates may not remove a condition of type "{condition["type"]}"' in found[0]


def test_certificate_content_must_be_certificate_pem(certificate_b64):
    assert certificate_problem(certificate_b64) is None
    key = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").decode()
    assert certificate_problem(key) == 'only CERTIFICATE PEM blocks are allowed, found "PRIVATE KEY"'
    assert certificate_problem(base64.b64encode(b"hello").decode()) == "must contain at least one CERTIFICATE PEM block"
    garbage = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").decode()
    assert certificate_problem(garbage).startswith("x509: malformed certificate")
    assert messages(csr(APPROVED, certificate=key), csr(APPROVED))


def test_approval_conditions_are_true_only():
    found = messages(csr({"type": "Approved", "status": "False"}), csr())
    assert found == ['status.conditions[0].status: Unsupported value: "False": supported values: "True"']
    assert messages(csr({"type": "Approved"}), csr()) == ["status.conditions[0].status: Required value"]
    assert messages(csr({"type": "Custom", "status": "Unknown"}), csr()) == []


def test_the_request_must_parse_and_its_signature_hold():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jane")])
    der = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    der = der.public_bytes(serialization.Encoding.DER)

    def pem(body: bytes, kind: str = "CERTIFICATE REQUEST") -> str:
        text = f"-----BEGIN {kind}-----\n".encode() + base64.encodebytes(body) + f"-----END {kind}-----\n".encode()
        return base64.b64encode(text).decode()

    assert request_problem(pem(der)) is None
    assert request_problem(pem(der, "CERTIFICATE")) == "PEM block type must be CERTIFICATE REQUEST"
    assert request_problem(base64.b64encode(b"hello").decode()) == "PEM block type must be CERTIFICATE REQUEST"
    assert request_problem(pem(b"\x30\x03\x02\x01\x00")) == "x509: malformed certificate request"
    other = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    mine = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = der.replace(mine[-65:], other[-65:])  # the same request, someone else's key
    assert request_problem(pem(forged)) == "x509: ECDSA verification failure"

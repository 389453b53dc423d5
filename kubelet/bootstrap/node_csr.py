"""What a bootstrapping kubelet asks for, as pure functions (upstream: pkg/kubelet/certificate/bootstrap).

new_key() ──► ECDSA P-256 private key (PEM)
node_csr(node_name, key_pem) ──► CertificateSigningRequest: name node-csr-<digest>,
    signerName kubernetes.io/kube-apiserver-client-kubelet, usages digital signature + client auth,
    spec.request = CSR with CN system:node:<node>, O system:nodes
digested_name(...) ──► upstream's digestedName: SHA-512/256 over base64url(SPKI DER)|CN|O...|usages...,
    so a kubelet retrying with the same key asks under the same name
usable_client_certificate(kubeconfig, now) ──► the kubeconfig's client certificate still valid?
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
NODES_GROUP, NODE_USER_PREFIX = "system:nodes", "system:node:"
USAGES = ("digital signature", "client auth")  # upstream drops key encipherment for ECDSA keys
# Upstream's certificate manager rotates at 70-90 % of the lifetime (jittered); here at the kubelet's start.
RENEW_BELOW_FRACTION = 0.2
MISSING, RENEW, VALID = "missing", "renew", "valid"


def new_key() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def digested_name(public_key, common_name: str, organizations: Iterable[str], usages: Iterable[str]) -> str:
    digest = hashes.Hash(hashes.SHA512_256())
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for part in (spki, common_name.encode(), *(o.encode() for o in organizations), *(u.encode() for u in usages)):
        digest.update(_encode(part) + b"|")
    return "node-csr-" + _encode(digest.finalize()).decode()


def node_csr(node_name: str, key_pem: bytes) -> dict[str, Any]:
    key = serialization.load_pem_private_key(key_pem, password=None)
    common_name, organizations = NODE_USER_PREFIX + node_name, (NODES_GROUP,)
    subject = x509.Name(
        [
            *(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    request = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    pem = request.public_bytes(serialization.Encoding.PEM)
    return {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": digested_name(key.public_key(), common_name, organizations, USAGES)},
        "spec": {
            "request": base64.b64encode(pem).decode(),
            "signerName": KUBELET_CLIENT_SIGNER,
            "usages": list(USAGES),
        },
    }


def _client_certificate(kubeconfig: Mapping[str, Any]) -> bytes | None:
    users = kubeconfig.get("users") or []
    for entry in users:
        data = ((entry or {}).get("user") or {}).get("client-certificate-data")
        if data:
            return base64.b64decode(data)
    return None


def _certificate(kubeconfig: Mapping[str, Any] | None) -> x509.Certificate | None:
    try:
        pem = _client_certificate(kubeconfig or {})
        return x509.load_pem_x509_certificate(pem) if pem is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


def usable_client_certificate(kubeconfig: Mapping[str, Any] | None, now: datetime) -> bool:
    """A kubeconfig with an embedded client certificate that is valid at `now`."""
    certificate = _certificate(kubeconfig)
    return certificate is not None and certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc


def client_certificate_state(kubeconfig: Mapping[str, Any] | None, now: datetime) -> str:
    if not usable_client_certificate(kubeconfig, now):
        return MISSING
    certificate = _certificate(kubeconfig)
    total = (certificate.not_valid_after_utc - certificate.not_valid_before_utc).total_seconds()
    left = (certificate.not_valid_after_utc - now).total_seconds()
    return RENEW if total <= 0 or left / total < RENEW_BELOW_FRACTION else VALID


def csr_outcome(csr: Mapping[str, Any]) -> tuple[bytes | None, str | None]:
    """(issued certificate PEM, None) / (None, why it never will be) / (None, None) still waiting."""
    status = csr.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") in ("Denied", "Failed") and condition.get("status") == "True":
            return None, (
                f"certificate signing request is {condition['type'].lower()}, "
                f"reason: {condition.get('reason', '')}, message: {condition.get('message', '')}"
            )
    approved = any(c.get("type") == "Approved" and c.get("status") == "True" for c in status.get("conditions") or [])
    if approved and status.get("certificate"):
        return base64.b64decode(status["certificate"]), None
    return None, None

"""Certificate requests for the signer tests: a fresh key, a subject, SANs, wrapped in a CSR object."""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def request_pem(
    common_name: str,
    organizations: tuple[str, ...] = (),
    *,
    dns: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
    key=None,
) -> bytes:
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    subject.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject))
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    names += [x509.RFC822Name(e) for e in emails]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def csr_object(
    name: str,
    pem: bytes,
    *,
    signer: str,
    usages: list[str],
    conditions: list[dict[str, Any]] | None = None,
    expiration_seconds: int | None = None,
    certificate: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"request": base64.b64encode(pem).decode(), "signerName": signer, "usages": usages}
    if expiration_seconds is not None:
        spec["expirationSeconds"] = expiration_seconds
    status: dict[str, Any] = {}
    if conditions:
        status["conditions"] = conditions
    if certificate:
        status["certificate"] = certificate
    return {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": "7"},
        "spec": spec,
        "status": status,
    }


APPROVED = [{"type": "Approved", "status": "True", "reason": "KubectlApprove", "message": "ok"}]
DENIED = [{"type": "Denied", "status": "True", "reason": "KubectlDeny", "message": "no"}]

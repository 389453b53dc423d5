"""certificates.k8s.io/v1: CertificateSigningRequests (spec immutable, `/approval` writes conditions).

spec.request must be a PEM CERTIFICATE REQUEST that parses and whose self-signature holds.

Writes to `/status` and `/approval` (upstream's validateCertificateSigningRequestUpdate): an Approved,
Denied or Failed condition is never removed; `status.certificate` is set once, to CERTIFICATE PEM
blocks, and never changed afterwards (the signer's compare-and-swap relies on it).
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_immutable

CONDITION_TYPES = ("Approved", "Denied", "Failed")
KEY_USAGES = (
    "signing",
    "digital signature",
    "content commitment",
    "key encipherment",
    "key agreement",
    "data encipherment",
    "cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
    "any",
    "server auth",
    "client auth",
    "code signing",
    "email protection",
    "s/mime",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "timestamping",
    "ocsp signing",
    "microsoft sgc",
    "netscape sgc",
)
MIN_EXPIRATION_SECONDS = 600
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


_VERIFICATION_FAILURES = {  # what Go's CheckSignature says, by key type
    ec.EllipticCurvePublicKey: "x509: ECDSA verification failure",
    rsa.RSAPublicKey: "crypto/rsa: verification error",
    ed25519.Ed25519PublicKey: "x509: Ed25519 verification failure",
}


def request_problem(text: str) -> str | None:
    """Why spec.request (base64 of PEM) is not a certificate request whose signature holds, or None."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    block = _PEM_BLOCK.search(data)
    if block is None or block.group(1) != b"CERTIFICATE REQUEST":
        return "PEM block type must be CERTIFICATE REQUEST"
    try:
        request = x509.load_pem_x509_csr(block.group(0))
        if request.is_signature_valid:
            return None
        key = request.public_key()
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return "x509: malformed certificate request"
    kind = next((name for cls, name in _VERIFICATION_FAILURES.items() if isinstance(key, cls)), None)
    return kind or "x509: signature verification failure"


def certificate_problem(text: str) -> str | None:
    """Why status.certificate (base64 of PEM) is not one or more CERTIFICATE blocks, or None."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    blocks = _PEM_BLOCK.findall(data)
    if not blocks:
        return "must contain at least one CERTIFICATE PEM block"
    for kind, body in blocks:
        if kind != b"CERTIFICATE":
            return f'only CERTIFICATE PEM blocks are allowed, found "{kind.decode()}"'
        try:
            x509.load_der_x509_certificate(base64.b64decode(b"".join(body.split()), validate=True))
        except (binascii.Error, ValueError) as error:
            return f"x509: malformed certificate ({error})"
    return None


def _count(obj: dict, kind: str) -> int:
    return sum(1 for c in printing.status(obj).get("conditions") or [] if c.get("type") == kind)


def condition_cell(obj: dict) -> str:
    types = {c.get("type") for c in printing.status(obj).get("conditions") or []}
    text = "Denied" if "Denied" in types else "Approved" if "Approved" in types else "Pending"
    if "Failed" in types:
        text += ",Failed"
    if printing.status(obj).get("certificate"):
        text += ",Issued"
    return text


class CertificateSigningRequestStrategy(Strategy):
    field_labels = ("spec.signerName",)
    columns = (
        NAME,
        AGE,
        Column("SignerName", description="Name of the signer that should sign the certificate"),
        Column("Requestor", description="Name of the user which submitted the request"),
        Column("RequestedDuration", description="Requested duration of the issued certificate"),
        Column("Condition", description="Current approval and issuance status of the request"),
    )

    def initial_status(self, obj: dict) -> dict:
        return {}

    def name_problem(self, name: str) -> str | None:
        # Upstream: "We don't care what you call your certificate requests" — only a name's path-segment
        # rules hold, so a kubelet's `node-csr-<base64url digest>` (capitals, `_`) is a valid name.
        return names.path_segment_problem(name)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        request = spec.get("request")
        if not request:
            errors.required("spec.request")
        elif (problem := request_problem(request)) is not None:
            errors.invalid("spec.request", "<bytes>", problem)
        if not spec.get("signerName"):
            errors.required("spec.signerName")
        elif "/" not in spec["signerName"]:
            errors.invalid(
                "spec.signerName",
                spec["signerName"],
                "must be a fully qualified domain and path of the form 'example.com/signer-name'",
            )
        usages = spec.get("usages")
        if not usages:
            errors.required("spec.usages")
        for index, usage in enumerate(usages or []):
            if usage not in KEY_USAGES:
                errors.not_supported(f"spec.usages[{index}]", usage, KEY_USAGES)
        expiration = spec.get("expirationSeconds")
        if expiration is not None and expiration < MIN_EXPIRATION_SECONDS:
            errors.invalid(
                "spec.expirationSeconds",
                expiration,
                f"may not specify a duration less than {MIN_EXPIRATION_SECONDS} seconds",
            )

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        check_immutable(printing.spec(new), printing.spec(old), "spec", errors)

    def validate_status_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        seen = set()
        for index, condition in enumerate(printing.status(new).get("conditions") or []):
            kind = condition.get("type")
            if not kind:
                errors.required(f"status.conditions[{index}].type")
            if kind in seen and kind in CONDITION_TYPES:
                errors.duplicate(f"status.conditions[{index}].type", kind)
            seen.add(kind)
            allowed = ("True",) if kind in CONDITION_TYPES else ("False", "True", "Unknown")
            if not condition.get("status"):
                errors.required(f"status.conditions[{index}].status")
            elif condition["status"] not in allowed:
                errors.not_supported(f"status.conditions[{index}].status", condition["status"], allowed)
        if "Approved" in seen and "Denied" in seen:
            errors.invalid("status.conditions", "", "Approved and Denied conditions are mutually exclusive")
        for kind in CONDITION_TYPES:
            if _count(new, kind) < _count(old, kind):
                errors.forbidden("status.conditions", f'updates may not remove a condition of type "{kind}"')
        certificate, before = printing.status(new).get("certificate"), printing.status(old).get("certificate")
        if certificate != before:
            if before:
                errors.forbidden("status.certificate", "updates may not modify existing certificate content")
            elif certificate and (problem := certificate_problem(certificate)) is not None:
                errors.invalid("status.certificate", "<certificate data>", problem)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return False

    def selectable_fields(self) -> tuple[str, ...]:
        return ("metadata.name", "spec.signerName")

    def field_values(self, obj: dict) -> dict[str, str]:
        values = {
            "metadata.name": printing.name(obj),
            "spec.signerName": str(printing.spec(obj).get("signerName") or ""),
        }
        return values

    def cells(self, obj: dict) -> list:
        spec = printing.spec(obj)
        expiration = spec.get("expirationSeconds")
        return [
            printing.name(obj),
            printing.age(obj),
            spec.get("signerName") or printing.NONE,
            spec.get("username", ""),
            printing.human_age(expiration) if expiration is not None else printing.NONE,
            condition_cell(obj),
        ]

"""What the CSR signer decides, as pure functions (upstream: pkg/controller/certificates/signer).

csr ──wants_signing?── no ──► nothing (pending, denied, failed, issued, or another signer's)
     │ yes
     ▼
parse spec.request (base64 PEM "CERTIFICATE REQUEST", self-signature checked)
     │ unreadable ──► UnsignableRequest (the spec is immutable: retrying cannot help)
     ▼
check_request(signer, request, usages) ── message ──► Failure("SignerValidationFailure", message)
     │ ok
     ▼
sign_public_key(CA, the request's subject (CN = user, O = groups), its DNS/IP SANs, usages' server/client auth,
                lifetime = min(spec.expirationSeconds, max) but ≥ 10 min, never past the CA)
     ──► certificate PEM (for status.certificate)
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509.oid import NameOID

from kubemini.api import timestamps
from kubemini.pki.certificates import CLOCK_SKEW, KeyPair, sign_public_key

KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet"
KUBELET_SERVING = "kubernetes.io/kubelet-serving"
SIGNER_NAMES = (KUBE_APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING)

APPROVED, DENIED, FAILED = "Approved", "Denied", "Failed"
VALIDATION_FAILURE = "SignerValidationFailure"

DEFAULT_DURATION_SECONDS = 365 * 24 * 3600  # kube-controller-manager's --cluster-signing-duration 8760h
MIN_DURATION_SECONDS = 600  # twice the backdate: a certificate is never born expired
SHORT_LIVED_SECONDS = 8 * 3600  # below this the backdate is not taken off the end (upstream's `Short`)

DIGITAL_SIGNATURE, KEY_ENCIPHERMENT = "digital signature", "key encipherment"
CLIENT_AUTH, SERVER_AUTH = "client auth", "server auth"
KUBELET_CLIENT_USAGES = ({DIGITAL_SIGNATURE, KEY_ENCIPHERMENT, CLIENT_AUTH}, {DIGITAL_SIGNATURE, CLIENT_AUTH})
KUBELET_SERVING_USAGES = ({DIGITAL_SIGNATURE, KEY_ENCIPHERMENT, SERVER_AUTH}, {DIGITAL_SIGNATURE, SERVER_AUTH})
NODE_GROUP, NODE_USER_PREFIX = "system:nodes", "system:node:"


class UnsignableRequest(Exception):
    """spec.request cannot be read as a certificate request whose signature holds."""


class SigningError(Exception):
    """The CA cannot sign now (expired): worth retrying once its files are replaced."""


@dataclass(frozen=True)
class Failure:
    """The `Failed` condition the signer adds to a request it refuses."""

    reason: str
    message: str

    def condition(self, now: datetime.datetime) -> dict[str, Any]:
        moment = timestamps.format_time(now)
        return {
            "type": FAILED,
            "status": "True",
            "reason": self.reason,
            "message": self.message,
            "lastUpdateTime": moment,
            "lastTransitionTime": moment,
        }


def _conditions(csr: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((csr.get("status") or {}).get("conditions") or [])


def has_true_condition(csr: Mapping[str, Any], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in _conditions(csr))


def is_approved(csr: Mapping[str, Any]) -> bool:
    """Approved and not Denied (upstream's IsCertificateRequestApproved)."""
    return has_true_condition(csr, APPROVED) and not has_true_condition(csr, DENIED)


def wants_signing(csr: Mapping[str, Any]) -> bool:
    """An approved request of one of our signers that has neither failed nor been issued."""
    spec, status = csr.get("spec") or {}, csr.get("status") or {}
    return (
        spec.get("signerName") in SIGNER_NAMES
        and not status.get("certificate")
        and is_approved(csr)
        and not has_true_condition(csr, FAILED)
    )


def parse_request(csr: Mapping[str, Any]) -> x509.CertificateSigningRequest:
    text = (csr.get("spec") or {}).get("request") or ""
    try:
        pem = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as error:
        raise UnsignableRequest(f"spec.request is not base64: {error}") from error
    if b"-----BEGIN CERTIFICATE REQUEST-----" not in pem:
        raise UnsignableRequest("PEM block type must be CERTIFICATE REQUEST")
    try:
        request = x509.load_pem_x509_csr(pem)
        valid = request.is_signature_valid
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise UnsignableRequest(f"unable to parse certificate request: {error}") from error
    if not valid:
        raise UnsignableRequest("unable to verify certificate request signature")
    return request


def _names(request: x509.CertificateSigningRequest) -> tuple[list[str], list[str], list[str], list[str]]:
    """(DNS names, IP addresses, email addresses, URIs) of the request's subjectAltName extension."""
    try:
        sans = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], [], [], []
    return (
        [str(n) for n in sans.get_values_for_type(x509.DNSName)],
        [str(n) for n in sans.get_values_for_type(x509.IPAddress)],
        [str(n) for n in sans.get_values_for_type(x509.RFC822Name)],
        [str(n) for n in sans.get_values_for_type(x509.UniformResourceIdentifier)],
    )


def subject_of(request: x509.CertificateSigningRequest) -> tuple[str, tuple[str, ...]]:
    """(CN, O values) of the request's subject."""
    common = request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    organizations = request.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return (str(common[0].value) if common else "", tuple(str(o.value) for o in organizations))


def _usages_message(allowed: tuple[set[str], ...], usages: set[str]) -> str | None:
    if usages in allowed:
        return None
    return f"usages did not match [{' '.join(sorted(max(allowed, key=len)))}]"


def _kubelet_client_error(request: x509.CertificateSigningRequest, usages: set[str]) -> str | None:
    common, organizations = subject_of(request)
    dns, ips, emails, uris = _names(request)
    for present, message in (
        (list(organizations) != [NODE_GROUP], "subject organization is not system:nodes"),
        (dns, "DNS subjectAltNames are not allowed"),
        (emails, "Email subjectAltNames are not allowed"),
        (ips, "IP subjectAltNames are not allowed"),
        (uris, "URI subjectAltNames are not allowed"),
        (not common.startswith(NODE_USER_PREFIX), "subject common name does not begin with system:node:"),
    ):
        if present:
            return message
    return _usages_message(KUBELET_CLIENT_USAGES, usages)


def _kubelet_serving_error(request: x509.CertificateSigningRequest, usages: set[str]) -> str | None:
    common, organizations = subject_of(request)
    dns, ips, emails, uris = _names(request)
    for present, message in (
        (list(organizations) != [NODE_GROUP], "subject organization is not system:nodes"),
        (not dns and not ips, "DNS or IP subjectAltName is required"),
        (emails, "Email subjectAltNames are not allowed"),
        (uris, "URI subjectAltNames are not allowed"),
    ):
        if present:
            return message
    usage_error = _usages_message(KUBELET_SERVING_USAGES, usages)
    if usage_error is not None:
        return usage_error
    if not common.startswith(NODE_USER_PREFIX):
        return "subject common name does not begin with system:node:"
    return None


def _apiserver_client_error(usages: Iterable[str]) -> str | None:
    has_client_auth = False
    for usage in usages:
        if usage == CLIENT_AUTH:
            has_client_auth = True
        elif usage not in (DIGITAL_SIGNATURE, KEY_ENCIPHERMENT):
            return f"invalid usage for client certificate: {usage}"
    return None if has_client_auth else f"missing required usage for client certificate: {CLIENT_AUTH}"


def check_request(signer_name: str, request: x509.CertificateSigningRequest, usages: list[str]) -> str | None:
    """Why `signer_name` refuses `request` with `usages` (upstream's message), or None."""
    if signer_name == KUBELET_CLIENT:
        return _kubelet_client_error(request, set(usages))
    if signer_name == KUBELET_SERVING:
        return _kubelet_serving_error(request, set(usages))
    if signer_name == KUBE_APISERVER_CLIENT:
        return _apiserver_client_error(usages)
    return f'unrecognized signerName: "{signer_name}"'


def lifetime_seconds(expiration_seconds: int | None, max_seconds: float) -> float:
    """The requested duration, at most `max_seconds` (the flag), at least 10 minutes."""
    if expiration_seconds is None:
        return max_seconds
    return max(min(float(expiration_seconds), max_seconds), MIN_DURATION_SECONDS)


def validity_end(seconds: float) -> datetime.timedelta:
    """How long after signing the certificate ends: long-lived ones give back the 5-minute backdate."""
    lifetime = datetime.timedelta(seconds=seconds)
    return lifetime if seconds < SHORT_LIVED_SECONDS else lifetime - CLOCK_SKEW


def sign_request(
    csr: Mapping[str, Any], authority: KeyPair, *, now: datetime.datetime, max_seconds: float
) -> bytes | Failure:
    """The certificate (PEM) the CA issues for an approved `csr`, or the Failure it is marked with.

    Raises UnsignableRequest for an unreadable spec.request and SigningError for an expired CA."""
    spec = csr.get("spec") or {}
    request = parse_request(csr)
    usages = [str(u) for u in spec.get("usages") or []]
    message = check_request(str(spec.get("signerName") or ""), request, usages)
    if message is not None:
        return Failure(VALIDATION_FAILURE, message)
    ca_end = authority.certificate.not_valid_after_utc
    if now >= ca_end:
        raise SigningError(
            f"refusing to sign a certificate that expired in the past: NotAfter={timestamps.format_time(ca_end)}"
        )
    common, organizations = subject_of(request)
    dns, ips, _, _ = _names(request)
    return sign_public_key(
        authority,
        request.public_key(),
        common_name=common,
        organizations=organizations,
        subject=request.subject,  # as upstream: the whole subject, whatever its attributes
        alternative_names=(*dns, *ips),
        server=SERVER_AUTH in usages,
        client=CLIENT_AUTH in usages,
        valid_for=validity_end(lifetime_seconds(spec.get("expirationSeconds"), max_seconds)),
        now=now,
    )

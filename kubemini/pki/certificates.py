"""Making and reading X.509 certificates (ECDSA P-256 keys: fast handshakes, small files)."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
CERTIFICATE_DAYS = 365
CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class KeyPair:
    certificate_pem: bytes
    key_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)

    @property
    def key(self):
        return serialization.load_pem_private_key(self.key_pem, password=None)


def _private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str, organizations: tuple[str, ...] = ()) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_authority(common_name: str = "kubemini-ca", *, days: int = CA_DAYS) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(certificate.public_bytes(serialization.Encoding.PEM), _private_pem(key))


def _alternative_names(names: tuple[str, ...]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            result.append(x509.DNSName(name))
    return result


def sign_public_key(
    authority: KeyPair,
    public_key,
    *,
    common_name: str,
    organizations: tuple[str, ...] = (),
    alternative_names: tuple[str, ...] = (),
    server: bool = False,
    client: bool = True,
    days: int = CERTIFICATE_DAYS,
    valid_for: datetime.timedelta | None = None,
    now: datetime.datetime | None = None,
    subject: x509.Name | None = None,
) -> bytes:
    """A certificate (PEM) for `public_key`, signed by `authority` (what CSR signing does too).

    Valid from `now` (default: the clock) less the clock skew for `valid_for` (default `days`),
    never past the authority's own expiry. `subject` (a CSR's, as it came) replaces the one made
    of `common_name` and `organizations`."""
    now = now or _now()
    lifetime = valid_for if valid_for is not None else datetime.timedelta(days=days)
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
    )
    ca_certificate = authority.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject if subject is not None else _name(common_name, organizations))
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + lifetime, ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key()), critical=False)
    )
    if alternative_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(_alternative_names(alternative_names)), critical=False
        )
    return builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def issue(
    authority: KeyPair,
    *,
    common_name: str,
    organizations: tuple[str, ...] = (),
    alternative_names: tuple[str, ...] = (),
    server: bool = False,
    client: bool = True,
    days: int = CERTIFICATE_DAYS,
) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = sign_public_key(
        authority,
        key.public_key(),
        common_name=common_name,
        organizations=organizations,
        alternative_names=alternative_names,
        server=server,
        client=client,
        days=days,
    )
    return KeyPair(certificate, _private_pem(key))


def subject_identity(certificate: x509.Certificate) -> tuple[str, tuple[str, ...]]:
    """(CN, O values): the user name and groups Kubernetes reads from a client certificate."""
    subject = certificate.subject
    common = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    groups = tuple(str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    return (str(common[0].value) if common else "", groups)


def remaining_fraction(certificate: x509.Certificate, now: datetime.datetime | None = None) -> float:
    """How much of its validity a certificate has left (0 when expired)."""
    now = now or _now()
    total = (certificate.not_valid_after_utc - certificate.not_valid_before_utc).total_seconds()
    left = (certificate.not_valid_after_utc - now).total_seconds()
    return max(0.0, left / total) if total > 0 else 0.0

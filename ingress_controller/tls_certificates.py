"""TLS for the HTTPS listener: a certificate per server name (SNI), from kubernetes.io/tls Secrets.

    ClientHello(server_name) ──► sni_callback ──► choose_certificate(table.certificates, name)
        exact host, else a `*.` wildcard host ──► that Secret's SSLContext (cached by content)
        no match, no SNI, unusable Secret     ──► the fallback self-signed certificate

Contexts are built once per distinct certificate and kept while a table names
them, so a reload does not re-parse every key.
"""

from __future__ import annotations

import datetime
import logging
import os
import ssl
import tempfile
from collections.abc import Callable, Mapping

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ingress_controller.path_matching import wildcard_matches
from ingress_controller.routing_table import RoutingTable, TlsCertificate

FALLBACK_COMMON_NAME = "Kubemini Ingress Controller Fake Certificate"
FALLBACK_VALID_DAYS = 365

log = logging.getLogger(__name__)


def choose_certificate(certificates: Mapping[str, TlsCertificate], server_name: str | None) -> TlsCertificate | None:
    if not server_name:
        return None
    name = server_name.lower().rstrip(".")
    if name in certificates:
        return certificates[name]
    for pattern, certificate in certificates.items():
        if wildcard_matches(pattern, name):
            return certificate
    return None


def self_signed_pem(
    common_name: str = FALLBACK_COMMON_NAME, *, hosts: tuple[str, ...] = ("ingress.local",)
) -> tuple[bytes, bytes]:
    """A throwaway certificate and key (PEM) for requests no Secret covers."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=FALLBACK_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host) for host in hosts]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def server_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """An SSLContext serving this certificate; `ssl` loads chains only from files, so a private temp dir."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    with tempfile.TemporaryDirectory(prefix="ingress-tls-") as directory:
        cert_path, key_path = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
        for path, data in ((cert_path, cert_pem), (key_path, key_pem)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as file:
                file.write(data)
        context.load_cert_chain(cert_path, key_path)
    return context


class CertificateSelector:
    """Owns the listening context; its sni_callback switches to the certificate the table names."""

    def __init__(self, current_table: Callable[[], RoutingTable]):
        self.current_table = current_table
        self.fallback = server_context(*self_signed_pem())
        self.fallback.sni_callback = self._select
        self._contexts: dict[TlsCertificate, ssl.SSLContext] = {}
        self._broken: set[TlsCertificate] = set()

    @property
    def listening_context(self) -> ssl.SSLContext:
        return self.fallback

    def context_for(self, certificate: TlsCertificate) -> ssl.SSLContext | None:
        if certificate in self._broken:
            return None
        context = self._contexts.get(certificate)
        if context is None:
            try:
                context = self._contexts[certificate] = server_context(certificate.cert_pem, certificate.key_pem)
            except (ssl.SSLError, ValueError) as error:
                # A Secret whose key does not match its certificate: the fallback serves that host.
                log.warning("TLS Secret %s is unusable: %s", certificate.secret, error)
                self._broken.add(certificate)
                return None
        return context

    def forget_unused(self, table: RoutingTable) -> None:
        wanted = set(table.certificates.values())
        for certificate in [c for c in self._contexts if c not in wanted]:
            del self._contexts[certificate]
        self._broken &= wanted

    def _select(self, ssl_object: ssl.SSLObject, server_name: str | None, _context: ssl.SSLContext) -> None:
        certificate = choose_certificate(self.current_table().certificates, server_name)
        if certificate is not None:
            context = self.context_for(certificate)
            if context is not None:
                ssl_object.context = context
        return None

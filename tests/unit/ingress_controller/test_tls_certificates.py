"""Certificate choice by SNI: exact host, wildcard, fallback; and a real handshake through the selector."""

from __future__ import annotations

import asyncio
import ssl

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from ingress_controller.routing_table import RoutingTable, TlsCertificate
from ingress_controller.tls_certificates import (
    FALLBACK_COMMON_NAME,
    CertificateSelector,
    choose_certificate,
    self_signed_pem,
)


def certificate(name: str) -> TlsCertificate:
    return TlsCertificate(f"default/{name}", *self_signed_pem(name))


A, WILD = certificate("a.example"), certificate("wild.example")
CERTIFICATES = {"a.example": A, "*.wild.example": WILD}


@pytest.mark.parametrize(
    ("server_name", "expected"),
    [("a.example", A), ("A.EXAMPLE", A), ("x.wild.example", WILD), ("wild.example", None), ("b.example", None),
     (None, None), ("", None)],
)  # fmt: skip
def test_choose_certificate(server_name, expected):
    assert choose_certificate(CERTIFICATES, server_name) is expected


async def served_common_name(selector: CertificateSelector, server_name: str | None) -> str:
    async def handle(reader, writer):
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=selector.listening_context)
    port = server.sockets[0].getsockname()[1]
    client = ssl.create_default_context()
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client, server_hostname=server_name)
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.close()
    finally:
        server.close()
    subject = x509.load_der_x509_certificate(der).subject
    return subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


async def test_handshake_serves_the_certificate_the_table_names():
    table = RoutingTable(certificates=CERTIFICATES)
    selector = CertificateSelector(lambda: table)
    assert await served_common_name(selector, "a.example") == "a.example"
    assert await served_common_name(selector, "z.wild.example") == "wild.example"
    assert await served_common_name(selector, "nobody.example") == FALLBACK_COMMON_NAME


async def test_unusable_secret_falls_back():
    broken = TlsCertificate("default/broken", A.cert_pem, WILD.key_pem)  # key of another certificate
    table = RoutingTable(certificates={"broken.example": broken})
    selector = CertificateSelector(lambda: table)
    assert await served_common_name(selector, "broken.example") == FALLBACK_COMMON_NAME

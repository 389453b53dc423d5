"""The cluster's keys: a service-account signing key and a cluster CA, shared through etcd.

    start ──► GET /kubemini/pki/identity ──absent──► generate (RSA 2048 signing key; a self-signed
              CA from kubemini/pki, 10 years) ──► create-if-absent ──► GET again (another apiserver may have won)
          ──► ClusterIdentity: the signing key, its key id, the CA certificate and key

etcd is the only state, so every apiserver of a cluster, and every restart, signs with the same
key and vouches with the same CA. `--service-account-signing-key-file` overrides the stored key.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from apiserver.storage.errors import KeyExists, KeyNotFound
from kubemini.pki.certificates import new_authority

IDENTITY_KEY = "/kubemini/pki/identity"
CA_NAME = "kubemini-ca"
CA_YEARS = 10


@dataclass(frozen=True)
class ClusterIdentity:
    signing_key_pem: bytes
    ca_cert_pem: bytes
    ca_key_pem: bytes

    @property
    def signing_key(self) -> rsa.RSAPrivateKey:
        return serialization.load_pem_private_key(self.signing_key_pem, password=None)

    @property
    def public_key_pem(self) -> bytes:
        return self.signing_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def key_id(self) -> str:
        """Kubernetes' kid: SHA-256 of the DER public key, base64url without padding."""
        der = self.signing_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    pkcs8, plain = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, pkcs8, plain)


def generate() -> ClusterIdentity:
    """A fresh RSA signing key (service-account tokens are RS256) and a cluster CA (kubemini/pki)."""
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    authority = new_authority(CA_NAME, days=365 * CA_YEARS)
    return ClusterIdentity(_private_pem(signing), authority.certificate_pem, authority.key_pem)


def _from_stored(obj: dict) -> ClusterIdentity:
    return ClusterIdentity(
        obj["serviceAccountSigningKey"].encode(), obj["caCertificate"].encode(), obj["caKey"].encode()
    )


async def load_or_create(store, *, signing_key_pem: bytes | None = None) -> ClusterIdentity:
    try:
        identity = _from_stored((await store.get(IDENTITY_KEY)).obj)
    except KeyNotFound:
        fresh = generate()
        document = {
            "serviceAccountSigningKey": fresh.signing_key_pem.decode(),
            "caCertificate": fresh.ca_cert_pem.decode(),
            "caKey": fresh.ca_key_pem.decode(),
        }
        try:
            await store.create(IDENTITY_KEY, document)
        except KeyExists:
            pass  # another apiserver stored its own first: everyone uses that one
        identity = _from_stored((await store.get(IDENTITY_KEY)).obj)
    if signing_key_pem is not None:
        identity = ClusterIdentity(signing_key_pem, identity.ca_cert_pem, identity.ca_key_pem)
    return identity

"""The encryption providers of kube-apiserver's EncryptionConfiguration, byte for byte as upstream stores them.

A stored value is `k8s:enc:<provider>:v1:<key name>:` followed by the provider's output:

    aesgcm     nonce (12 bytes) || AES-GCM ciphertext || tag (16 bytes); the etcd key is the
               additional authenticated data, so a value copied to another key does not decrypt
    aescbc     IV (16 bytes) || AES-CBC ciphertext of the PKCS#7-padded plaintext
    secretbox  nonce (24 bytes) || XSalsa20-Poly1305 box (NaCl secretbox)

(staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/{aes/aes.go,secretbox/secretbox.go}.)
`identity` stores plaintext and has no key; the transformer handles it.
"""

from __future__ import annotations

import os

import nacl.exceptions
import nacl.secret
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

GCM_NONCE_BYTES = 12
CBC_BLOCK_BYTES = 16
SECRETBOX_NONCE_BYTES = 24
# The key lengths upstream's validation accepts per provider.
KEY_LENGTHS = {"aesgcm": (16, 24, 32), "aescbc": (32,), "secretbox": (32,)}


class DecryptError(Exception):
    """A value that this key cannot open (wrong key, wrong etcd key, damaged data)."""


def value_prefix(provider: str, key_name: str) -> bytes:
    return f"k8s:enc:{provider}:v1:{key_name}:".encode()


class AesGcmKey:
    provider = "aesgcm"

    def __init__(self, name: str, secret: bytes):
        self.name = name
        self.prefix = value_prefix(self.provider, name)
        self._aead = AESGCM(secret)

    def encrypt(self, plaintext: bytes, etcd_key: bytes) -> bytes:
        nonce = os.urandom(GCM_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, etcd_key)

    def decrypt(self, data: bytes, etcd_key: bytes) -> bytes:
        if len(data) < GCM_NONCE_BYTES:
            raise DecryptError("the stored data was shorter than the required size")
        try:
            return self._aead.decrypt(data[:GCM_NONCE_BYTES], data[GCM_NONCE_BYTES:], etcd_key)
        except InvalidTag:
            raise DecryptError("cipher: message authentication failed") from None


class AesCbcKey:
    provider = "aescbc"

    def __init__(self, name: str, secret: bytes):
        self.name = name
        self.prefix = value_prefix(self.provider, name)
        self._algorithm = algorithms.AES(secret)

    def encrypt(self, plaintext: bytes, etcd_key: bytes) -> bytes:
        iv = os.urandom(CBC_BLOCK_BYTES)
        padder = padding.PKCS7(CBC_BLOCK_BYTES * 8).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(self._algorithm, modes.CBC(iv)).encryptor()
        return iv + encryptor.update(padded) + encryptor.finalize()

    def decrypt(self, data: bytes, etcd_key: bytes) -> bytes:
        if len(data) < CBC_BLOCK_BYTES:
            raise DecryptError("the stored data was shorter than the required size")
        body = data[CBC_BLOCK_BYTES:]
        if not body or len(body) % CBC_BLOCK_BYTES:
            raise DecryptError("the stored data is not a multiple of the block size")
        decryptor = Cipher(self._algorithm, modes.CBC(data[:CBC_BLOCK_BYTES])).decryptor()
        padded = decryptor.update(body) + decryptor.finalize()
        unpadder = padding.PKCS7(CBC_BLOCK_BYTES * 8).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise DecryptError("invalid padding on input") from None


class SecretboxKey:
    provider = "secretbox"

    def __init__(self, name: str, secret: bytes):
        self.name = name
        self.prefix = value_prefix(self.provider, name)
        self._box = nacl.secret.SecretBox(secret)

    def encrypt(self, plaintext: bytes, etcd_key: bytes) -> bytes:
        nonce = os.urandom(SECRETBOX_NONCE_BYTES)
        return bytes(self._box.encrypt(plaintext, nonce))  # PyNaCl returns nonce || box

    def decrypt(self, data: bytes, etcd_key: bytes) -> bytes:
        if len(data) < SECRETBOX_NONCE_BYTES:
            raise DecryptError("the stored data was shorter than the required size")
        try:
            return self._box.decrypt(data[SECRETBOX_NONCE_BYTES:], data[:SECRETBOX_NONCE_BYTES])
        except nacl.exceptions.CryptoError:
            raise DecryptError("output array was not large enough for encryption") from None


KEY_CLASSES = {"aesgcm": AesGcmKey, "aescbc": AesCbcKey, "secretbox": SecretboxKey}
EncryptionKey = AesGcmKey | AesCbcKey | SecretboxKey


def make_key(provider: str, name: str, secret: bytes) -> EncryptionKey:
    return KEY_CLASSES[provider](name, secret)

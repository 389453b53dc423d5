"""Encryption at rest: each provider's stored bytes, the transformer's rules, the config file's errors."""

from __future__ import annotations

import base64
import os

import pytest

from apiserver.storage.encryption.config import EncryptionConfigError, parse_config
from apiserver.storage.encryption.providers import (
    CBC_BLOCK_BYTES,
    GCM_NONCE_BYTES,
    SECRETBOX_NONCE_BYTES,
    DecryptError,
    make_key,
)
from apiserver.storage.encryption.transformer import StorageTransformer
from apiserver.storage.errors import TransformFailed

SECRET_KEY = b"/registry/secrets/default/s1"
PLAINTEXT = b'{"kind":"Secret","data":{"password":"aHVudGVyMg=="}}'
OVERHEAD = {"aesgcm": GCM_NONCE_BYTES + 16, "secretbox": SECRETBOX_NONCE_BYTES + 16}


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def config_text(*providers: str, resources: str = "[secrets]") -> bytes:
    items = "\n".join(f"      - {p}" for p in providers)
    return (
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        f"  - resources: {resources}\n    providers:\n{items}\n"
    ).encode()


def keyed(provider: str, name: str, secret: bytes) -> str:
    return f"{provider}: {{keys: [{{name: {name}, secret: {b64(secret)}}}]}}"


@pytest.mark.parametrize("provider", ["aesgcm", "aescbc", "secretbox"])
def test_each_provider_round_trips_and_a_wrong_key_fails(provider):
    key = make_key(provider, "key1", os.urandom(32))
    sealed = key.encrypt(PLAINTEXT, SECRET_KEY)
    assert PLAINTEXT not in sealed and key.decrypt(sealed, SECRET_KEY) == PLAINTEXT
    assert key.encrypt(PLAINTEXT, SECRET_KEY) != sealed, "a fresh nonce/IV every time"
    with pytest.raises(DecryptError):
        make_key(provider, "key1", os.urandom(32)).decrypt(sealed, SECRET_KEY)
    # CBC is not authenticated: a cut value (not whole blocks) is what it can refuse for certain.
    damaged = sealed[:-3] if provider == "aescbc" else sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptError):
        key.decrypt(damaged, SECRET_KEY)


def test_stored_layouts_are_upstreams():
    secret = os.urandom(32)
    gcm = make_key("aesgcm", "k", secret).encrypt(PLAINTEXT, SECRET_KEY)
    assert len(gcm) == len(PLAINTEXT) + OVERHEAD["aesgcm"]  # nonce || ciphertext || tag
    cbc = make_key("aescbc", "k", secret).encrypt(PLAINTEXT, SECRET_KEY)
    padded = (len(PLAINTEXT) // CBC_BLOCK_BYTES + 1) * CBC_BLOCK_BYTES  # PKCS#7 always pads
    assert len(cbc) == CBC_BLOCK_BYTES + padded
    box = make_key("secretbox", "k", secret).encrypt(PLAINTEXT, SECRET_KEY)
    assert len(box) == len(PLAINTEXT) + OVERHEAD["secretbox"]
    # Decrypting with primitives directly proves the layout, not just our own round trip.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    assert AESGCM(secret).decrypt(gcm[:12], gcm[12:], SECRET_KEY) == PLAINTEXT


def test_aesgcm_binds_the_value_to_its_etcd_key():
    key = make_key("aesgcm", "key1", os.urandom(32))
    sealed = key.encrypt(PLAINTEXT, SECRET_KEY)
    with pytest.raises(DecryptError):
        key.decrypt(sealed, b"/registry/secrets/default/other")


def test_transformer_writes_with_the_first_key_reads_every_key_and_identity():
    old, new = os.urandom(32), os.urandom(32)
    before = StorageTransformer(parse_config(config_text(keyed("aesgcm", "key1", old), "identity: {}")))
    stored_old = before.to_storage(SECRET_KEY, PLAINTEXT)
    assert stored_old.startswith(b"k8s:enc:aesgcm:v1:key1:") and PLAINTEXT not in stored_old
    rotated = StorageTransformer(
        parse_config(config_text(keyed("aesgcm", "key2", new), keyed("aesgcm", "key1", old), "identity: {}"))
    )
    assert rotated.to_storage(SECRET_KEY, PLAINTEXT).startswith(b"k8s:enc:aesgcm:v1:key2:")
    assert rotated.from_storage(SECRET_KEY, stored_old) == PLAINTEXT
    assert rotated.from_storage(SECRET_KEY, PLAINTEXT) == PLAINTEXT, "identity reads data stored before encryption"
    dropped = StorageTransformer(parse_config(config_text(keyed("aesgcm", "key2", new))))
    with pytest.raises(TransformFailed, match="no matching prefix found"):
        dropped.from_storage(SECRET_KEY, stored_old)
    with pytest.raises(TransformFailed, match="no matching prefix found"):
        dropped.from_storage(SECRET_KEY, PLAINTEXT)


def test_identity_first_writes_plaintext_and_still_decrypts():
    secret = os.urandom(32)
    encrypting = StorageTransformer(parse_config(config_text(keyed("secretbox", "k", secret))))
    sealed = encrypting.to_storage(SECRET_KEY, PLAINTEXT)
    assert sealed.startswith(b"k8s:enc:secretbox:v1:k:")
    decrypting = StorageTransformer(parse_config(config_text("identity: {}", keyed("secretbox", "k", secret))))
    assert decrypting.to_storage(SECRET_KEY, PLAINTEXT) == PLAINTEXT
    assert decrypting.from_storage(SECRET_KEY, sealed) == PLAINTEXT


def test_resources_not_configured_are_untouched():
    transformer = StorageTransformer(parse_config(config_text(keyed("aescbc", "k", os.urandom(32)))))
    for key in (b"/registry/configmaps/default/c", b"/registry/secretsx/a", b"/registry/pods/default/p"):
        assert transformer.to_storage(key, PLAINTEXT) == PLAINTEXT
        assert transformer.rule_for(key) is None
    everything = StorageTransformer(
        parse_config(config_text(keyed("aesgcm", "k", os.urandom(16)), resources="['*.*']"))
    )
    assert everything.rule_for(b"/registry/configmaps/default/c") is not None
    apps = StorageTransformer(parse_config(config_text(keyed("aesgcm", "k", os.urandom(16)), resources="['*.apps']")))
    assert apps.rule_for(b"/registry/deployments/default/d") is not None
    assert apps.rule_for(b"/registry/secrets/default/d") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"kind: [", "not valid YAML"),
        (b"apiVersion: v1\nkind: EncryptionConfiguration\nresources: []\n", "apiVersion: Invalid value"),
        (b"apiVersion: apiserver.config.k8s.io/v1\nkind: Foo\n", "kind: Invalid value"),
        (b"apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n", "resources: Required value"),
        (config_text("identity: {}", resources="[]"), "resources[0].resources: Required value"),
        (config_text("identity: {}", resources="['*']"), "resources[0].resources[0]: Invalid value: '*'"),
        (config_text("{aesgcm: {keys: []}}"), "resources[0].providers[0].aesgcm.keys: Required value"),
        (config_text("{identity: {}, aescbc: {}}"), "more than one provider specified in a single element"),
        (config_text("kms: {name: x}"), "resources[0].providers[0].kms: Unsupported value"),
        (config_text("rot13: {}"), "resources[0].providers[0]: Unsupported value: 'rot13'"),
        (config_text("aesgcm: {keys: [{secret: abc=}]}"), "aesgcm.keys[0].name: Required value"),
        (config_text("aesgcm: {keys: [{name: 'a:b', secret: abc=}]}"), "must not contain ':'"),
        (config_text("aesgcm: {keys: [{name: k, secret: '!!!'}]}"), "keys[0].secret: Invalid value: REDACTED"),
        (config_text(keyed("aesgcm", "k", b"x" * 15)), "got 15, expected one of [16, 24, 32]"),
        (config_text(keyed("aescbc", "k", b"x" * 16)), "got 16, expected one of [32]"),
        (
            config_text(
                f"aesgcm: {{keys: [{{name: k, secret: {b64(b'x' * 16)}}}, {{name: k, secret: {b64(b'y' * 16)}}}]}}"
            ),
            "aesgcm.keys[1].name: Duplicate value: 'k'",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_problem(text, message):
    with pytest.raises(EncryptionConfigError) as caught:
        parse_config(text)
    assert message in str(caught.value)
    assert b64(b"y" * 16) not in str(caught.value), "a key never appears in an error"


def test_a_value_under_an_old_key_or_plaintext_is_stale():
    old, new = os.urandom(32), os.urandom(32)
    stored_old = StorageTransformer(parse_config(config_text(keyed("aesgcm", "key1", old)))).to_storage(
        SECRET_KEY, PLAINTEXT
    )
    rotated = StorageTransformer(
        parse_config(config_text(keyed("aesgcm", "key2", new), keyed("aesgcm", "key1", old), "identity: {}"))
    )
    assert rotated.is_stale(SECRET_KEY, stored_old) and rotated.is_stale(SECRET_KEY, PLAINTEXT)
    assert not rotated.is_stale(SECRET_KEY, rotated.to_storage(SECRET_KEY, PLAINTEXT))
    assert not rotated.is_stale(b"/registry/configmaps/default/c", PLAINTEXT)


def test_a_range_of_other_resources_is_not_covered():
    transformer = StorageTransformer(parse_config(config_text(keyed("aesgcm", "k", os.urandom(32)))))
    assert transformer.covers("/registry/secrets/") and transformer.covers("/registry/secrets/default/")
    assert transformer.covers("/registry/"), "a range over every key includes the secrets"
    assert not transformer.covers("/registry/configmaps/") and not transformer.covers("/registry/pods/default/")

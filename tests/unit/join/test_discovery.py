"""Token discovery decisions: the CA pin (kubeadm's format), the signature check, the pins' syntax."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization

from kubemini.api import bootstrap_tokens as bt
from kubemini.join import discovery
from kubemini.pki.certificates import new_authority

TOKEN = bt.parse_token("abcdef.0123456789abcdef")


def cluster_info(ca_pem: bytes, *, sign_with: bt.BootstrapToken | None = TOKEN) -> dict:
    kubeconfig = f"clusters:\n- cluster:\n    certificate-authority-data: {base64.b64encode(ca_pem).decode()}\n"
    data = {"kubeconfig": kubeconfig}
    if sign_with is not None:
        data[f"jws-kubeconfig-{sign_with.id}"] = bt.detached_signature(kubeconfig, sign_with.id, sign_with.secret)
    return {"data": data}


def test_the_ca_hash_is_sha256_of_the_subject_public_key_info():
    pair = new_authority("test-ca")
    spki = pair.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    found = discovery.ca_cert_hash(pair.certificate_pem)
    assert found == "sha256:" + hashlib.sha256(spki).hexdigest()
    assert len(found) == len("sha256:") + 64
    assert discovery.ca_cert_hash(pair.certificate_pem + new_authority("other").certificate_pem) == found


def test_a_signed_kubeconfig_is_accepted_and_its_pinned_ca_returned():
    pair = new_authority("test-ca")
    kubeconfig = discovery.validated_kubeconfig(cluster_info(pair.certificate_pem), TOKEN)
    pins = discovery.normalized_hashes(
        [discovery.ca_cert_hash(pair.certificate_pem).upper().replace("SHA256", "sha256")]
    )
    assert discovery.pinned_ca(kubeconfig, pins) == pair.certificate_pem


def test_another_ca_is_refused_naming_its_hash():
    pair, other = new_authority("test-ca"), new_authority("other-ca")
    kubeconfig = discovery.validated_kubeconfig(cluster_info(pair.certificate_pem), TOKEN)
    pins = discovery.normalized_hashes([discovery.ca_cert_hash(other.certificate_pem)])
    with pytest.raises(discovery.DiscoveryError, match="none of the public keys .* are pinned"):
        discovery.pinned_ca(kubeconfig, pins)


def test_a_token_without_signature_and_a_wrong_secret_are_told_apart():
    info = cluster_info(new_authority("test-ca").certificate_pem)
    with pytest.raises(discovery.NotYet, match="there is no JWS signed token in the cluster-info ConfigMap"):
        discovery.validated_kubeconfig(info, bt.parse_token("zzzzzz.0123456789abcdef"))
    with pytest.raises(discovery.DiscoveryError, match="failed to verify JWS signature") as refused:
        discovery.validated_kubeconfig(info, bt.parse_token("abcdef.0123456789abcdee"))
    assert not isinstance(refused.value, discovery.NotYet)
    with pytest.raises(discovery.DiscoveryError, match="there is no kubeconfig key"):
        discovery.validated_kubeconfig({"data": {}}, TOKEN)


@pytest.mark.parametrize(
    ("pin", "message"),
    [("abc", "invalid hash, expected"), ("md5:" + "0" * 64, 'unknown hash format "md5"'),
     ("sha256:abcd", "expected a 32 byte SHA-256 hash"), ("sha256:" + "z" * 64, "could not decode")],
)  # fmt: skip
def test_malformed_pins_are_refused(pin, message):
    with pytest.raises(discovery.DiscoveryError, match=message):
        discovery.normalized_hashes([pin])


def test_the_bootstrap_kubeconfig_carries_the_ca_and_the_token(tmp_path):
    pair = new_authority("test-ca")
    path = discovery.write_bootstrap_kubeconfig(tmp_path / "b.conf", "10.0.0.1:6443", pair.certificate_pem, str(TOKEN))
    assert path.stat().st_mode & 0o777 == 0o600
    import yaml

    from kubemini.client.credentials import from_kubeconfig

    config = from_kubeconfig(yaml.safe_load(path.read_text()))
    assert (config.server, config.token, config.ca_pem) == ("https://10.0.0.1:6443", str(TOKEN), pair.certificate_pem)

"""Bootstrap tokens: format, Secret shape, expiry, groups, and the JWS against cluster-bootstrap's own vectors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from kubemini.api import bootstrap_tokens as bt

NOW = datetime(2026, 1, 1, tzinfo=UTC)
# k8s.io/cluster-bootstrap/token/jws/jws_test.go
CONTENT = "Hello from the other side. I must have called a thousand times."
PASSCODE, HEADER = "my voice is my passcode", "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9"
VECTORS = [
    (CONTENT, PASSCODE, f"{HEADER}..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8"),
    ("", PASSCODE, f"{HEADER}..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk"),
    (CONTENT, "", f"{HEADER}..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8"),
]


@pytest.mark.parametrize(("content", "secret", "expected"), VECTORS)
def test_detached_signature_matches_upstreams_vectors(content, secret, expected):
    assert bt.detached_signature(content, "joshua", secret) == expected


def test_a_signature_is_valid_only_for_its_content_and_token():
    token = bt.parse_token("abcdef.0123456789abcdef")
    signature = bt.detached_signature("kubeconfig", token.id, token.secret)
    assert bt.signature_is_valid(signature, "kubeconfig", token)
    assert not bt.signature_is_valid(signature, "kubeconfig2", token)
    assert not bt.signature_is_valid(signature, "kubeconfig", bt.parse_token("abcdef.0123456789abcdee"))
    assert not bt.signature_is_valid(signature + "foo", "kubeconfig", token)


@pytest.mark.parametrize("text", ["abcdef.0123456789abcdef", "000000.aaaaaaaaaaaaaaaa"])
def test_well_formed_tokens_parse(text):
    token = bt.parse_token(text)
    assert str(token) == text
    assert token.secret_name == f"bootstrap-token-{text[:6]}"
    assert token.user == f"system:bootstrap:{text[:6]}"


@pytest.mark.parametrize(
    "text", ["", "abcdef", "abcdef.0123456789abcde", "ABCDEF.0123456789abcdef", "abcdef:0123456789abcdef",
             "abcdef.0123456789abcdef\n", "abcdefg.0123456789abcdef"],
)  # fmt: skip
def test_malformed_tokens_are_refused(text):
    assert not bt.is_token(text)
    with pytest.raises(bt.TokenError, match="was not of the form"):
        bt.parse_token(text)


def test_generated_tokens_are_well_formed_and_differ():
    tokens = {str(bt.generate_token()) for _ in range(20)}
    assert len(tokens) == 20
    assert all(bt.is_token(t) for t in tokens)


def test_the_secret_has_kubeadms_shape():
    token = bt.parse_token("abcdef.0123456789abcdef")
    secret = bt.token_secret(
        token, expiration=NOW + timedelta(hours=24), groups=["system:bootstrappers:worker"], description="for n1"
    )
    assert secret["metadata"] == {"name": "bootstrap-token-abcdef", "namespace": "kube-system"}
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data == {
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        "description": "for n1",
        "expiration": "2026-01-02T00:00:00Z",
        "usage-bootstrap-signing": "true",
        "usage-bootstrap-authentication": "true",
        "auth-extra-groups": "system:bootstrappers:worker",
    }
    assert bt.secret_token(secret) == token
    assert bt.token_groups(secret) == ["system:bootstrappers", "system:bootstrappers:worker"]


def test_bad_groups_and_usages_are_refused_with_upstreams_words():
    token = bt.generate_token()
    with pytest.raises(bt.TokenError, match="bootstrap group 'system:masters' is invalid"):
        bt.token_secret(token, expiration=None, groups=["system:masters"])
    with pytest.raises(bt.TokenError, match="invalid bootstrap token usage string: fly"):
        bt.token_secret(token, expiration=None, usages=["fly"])


def test_a_secret_whose_name_and_id_disagree_holds_no_token():
    secret = bt.token_secret(bt.parse_token("abcdef.0123456789abcdef"), expiration=None)
    secret["metadata"]["name"] = "bootstrap-token-zzzzzz"
    assert bt.secret_token(secret) is None
    assert bt.secret_token({**secret, "type": "Opaque"}) is None


def test_expiry_as_upstreams_get_expiration():
    token = bt.generate_token()
    assert bt.expiration_of(bt.token_secret(token, expiration=None), NOW) == (0.0, False)
    assert bt.expiration_of(bt.token_secret(token, expiration=NOW + timedelta(seconds=90)), NOW) == (90.0, False)
    assert bt.has_expired(bt.token_secret(token, expiration=NOW), NOW)
    assert bt.has_expired(bt.token_secret(token, expiration=NOW - timedelta(days=1)), NOW)
    garbled = {"type": bt.SECRET_TYPE, "stringData": {"expiration": "tomorrow"}}
    assert bt.expiration_of(garbled, NOW) == (0.0, True)

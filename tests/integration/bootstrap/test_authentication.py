"""The bootstrap token authenticator against a real apiserver (--enable-bootstrap-token-auth): a valid token
is system:bootstrap:<id>; an expired, unknown or mismatched one, or one not meant for authentication, gets 401.

No controller-manager runs in this module (the tokencleaner would delete the expired token before the
request could show the authenticator refusing it): each refused token's Secret is checked to still exist.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kubemini.api import bootstrap_tokens as bt
from tests.integration.bootstrap.conftest import SECRETS, token_http

REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
REVIEW = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}


def review(server, token: str):
    with token_http(server, token) as http:
        return http.post(REVIEWS, json=REVIEW)


def test_a_valid_token_authenticates_as_its_bootstrap_user(join_apiserver, create_token):
    token = create_token(groups=["system:bootstrappers:worker"])
    response = review(join_apiserver, str(token))
    assert response.status_code == 201, response.text
    user = response.json()["status"]["userInfo"]
    assert user["username"] == f"system:bootstrap:{token.id}"
    assert set(user["groups"]) == {"system:bootstrappers", "system:bootstrappers:worker", "system:authenticated"}


def test_an_expired_token_is_refused(join_apiserver, create_token, api):
    token = create_token(expires_in=timedelta(seconds=-5))
    response = review(join_apiserver, str(token))
    assert response.status_code == 401
    assert response.json()["reason"] == "Unauthorized"
    assert api.get_or_none(f"{SECRETS}/{token.secret_name}") is not None  # refused for its expiry, not absence


@pytest.mark.parametrize("wrong", ["secret", "unknown id"])
def test_a_wrong_or_unknown_token_is_refused(join_apiserver, create_token, wrong):
    token = create_token()
    other = bt.generate_token()
    text = f"{token.id}.{other.secret}" if wrong == "secret" else str(other)
    assert review(join_apiserver, text).status_code == 401
    assert review(join_apiserver, str(token)).status_code == 201  # the real one still works


def test_a_token_only_for_signing_does_not_authenticate(join_apiserver, create_token):
    token = create_token(usages=["signing"])
    assert review(join_apiserver, str(token)).status_code == 401


def test_a_bootstrap_token_may_ask_for_certificates_and_nothing_else(join_apiserver, create_token):
    token = create_token()
    with token_http(join_apiserver, str(token)) as http:
        assert http.get("/apis/certificates.k8s.io/v1/certificatesigningrequests").status_code == 200
        assert http.get("/api/v1/namespaces/kube-system/secrets").status_code == 403
    with token_http(join_apiserver, "") as anonymous:  # kubeadm's Role: anyone unauthenticated reads cluster-info
        del anonymous.headers["Authorization"]
        assert anonymous.get("/api/v1/namespaces/kube-public/configmaps/cluster-info").status_code == 200
        assert anonymous.get("/api/v1/namespaces/kube-public/configmaps").status_code == 403

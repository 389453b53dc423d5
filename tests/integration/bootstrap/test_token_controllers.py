"""tokencleaner and bootstrapsigner against a real apiserver, and token discovery (kubemini.join) through them:
an expired token's Secret goes; cluster-info is signed for each signing token; discover_cluster trusts the
CA only with the right token and CA hash.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kubemini.api import bootstrap_tokens as bt
from kubemini.join.discovery import DiscoveryError, ca_cert_hash, discover_cluster
from kubemini.pki.certificates import new_authority
from tests.integration.bootstrap.conftest import SECRETS

CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
DEADLINE_SECONDS = 20.0


def signature_of(api, token: bt.BootstrapToken) -> str | None:
    return (api.get(CLUSTER_INFO).get("data") or {}).get(f"jws-kubeconfig-{token.id}")


def test_the_token_cleaner_deletes_an_expired_token(join_manager, api, create_token):
    expired = create_token(expires_in=timedelta(seconds=1))
    kept = create_token(expires_in=timedelta(hours=1))
    api.wait_for(
        lambda: api.get_or_none(f"{SECRETS}/{expired.secret_name}") is None,
        what=f"{expired.secret_name} deleted once expired",
        timeout=DEADLINE_SECONDS,
    )
    assert api.get_or_none(f"{SECRETS}/{kept.secret_name}") is not None


def test_cluster_info_is_signed_for_signing_tokens_and_not_for_others(join_manager, api, create_token):
    signing = create_token()
    only_auth = create_token(usages=["authentication"])
    signature = api.wait_for(lambda: signature_of(api, signing), what="cluster-info signed", timeout=DEADLINE_SECONDS)
    kubeconfig = api.get(CLUSTER_INFO)["data"]["kubeconfig"]
    assert bt.signature_is_valid(signature, kubeconfig, signing)
    assert signature_of(api, only_auth) is None
    api.http.delete(f"{SECRETS}/{signing.secret_name}")
    api.wait_for(lambda: signature_of(api, signing) is None, what="signature removed", timeout=DEADLINE_SECONDS)


def test_discovery_trusts_the_ca_with_the_right_token_and_hash(join_manager, join_apiserver, create_token):
    token = create_token()
    ca = join_apiserver.ca_path.read_bytes()
    address = join_apiserver.url.removeprefix("https://")
    assert discover_cluster(address, str(token), [ca_cert_hash(ca)], timeout_seconds=DEADLINE_SECONDS) == ca


def test_discovery_refuses_a_wrong_ca_hash(join_manager, join_apiserver, create_token):
    token = create_token()
    wrong = ca_cert_hash(new_authority("not-the-cluster").certificate_pem)
    with pytest.raises(
        DiscoveryError, match=f'none of the public keys "{ca_cert_hash(join_apiserver.ca_path.read_bytes())}"'
    ):
        discover_cluster(join_apiserver.url, str(token), [wrong], timeout_seconds=DEADLINE_SECONDS)


def test_discovery_refuses_a_wrong_or_unknown_token(join_manager, join_apiserver, create_token, api):
    token = create_token()
    api.wait_for(lambda: signature_of(api, token), what="cluster-info signed", timeout=DEADLINE_SECONDS)
    pins = [ca_cert_hash(join_apiserver.ca_path.read_bytes())]
    forged = f"{token.id}.{bt.generate_token().secret}"
    with pytest.raises(DiscoveryError, match="failed to verify JWS signature"):
        discover_cluster(join_apiserver.url, forged, pins, timeout_seconds=DEADLINE_SECONDS)
    with pytest.raises(DiscoveryError, match="there is no JWS signed token in the cluster-info ConfigMap"):
        discover_cluster(join_apiserver.url, str(bt.generate_token()), pins, timeout_seconds=1.0)

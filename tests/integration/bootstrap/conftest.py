"""A cluster that lets machines join: its own etcd and apiserver with --enable-bootstrap-token-auth, and a
controller-manager running the bootstrap and certificate controllers with the cluster CA.

    token Secrets ──► tokencleaner, bootstrapsigner (kube-public/cluster-info signed)
    node CSRs     ──► csrapproving (SubjectAccessReview) ──► csrsigning (the apiserver's own CA)
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kubemini.api import bootstrap_tokens as bt
from tests.integration.controller_manager.cluster import Api, ControllerManager
from tests.support.processes import ApiServer, EtcdServer

CONTROLLERS = "tokencleaner,bootstrapsigner,csrapproving,csrsigning"
SECRETS = f"/api/v1/namespaces/{bt.SECRET_NAMESPACE}/secrets"


@pytest.fixture(scope="package")
def join_apiserver(tmp_path_factory):
    directory = tmp_path_factory.mktemp("join-cluster")
    etcd = EtcdServer(directory / "etcd").start()
    server = ApiServer(etcd.url, directory / "apiserver.log", extra_args=("--enable-bootstrap-token-auth",))
    try:
        yield server.start()
    finally:
        server.stop()
        etcd.stop()


@pytest.fixture(scope="package")
def join_manager(join_apiserver):
    pki = join_apiserver.pki
    flags = (
        "--no-leader-elect", "--controllers", CONTROLLERS,
        "--cluster-signing-cert-file", str(pki.ca_path), "--cluster-signing-key-file", str(pki.ca_key_path),
    )  # fmt: skip
    manager = ControllerManager(join_apiserver.url, pki.directory / "controller-manager.log", flags).start()
    yield manager
    manager.stop()


@pytest.fixture
def api(join_apiserver):
    client = Api(join_apiserver.url)
    yield client
    client.close()


@pytest.fixture
def create_token(api):
    """Create a bootstrap token Secret as the admin; every one made is deleted after the test."""
    made: list[bt.BootstrapToken] = []

    def create(*, expires_in: timedelta | None = timedelta(hours=1), **options) -> bt.BootstrapToken:
        token = bt.generate_token()
        expiration = datetime.now(UTC) + expires_in if expires_in is not None else None
        api.create(SECRETS, bt.token_secret(token, expiration=expiration, **options))
        made.append(token)
        return token

    yield create
    for token in made:
        api.http.delete(f"{SECRETS}/{token.secret_name}")


def token_http(server: ApiServer, token: str) -> httpx.Client:
    """A client that trusts the cluster CA and proves itself with `token` only."""
    context = ssl.create_default_context(cafile=str(server.ca_path))
    return httpx.Client(base_url=server.url, verify=context, headers={"Authorization": f"Bearer {token}"}, timeout=10)

"""Kubelet TLS bootstrapping end to end: `python -m kubelet --bootstrap-kubeconfig` with a bootstrap token
(found through discovery) ends with its own certificate, CN system:node:<name> from the cluster CA,
auto-approved by csrapproving, and registers its Node with it; a bootstrap token's CSR for anything but a
node's client certificate stays pending.

    discover_cluster ──► write_bootstrap_kubeconfig ──► kubelet: CSR node-csr-<digest> ──► csrapproving
    ──► csrsigning ──► <dir>/kubelet.conf (cert + key embedded, 0600) ──► Node Ready as system:node:<name>
"""

from __future__ import annotations

import asyncio
import base64
import sys
from datetime import UTC, datetime, timedelta

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubelet.bootstrap.tls_bootstrap import bootstrap_client_certificate
from kubemini.cli.kubeconfig import build_kubeconfig, write_kubeconfig
from kubemini.join.discovery import ca_cert_hash, discover_cluster, write_bootstrap_kubeconfig
from kubemini.pki.certificates import KeyPair, sign_public_key
from tests.integration.bootstrap.conftest import token_http
from tests.integration.controller_manager.cluster import log_tail, spawn, terminate
from tests.unit.controller_manager.certificates.requests import request_pem

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
DEADLINE_SECONDS = 30.0


def _approved(csr: dict | None) -> bool:
    conditions = ((csr or {}).get("status") or {}).get("conditions") or []
    return any(c["type"] == "Approved" and c["status"] == "True" for c in conditions)


def _ready(node: dict | None) -> bool:
    conditions = ((node or {}).get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def test_a_kubelet_bootstraps_its_own_node_certificate(join_manager, join_apiserver, create_token, api, tmp_path):
    token = create_token()
    ca = discover_cluster(join_apiserver.url, str(token), [ca_cert_hash(join_apiserver.ca_path.read_bytes())])
    bootstrap = write_bootstrap_kubeconfig(tmp_path / "bootstrap-kubelet.conf", join_apiserver.url, ca, str(token))
    kubeconfig = tmp_path / "kubelet.conf"
    argv = [
        sys.executable, "-m", "kubelet", "--runtime", "fake", "--node-name", "joined-1", "--port", "0",
        "--bootstrap-kubeconfig", str(bootstrap), "--kubeconfig", str(kubeconfig), "--cert-dir", str(tmp_path / "pki"),
        "--heartbeat-seconds", "0.5",
    ]  # fmt: skip
    kubelet = spawn(argv, tmp_path / "kubelet.log")
    try:
        node = api.wait_for(
            lambda: kubelet.poll() is None and _ready(api.get_or_none("/api/v1/nodes/joined-1")),
            what="Node joined-1 Ready",
            timeout=DEADLINE_SECONDS,
            seen=lambda: log_tail(tmp_path / "kubelet.log"),
        )
        assert node
    finally:
        terminate(kubelet)
    assert kubeconfig.stat().st_mode & 0o777 == 0o600
    user = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]
    certificate = x509.load_pem_x509_certificate(base64.b64decode(user["client-certificate-data"]))
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:joined-1"
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    authority = x509.load_pem_x509_certificate(ca)
    assert certificate.issuer == authority.subject
    certificate.verify_directly_issued_by(authority)
    [csr] = [c for c in api.get(CSRS)["items"] if c["spec"]["username"] == f"system:bootstrap:{token.id}"]
    assert csr["metadata"]["name"].startswith("node-csr-")
    [approval] = [c for c in csr["status"]["conditions"] if c["type"] == "Approved"]
    assert approval["reason"] == "AutoApproved"
    assert approval["message"] == "Auto approving kubelet client certificate after SubjectAccessReview."
    assert (tmp_path / "pki" / "kubelet-client-current.pem").stat().st_mode & 0o777 == 0o600


def test_a_bootstrap_token_gets_no_approval_for_anything_but_a_node_client_certificate(
    join_manager, join_apiserver, create_token, api
):
    token = create_token()

    def post(name: str, common_name: str, organizations: tuple[str, ...]) -> None:
        body = {
            "metadata": {"name": name},
            "spec": {
                "request": base64.b64encode(request_pem(common_name, organizations)).decode(),
                "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                "usages": ["digital signature", "client auth"],
            },
        }
        with token_http(join_apiserver, str(token)) as http:
            response = http.post(CSRS, json=body)
            assert response.status_code == 201, response.text

    names = [f"csr-{token.id}-admin", f"csr-{token.id}-masters", f"csr-{token.id}-node"]
    try:
        post(names[0], "system:admin", ("system:nodes",))
        post(names[1], "system:node:sneaky", ("system:masters",))
        post(names[2], "system:node:other-node", ("system:nodes",))  # upstream approves any node name (nodeclient)
        api.wait_for(lambda: _approved(api.get_or_none(f"{CSRS}/{names[2]}")), what="the node CSR approved")
        for name in names[:2]:  # never recognized as node client CSRs: the node's approval shows the approver ran
            assert not _approved(api.get(f"{CSRS}/{name}")), name
    finally:
        for name in names:
            api.http.delete(f"{CSRS}/{name}")


def test_a_node_near_its_certificates_end_renews_it_with_its_own(join_manager, join_apiserver, api, tmp_path):
    """selfnodeclient: the node's own identity asks (no bootstrap token at all), csrapproving approves."""
    authority = KeyPair(join_apiserver.ca_path.read_bytes(), join_apiserver.pki.ca_key_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    started = datetime.now(UTC) - timedelta(minutes=55)  # 1 h certificate, 5 min left: under 20 %
    old = sign_public_key(authority, key.public_key(), common_name="system:node:renew-1",
                          organizations=("system:nodes",), valid_for=timedelta(hours=1), now=started)  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kubeconfig = tmp_path / "kubelet.conf"
    write_kubeconfig(kubeconfig, build_kubeconfig(join_apiserver.url, ca_pem=authority.certificate_pem,
                                                  client=KeyPair(old, key_pem)))  # fmt: skip
    renewal = bootstrap_client_certificate(
        kubeconfig=str(kubeconfig),
        bootstrap_kubeconfig=str(tmp_path / "absent.conf"),
        cert_dir=str(tmp_path / "pki"),
        node_name="renew-1",
        timeout_seconds=DEADLINE_SECONDS,
    )
    renewed = asyncio.run(renewal)
    assert renewed
    user = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]
    new = x509.load_pem_x509_certificate(base64.b64decode(user["client-certificate-data"]))
    assert new.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:node:renew-1"
    assert new.not_valid_after_utc > x509.load_pem_x509_certificate(old).not_valid_after_utc + timedelta(days=1)
    [csr] = [c for c in api.get(CSRS)["items"] if c["spec"]["username"] == "system:node:renew-1"]
    [approval] = [c for c in csr["status"]["conditions"] if c["type"] == "Approved"]
    assert approval["message"] == "Auto approving self kubelet client certificate after SubjectAccessReview."
    api.http.delete(f"{CSRS}/{csr['metadata']['name']}")

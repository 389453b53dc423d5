"""csrsigning against the real apiserver: a CSR approved with the real `kubectl certificate approve` is
issued a certificate by the CA given on the command line; a denied one never is; a bad one is Failed;
csrcleaner deletes a request denied over an hour ago.

    new CA (tmp files) ──► python -m controller_manager --controllers csrsigning --cluster-signing-*-file
    POST CSR (fresh key) ──► kubectl certificate approve|deny ──► status.certificate / Failed condition
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kubemini.pki.certificates import new_authority, subject_identity
from tests.integration.controller_manager.cluster import Api, ControllerManager
from tests.support.kubectl import Kubectl, write_kubeconfig

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client"
KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
SIGN_DEADLINE_SECONDS = 15.0


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    directory = tmp_path_factory.mktemp("signing-ca")
    pair = new_authority("csr-test-ca")
    (directory / "ca.crt").write_bytes(pair.certificate_pem)
    (directory / "ca.key").write_bytes(pair.key_pem)
    return pair, directory


@pytest.fixture(scope="module")
def signer(apiserver, ca):
    """A controller-manager running only the CSR controllers (no Lease: the package cluster's manager may hold it)."""
    _, directory = ca
    flags = (
        "--no-leader-elect", "--controllers", "csrsigning,csrcleaner",
        "--cluster-signing-cert-file", str(directory / "ca.crt"),
        "--cluster-signing-key-file", str(directory / "ca.key"),
        "--cluster-signing-duration", "24h",
    )  # fmt: skip
    manager = ControllerManager(apiserver.url, directory / "controller-manager.log", flags).start()
    yield manager
    manager.stop()


@pytest.fixture
def api(apiserver):
    client = Api(apiserver.url)
    created: list[str] = []
    client.created = created  # type: ignore[attr-defined]
    yield client
    for name in created:  # CSRs are cluster-wide and the apiserver is the session's: leave none behind
        client.http.delete(f"{CSRS}/{name}")
    client.close()


@pytest.fixture
def kubectl(apiserver, tmp_path):
    return Kubectl(write_kubeconfig(tmp_path / "kubeconfig", apiserver.url))


def request_pem(common_name: str, organizations: tuple[str, ...] = (), *, names: list | None = None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    subject.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def create_csr(api: Api, pem: bytes, *, signer: str, usages: list[str], **spec) -> str:
    name = f"csr-{secrets.token_hex(4)}"
    body = {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {"request": base64.b64encode(pem).decode(), "signerName": signer, "usages": usages, **spec},
    }
    api.create(CSRS, body)
    api.created.append(name)  # type: ignore[attr-defined]
    return name


def issued(api: Api, name: str) -> x509.Certificate:
    csr = api.wait_for(
        lambda: (c := api.get(f"{CSRS}/{name}")).get("status", {}).get("certificate") and c,
        what=f"status.certificate of {name}",
        timeout=SIGN_DEADLINE_SECONDS,
        seen=lambda: api.get(f"{CSRS}/{name}").get("status"),
    )
    return x509.load_pem_x509_certificate(base64.b64decode(csr["status"]["certificate"]))


def test_an_approved_client_request_is_signed_by_the_cluster_ca(signer, ca, api, kubectl):
    authority, _ = ca
    pem = request_pem("jane", ("developers", "qa"))
    name = create_csr(api, pem, signer=CLIENT_SIGNER, usages=["digital signature", "client auth"],
                      expirationSeconds=3600)  # fmt: skip
    assert "Pending" in kubectl.run("get", "csr", name).stdout
    kubectl.run("certificate", "approve", name)
    approved_at = time.monotonic()
    certificate = issued(api, name)
    print(f"certificate issued {1000 * (time.monotonic() - approved_at):.0f} ms after kubectl approve returned")
    certificate.verify_directly_issued_by(authority.certificate)
    assert subject_identity(certificate) == ("jane", ("developers", "qa"))
    assert certificate.public_key() == x509.load_pem_x509_csr(pem).public_key()
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime.total_seconds() == 3600 + 300, "the hour asked for, plus the 5-minute backdate"
    assert "Approved,Issued" in kubectl.run("get", "csr", name).stdout
    conditions = api.get(f"{CSRS}/{name}")["status"]["conditions"]
    assert [(c["type"], c["reason"]) for c in conditions] == [("Approved", "KubectlApprove")]


def test_the_signing_duration_caps_the_lifetime(signer, api, kubectl):
    name = create_csr(api, request_pem("long"), signer=CLIENT_SIGNER, usages=["client auth"])
    kubectl.run("certificate", "approve", name)
    certificate = issued(api, name)
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime.total_seconds() == 24 * 3600, "--cluster-signing-duration 24h (backdated 5 minutes)"


def test_a_denied_request_stays_unsigned_and_a_signed_one_is_left_alone(signer, api, kubectl):
    denied = create_csr(api, request_pem("mallory"), signer=CLIENT_SIGNER, usages=["client auth"])
    kubectl.run("certificate", "deny", denied)
    first = create_csr(api, request_pem("first"), signer=CLIENT_SIGNER, usages=["client auth"])
    kubectl.run("certificate", "approve", first)
    certificate = api.wait_for(lambda: api.get(f"{CSRS}/{first}")["status"].get("certificate"),
                               what=f"{first} issued", timeout=SIGN_DEADLINE_SECONDS)  # fmt: skip
    # An update event on the issued CSR, then a later request: once that later one is signed, the
    # signer has seen both the deny and the label (one watch, in order) and must have left them be.
    api.merge_patch(f"{CSRS}/{first}", {"metadata": {"labels": {"touched": "yes"}}})
    later = create_csr(api, request_pem("later"), signer=CLIENT_SIGNER, usages=["client auth"])
    kubectl.run("certificate", "approve", later)
    issued(api, later)
    status = api.get(f"{CSRS}/{denied}")["status"]
    assert "certificate" not in status
    assert [c["type"] for c in status["conditions"]] == ["Denied"]
    assert "Denied" in kubectl.run("get", "csr", denied).stdout
    current = api.get(f"{CSRS}/{first}")
    assert current["status"]["certificate"] == certificate, "signed once, never again"
    # ...and the apiserver holds it: an issued certificate cannot be replaced through /status.
    current["status"]["certificate"] = base64.b64encode(new_authority("impostor").certificate_pem).decode()
    response = api.http.put(f"{CSRS}/{first}/status", json=current)
    assert response.status_code == 422, response.text
    assert "status.certificate: Forbidden: updates may not modify existing certificate content" in response.text


def test_a_kubelet_serving_request_gets_its_names(signer, ca, api, kubectl):
    authority, _ = ca
    names = [x509.DNSName("n1.example"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    pem = request_pem("system:node:n1", ("system:nodes",), names=names)
    name = create_csr(api, pem, signer="kubernetes.io/kubelet-serving", usages=["digital signature", "server auth"])
    kubectl.run("certificate", "approve", name)
    certificate = issued(api, name)
    certificate.verify_directly_issued_by(authority.certificate)
    assert subject_identity(certificate) == ("system:node:n1", ("system:nodes",))
    assert list(certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value) == names
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_a_bad_kubelet_request_is_marked_failed(signer, api, kubectl):
    name = create_csr(api, request_pem("system:node:n1", ("not-nodes",)), signer=KUBELET_CLIENT_SIGNER,
                      usages=["digital signature", "client auth"])  # fmt: skip
    kubectl.run("certificate", "approve", name)
    failed = api.wait_for(
        lambda: [c for c in api.get(f"{CSRS}/{name}")["status"].get("conditions", []) if c["type"] == "Failed"],
        what=f"a Failed condition on {name}",
        timeout=SIGN_DEADLINE_SECONDS,
    )
    assert failed[0]["status"] == "True" and failed[0]["reason"] == "SignerValidationFailure"
    assert failed[0]["message"] == "subject organization is not system:nodes"
    assert "certificate" not in api.get(f"{CSRS}/{name}")["status"]
    assert "Approved,Failed" in kubectl.run("get", "csr", name).stdout


def test_the_cleaner_deletes_a_request_denied_over_an_hour_ago(signer, api, kubectl):
    old = create_csr(api, request_pem("old"), signer=CLIENT_SIGNER, usages=["client auth"])
    fresh = create_csr(api, request_pem("fresh"), signer=CLIENT_SIGNER, usages=["client auth"])
    kubectl.run("certificate", "deny", fresh)
    csr = api.get(f"{CSRS}/{old}")
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    csr["status"] = {"conditions": [{"type": "Denied", "status": "True", "reason": "Test", "message": "old",
                                     "lastUpdateTime": two_hours_ago}]}  # fmt: skip
    api._check(api.http.put(f"{CSRS}/{old}/approval", json=csr))
    api.wait_for(lambda: api.get_or_none(f"{CSRS}/{old}") is None, what=f"{old} deleted",
                 timeout=SIGN_DEADLINE_SECONDS)  # fmt: skip
    # The cleaner saw the fresh denial before the old one's (one watch, in order) and kept it.
    assert api.get_or_none(f"{CSRS}/{fresh}") is not None

"""csrsigning with a recording fake client: what it writes, what it leaves alone, the CA files."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography import x509

from controller_manager.certificates.signer import AuthorityError, CSRSigningController, load_authority
from controller_manager.certificates.signing import KUBE_APISERVER_CLIENT, KUBELET_CLIENT
from controller_manager.manager import Settings, build_controllers
from controller_manager.metrics import ControllerMetrics
from kubemini.api.status import make_status
from kubemini.client.controller import Result, TerminalError
from kubemini.client.errors import Conflict
from kubemini.pki.certificates import new_authority, subject_identity
from tests.unit.controller_manager.certificates.requests import APPROVED, DENIED, csr_object, request_pem
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers

CLIENT = ["digital signature", "client auth"]


def write_ca(directory, name: str = "ca"):
    pair = new_authority(name)
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    cert.write_bytes(pair.certificate_pem)
    key.write_bytes(pair.key_pem)
    return pair, str(cert), str(key)


@pytest.fixture
def signer(tmp_path):
    pair, cert, key = write_ca(tmp_path)
    client = FakeClient()
    controller = CSRSigningController(client, shared_informers(client), cert_file=cert, key_file=key)  # type: ignore[arg-type]
    return controller, client, pair


async def test_an_approved_request_gets_its_certificate_through_status(signer):
    controller, client, pair = signer
    fill(controller.requests, csr_object("jane", request_pem("jane", ("dev",)), signer=KUBE_APISERVER_CLIENT,
                                         usages=CLIENT, conditions=APPROVED))  # fmt: skip
    assert await controller.reconcile("jane") is None
    assert client.actions == [("update", "CertificateSigningRequest", "jane")]  # update_status
    body = client.bodies[0]
    assert body["metadata"]["resourceVersion"] == "7", "written as a compare-and-swap on the cached version"
    assert body["status"]["conditions"] == APPROVED
    certificate = x509.load_pem_x509_certificate(base64.b64decode(body["status"]["certificate"]))
    certificate.verify_directly_issued_by(pair.certificate)
    assert subject_identity(certificate) == ("jane", ("dev",))


async def test_a_refused_request_gets_a_failed_condition(signer):
    controller, client, _ = signer
    fill(controller.requests, csr_object("n1", request_pem("system:node:n1"), signer=KUBELET_CLIENT,
                                         usages=CLIENT, conditions=APPROVED))  # fmt: skip
    await controller.reconcile("n1")
    status = client.bodies[0]["status"]
    assert "certificate" not in status
    failed = status["conditions"][-1]
    assert (failed["type"], failed["status"], failed["reason"]) == ("Failed", "True", "SignerValidationFailure")
    assert failed["message"] == "subject organization is not system:nodes"


@pytest.mark.parametrize(
    ("conditions", "certificate"), [(None, None), (DENIED, None), (APPROVED, "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t")]
)
async def test_pending_denied_and_issued_requests_are_left_alone(signer, conditions, certificate):
    controller, client, _ = signer
    fill(controller.requests, csr_object("r", request_pem("r"), signer=KUBE_APISERVER_CLIENT, usages=CLIENT,
                                         conditions=conditions, certificate=certificate))  # fmt: skip
    assert await controller.reconcile("r") is None
    assert await controller.reconcile("gone") is None
    assert client.actions == []


async def test_an_unreadable_request_is_terminal(signer):
    controller, client, _ = signer
    csr = csr_object("r", b"", signer=KUBE_APISERVER_CLIENT, usages=CLIENT, conditions=APPROVED)
    csr["spec"]["request"] = base64.b64encode(b"-----BEGIN CERTIFICATE REQUEST-----\nAA==\n").decode()
    fill(controller.requests, csr)
    with pytest.raises(TerminalError, match="unable to parse csr"):
        await controller.reconcile("r")
    assert client.actions == []


async def test_a_lost_race_is_retried(signer):
    controller, client, _ = signer

    async def conflict(rt, obj):
        raise Conflict(make_status(409, "the object has been modified", reason="Conflict"))

    client.update_status = conflict  # type: ignore[method-assign]
    fill(controller.requests, csr_object("r", request_pem("r"), signer=KUBE_APISERVER_CLIENT, usages=CLIENT,
                                         conditions=APPROVED))  # fmt: skip
    assert await controller.reconcile("r") == Result(requeue=True)


def test_the_ca_files_are_checked_and_reread_when_replaced(tmp_path):
    first, cert, key = write_ca(tmp_path)
    other, _, other_key = write_ca(tmp_path, "other")
    with pytest.raises(AuthorityError, match="does not belong"):
        load_authority(cert, other_key)
    with pytest.raises(AuthorityError, match="error reading"):
        load_authority(cert, str(tmp_path / "missing.key"))
    client = FakeClient()
    controller = CSRSigningController(client, shared_informers(client), cert_file=cert, key_file=key)  # type: ignore[arg-type]
    assert controller.authority.current().certificate_pem == first.certificate_pem
    os.replace(tmp_path / "other.crt", cert)
    os.replace(other_key, key)
    assert controller.authority.current().certificate_pem == other.certificate_pem


def test_the_signer_runs_only_with_both_files(tmp_path, caplog):
    _, cert, key = write_ca(tmp_path)
    client = FakeClient()
    wanted = frozenset({"csrsigning", "csrcleaner"})
    with caplog.at_level("INFO"):
        built = build_controllers(client, shared_informers(client), Settings(controllers=wanted), ControllerMetrics())  # type: ignore[arg-type]
    assert [c.name for c in built] == ["csrcleaner"]
    assert "skipping CSR signer controller because no csr cert/key was specified" in caplog.text
    settings = Settings(controllers=wanted, cluster_signing_cert_file=cert, cluster_signing_key_file=key,
                        cluster_signing_duration_seconds=3600)  # fmt: skip
    built = build_controllers(client, shared_informers(client), settings, ControllerMetrics())  # type: ignore[arg-type]
    assert [c.name for c in built] == ["csrsigning", "csrcleaner"]
    assert built[0].max_seconds == 3600

"""csrcleaner: when each kind of CSR goes (upstream's deadlines), and the DELETE it sends."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from controller_manager.certificates.cleaner import CSRCleanerController, cleanup_deadline
from kubemini.api import timestamps
from kubemini.client.controller import Result
from kubemini.pki.certificates import issue, new_authority, sign_public_key
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(moment: datetime) -> str:
    return timestamps.format_time(moment)


def csr(*conditions: tuple[str, datetime | None], certificate: str | None = None) -> dict:
    status: dict = {
        "conditions": [
            {"type": kind, "status": "True", **({"lastUpdateTime": at(when)} if when else {})}
            for kind, when in conditions
        ]
    }
    if certificate:
        status["certificate"] = certificate
    return {"metadata": {"name": "r", "uid": "u1", "creationTimestamp": at(T0)}, "spec": {}, "status": status}


@pytest.fixture(scope="module")
def certificate_ending_in_two_hours() -> tuple[str, datetime]:
    key = issue(new_authority(), common_name="jane").certificate.public_key()
    pem = sign_public_key(new_authority(), key, common_name="jane", valid_for=2 * HOUR, now=T0)
    return base64.b64encode(pem).decode(), T0 + 2 * HOUR


def test_deadlines(certificate_ending_in_two_hours):
    certificate, end = certificate_ending_in_two_hours
    assert cleanup_deadline(csr())[0] == T0 + 24 * HOUR
    assert cleanup_deadline(csr(("Denied", T0 + HOUR)))[0] == T0 + 2 * HOUR
    assert cleanup_deadline(csr(("Approved", T0), ("Failed", T0 + HOUR)))[0] == T0 + 2 * HOUR
    assert cleanup_deadline(csr(("Approved", T0))) is None, "approved, not yet issued: kept for the signer"
    assert cleanup_deadline(csr(("Approved", T0 + 3 * HOUR), certificate=certificate)) == (
        end,
        "its certificate has expired",
    )
    assert cleanup_deadline(csr(("Approved", T0), certificate=certificate))[0] == T0 + HOUR
    assert cleanup_deadline(csr(("Denied", None))) is None, "no lastUpdateTime: never (zero time)"


async def test_deletes_when_due_and_waits_otherwise():
    client = FakeClient()
    clock = {"now": T0 + HOUR / 2}
    controller = CSRCleanerController(client, shared_informers(client), now=lambda: clock["now"])  # type: ignore[arg-type]
    fill(controller.requests, csr(("Denied", T0)))
    assert await controller.reconcile("r") == Result(requeue_after=1800.0)
    assert client.actions == []
    clock["now"] = T0 + HOUR + timedelta(seconds=1)
    assert await controller.reconcile("r") is None
    assert client.actions == [("delete", "CertificateSigningRequest", "r")]
    assert client.bodies[-1] == {"preconditions": {"uid": "u1"}}
    assert await controller.reconcile("gone") is None

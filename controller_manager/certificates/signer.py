"""CSR signer ("csrsigning"): the cluster CA issues certificates for approved CertificateSigningRequests.

    CSR events ──► its name, only when it wants signing (approved, not denied/failed, not issued,
                   signerName kubernetes.io/kube-apiserver-client[-kubelet] or kubelet-serving)
    reconcile(name):
        cached CSR still wants signing? ── no ──► nothing (level-triggered: an issued one is left alone)
        sign_request(csr, CA, now, --cluster-signing-duration)
            ├─ certificate ──► status.certificate = base64(PEM)      ┐ PUT .../{name}/status with the
            └─ Failure     ──► + condition Failed/SignerValidationFailure ┘ cached resourceVersion
        unreadable request ──► TerminalError (its spec is immutable)
The resourceVersion makes the write a compare-and-swap: a cache that lags behind the CSR we just
signed gets a 409, never a second certificate. The CA files are read again when they change
(upstream reloads them too), so a rotated CA signs from the next request on.
"""

from __future__ import annotations

import base64
import copy
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization

from controller_manager.certificates.signing import (
    DEFAULT_DURATION_SECONDS,
    Failure,
    SigningError,
    UnsignableRequest,
    sign_request,
    wants_signing,
)
from controller_manager.ownership import meta
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key
from kubemini.pki.certificates import KeyPair

CSR = by_kind("CertificateSigningRequest")

log = logging.getLogger(__name__)


class AuthorityError(Exception):
    """The signing certificate and key cannot be used."""


def load_authority(cert_file: str, key_file: str) -> KeyPair:
    """The CA in the two PEM files, checked: the certificate parses, the key parses and matches it."""
    try:
        with open(cert_file, "rb") as cert, open(key_file, "rb") as key:
            pair = KeyPair(cert.read(), key.read())
        certificate, private_key = pair.certificate, pair.key
    except (OSError, ValueError, TypeError) as error:
        raise AuthorityError(f"error reading CA cert file {cert_file!r} / key file {key_file!r}: {error}") from error
    public = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if certificate.public_key().public_bytes(*public) != private_key.public_key().public_bytes(*public):
        raise AuthorityError(f"the key in {key_file!r} does not belong to the certificate in {cert_file!r}")
    return pair


@dataclass
class AuthorityFiles:
    """The CA, read again whenever either file's modification time or size changes."""

    cert_file: str
    key_file: str
    _stamp: tuple | None = None
    _pair: KeyPair | None = None

    def _current_stamp(self) -> tuple:
        stats = [os.stat(path) for path in (self.cert_file, self.key_file)]
        return tuple((s.st_mtime_ns, s.st_size, s.st_ino) for s in stats)

    def current(self) -> KeyPair:
        try:
            stamp = self._current_stamp()
        except OSError as error:
            if self._pair is not None:
                return self._pair  # a file being replaced: keep signing with the CA we have
            raise AuthorityError(str(error)) from error
        if self._pair is None or stamp != self._stamp:
            self._pair, self._stamp = load_authority(self.cert_file, self.key_file), stamp
            log.info("csrsigning: using the CA %s", self._pair.certificate.subject.rfc4514_string())
        return self._pair


def key_if_signable(csr: Mapping[str, Any]) -> str | None:
    return object_key(csr) if wants_signing(csr) else None


def with_outcome(csr: Mapping[str, Any], outcome: bytes | Failure, *, now: datetime) -> dict[str, Any]:
    """A copy of `csr` whose status carries the certificate or the Failed condition."""
    updated = copy.deepcopy(dict(csr))
    status = updated["status"] = dict(updated.get("status") or {})
    if isinstance(outcome, Failure):
        status["conditions"] = [*(status.get("conditions") or []), outcome.condition(now)]
    else:
        status["certificate"] = base64.b64encode(outcome).decode("ascii")
    return updated


class CSRSigningController(ClientController):
    name = "csrsigning"
    default_workers = 5  # kube-controller-manager runs each signer with 5 workers

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        cert_file: str,
        key_file: str,
        max_seconds: float = DEFAULT_DURATION_SECONDS,
        now: Callable[[], datetime] | None = None,
        **common: Any,
    ):
        self.authority = AuthorityFiles(cert_file, key_file)
        self.max_seconds = max_seconds
        self.now = now or (lambda: datetime.now(UTC))
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.requests = self.add_informer(informers.informer(CSR), key_for=key_if_signable)

    async def reconcile(self, key: str) -> Result | None:
        csr = self.requests.get(key)
        if csr is None or not wants_signing(csr):
            return None
        now = self.now()
        try:
            outcome = sign_request(csr, self.authority.current(), now=now, max_seconds=self.max_seconds)
        except UnsignableRequest as error:
            raise TerminalError(f"unable to parse csr {key!r}: {error}") from error
        except (SigningError, AuthorityError) as error:
            raise RuntimeError(f"error auto signing csr {key!r}: {error}") from error
        try:
            await self.client.update_status(CSR, with_outcome(csr, outcome, now=now))
        except NotFound:
            return None
        except Conflict:
            return Result(requeue=True)  # our cache is behind: decide again on the CSR as it is now
        if isinstance(outcome, Failure):
            log.info("csrsigning: %s refused: %s", key, outcome.message, extra={"object": key})
        else:
            log.info("csrsigning: signed %s (%s)", key, meta(csr).get("uid"), extra={"object": key})
        return None

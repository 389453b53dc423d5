"""CSR cleaner ("csrcleaner"): CertificateSigningRequests go once they have served their purpose.

    CSR events ──► its name
    reconcile(name): deadline = the earliest of (upstream's pkg/controller/certificates/cleaner)
        pending (no conditions)            creationTimestamp + 24 h
        Denied / Failed                    the condition's lastUpdateTime + 1 h
        Approved and issued                the Approved condition's lastUpdateTime + 1 h
        Approved and issued                the certificate's notAfter (expired)
      none ──► nothing;  future ──► look again then;  passed ──► DELETE (uid precondition)
Upstream lists every CSR once an hour; here each CSR is looked at when its own deadline comes, so
it goes at that moment rather than up to an hour later. A condition without lastUpdateTime never
expires (upstream treats the zero time the same way).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

from controller_manager.certificates.signing import APPROVED, DENIED, FAILED
from controller_manager.ownership import meta, uid_of
from kubemini.api import timestamps
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers

CSR = by_kind("CertificateSigningRequest")
APPROVED_EXPIRATION = timedelta(hours=1)
DENIED_EXPIRATION = timedelta(hours=1)
PENDING_EXPIRATION = timedelta(hours=24)

log = logging.getLogger(__name__)


def _time(value: Any) -> datetime | None:
    try:
        return timestamps.parse(value) if value else None
    except (TypeError, ValueError):
        return None


def certificate_end(csr: Mapping[str, Any]) -> datetime | None:
    """notAfter of the first certificate in status.certificate (None: none, or unreadable)."""
    text = (csr.get("status") or {}).get("certificate")
    if not text:
        return None
    try:
        return x509.load_pem_x509_certificate(base64.b64decode(text)).not_valid_after_utc
    except (binascii.Error, ValueError, TypeError):
        return None


def cleanup_deadline(csr: Mapping[str, Any]) -> tuple[datetime, str] | None:
    """When `csr` may be deleted and why; None when it is kept for good (as things stand)."""
    status = csr.get("status") or {}
    conditions = status.get("conditions") or []
    issued = bool(status.get("certificate"))
    candidates: list[tuple[datetime, str]] = []
    if not conditions and (created := _time(meta(csr).get("creationTimestamp"))) is not None:
        candidates.append((created + PENDING_EXPIRATION, "pending for more than 24h0m0s"))
    for condition in conditions:
        updated = _time(condition.get("lastUpdateTime"))
        kind = condition.get("type")
        if updated is not None and kind in (DENIED, FAILED):
            candidates.append((updated + DENIED_EXPIRATION, f"{kind.lower()} more than 1h0m0s ago"))
        if kind == APPROVED and issued:
            if updated is not None:
                candidates.append((updated + APPROVED_EXPIRATION, "approved and issued more than 1h0m0s ago"))
            if (end := certificate_end(csr)) is not None:
                candidates.append((end, "its certificate has expired"))
    return min(candidates, default=None)


class CSRCleanerController(ClientController):
    name = "csrcleaner"
    default_workers = 1

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        now: Callable[[], datetime] | None = None,
        **common: Any,
    ):
        self.now = now or (lambda: datetime.now(UTC))
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.requests = self.add_informer(informers.informer(CSR))

    async def reconcile(self, key: str) -> Result | None:
        csr = self.requests.get(key)
        if csr is None or meta(csr).get("deletionTimestamp"):
            return None
        due = cleanup_deadline(csr)
        if due is None:
            return None
        deadline, reason = due
        left = (deadline - self.now()).total_seconds()
        if left > 0:
            return Result(requeue_after=left)
        try:
            await self.client.delete(CSR, key, preconditions={"uid": uid_of(csr)})
        except NotFound:
            return None
        except Conflict:
            return None  # a new CSR of the same name: its own events bring it here
        log.info("csrcleaner: deleted %s: %s", key, reason, extra={"object": key})
        return None

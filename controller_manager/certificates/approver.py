"""CSR approver ("csrapproving"): kubelet client certificates approved after a SubjectAccessReview.

    CSR events ──► its name, while it is pending (no Approved/Denied, no certificate)
    reconcile(name): parse spec.request (unreadable ──► TerminalError)
        recognizers, in upstream's order (pkg/controller/certificates/approver/sarapprove.go):
          selfnodeclient  a kubelet client CSR whose CN is the requester itself (renewal)
          nodeclient      any kubelet client CSR (a new node, asked by a bootstrap token)
        for each one that recognizes the CSR: SubjectAccessReview for spec.username/uid/groups/extra,
          create certificates.k8s.io certificatesigningrequests/<subresource>
          allowed ──► condition Approved/AutoApproved, PUT .../approval; done
        recognized but no review allowed ──► asked again with backoff (upstream's ignorable error)
A kubelet client CSR is what the kubernetes.io/kube-apiserver-client-kubelet signer accepts
(signing.check_request): O=system:nodes only, CN system:node:<name>, no SANs, client auth usages.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from controller_manager.certificates.signing import (
    APPROVED,
    DENIED,
    KUBELET_CLIENT,
    UnsignableRequest,
    check_request,
    has_true_condition,
    parse_request,
    subject_of,
)
from kubemini.api import timestamps
from kubemini.api.registry import by_kind
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

CSR = by_kind("CertificateSigningRequest")
SUBJECT_ACCESS_REVIEW = by_kind("SubjectAccessReview")
REASON = "AutoApproved"

log = logging.getLogger(__name__)


def is_pending(csr: Mapping[str, Any]) -> bool:
    status = csr.get("status") or {}
    if status.get("certificate"):
        return False
    return not (has_true_condition(csr, APPROVED) or has_true_condition(csr, DENIED))


def is_node_client_cert(csr: Mapping[str, Any], request: x509.CertificateSigningRequest) -> bool:
    spec = csr.get("spec") or {}
    if spec.get("signerName") != KUBELET_CLIENT:
        return False
    return check_request(KUBELET_CLIENT, request, [str(u) for u in spec.get("usages") or []]) is None


def is_self_node_client_cert(csr: Mapping[str, Any], request: x509.CertificateSigningRequest) -> bool:
    if (csr.get("spec") or {}).get("username") != subject_of(request)[0]:
        return False
    return is_node_client_cert(csr, request)


@dataclass(frozen=True)
class Recognizer:
    recognize: Any  # (csr, request) -> bool
    subresource: str
    message: str


SELF_MESSAGE = "Auto approving self kubelet client certificate after SubjectAccessReview."
NODE_MESSAGE = "Auto approving kubelet client certificate after SubjectAccessReview."
RECOGNIZERS = (
    Recognizer(is_self_node_client_cert, "selfnodeclient", SELF_MESSAGE),
    Recognizer(is_node_client_cert, "nodeclient", NODE_MESSAGE),
)


def recognized(csr: Mapping[str, Any], request: x509.CertificateSigningRequest) -> list[Recognizer]:
    return [r for r in RECOGNIZERS if r.recognize(csr, request)]


def access_review(csr: Mapping[str, Any], subresource: str) -> dict[str, Any]:
    """The SubjectAccessReview asking whether the CSR's requester may create `<csr>/<subresource>`."""
    spec = csr.get("spec") or {}
    review_spec: dict[str, Any] = {
        "user": spec.get("username", ""),
        "resourceAttributes": {
            "group": "certificates.k8s.io",
            "resource": "certificatesigningrequests",
            "verb": "create",
            "subresource": subresource,
        },
    }
    for field in ("uid", "groups", "extra"):
        if spec.get(field):
            review_spec[field] = copy.deepcopy(spec[field])
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": review_spec}


def with_approval(csr: Mapping[str, Any], message: str, *, now: str) -> dict[str, Any]:
    updated = copy.deepcopy(dict(csr))
    status = updated["status"] = dict(updated.get("status") or {})
    condition = {"type": APPROVED, "status": "True", "reason": REASON, "message": message,
                 "lastUpdateTime": now, "lastTransitionTime": now}  # fmt: skip
    status["conditions"] = [*(status.get("conditions") or []), condition]
    return updated


def key_if_pending(csr: Mapping[str, Any]) -> str | None:
    return object_key(csr) if is_pending(csr) else None


class CSRApprovingController(ClientController):
    name = "csrapproving"
    default_workers = 5

    def setup(self, informers: SharedInformers) -> None:
        self.requests = self.add_informer(informers.informer(CSR), key_for=key_if_pending)

    async def _allowed(self, csr: Mapping[str, Any], subresource: str) -> bool:
        review = await self.client.create(SUBJECT_ACCESS_REVIEW, access_review(csr, subresource))
        return bool((review.get("status") or {}).get("allowed"))

    async def reconcile(self, key: str) -> Result | None:
        csr = self.requests.get(key)
        if csr is None or not is_pending(csr):
            return None
        try:
            request = parse_request(csr)
        except UnsignableRequest as error:
            raise TerminalError(f"unable to parse csr {key!r}: {error}") from error
        tried = []
        for recognizer in recognized(csr, request):
            tried.append(recognizer.subresource)
            if not await self._allowed(csr, recognizer.subresource):
                continue
            approved = with_approval(csr, recognizer.message, now=timestamps.now())
            try:
                await self.client.request("PUT", CSR.object_path(key, None, "approval"), body=approved)
            except NotFound:
                return None
            except Conflict:
                return Result(requeue=True)
            log.info("csrapproving: approved %s (%s)", key, recognizer.subresource, extra={"object": key})
            return None
        if tried:
            # upstream's IgnorableError: logged quietly and retried with backoff (RBAC may change meanwhile)
            log.info("csrapproving: recognized csr %r as %s but subject access review was not approved", key, tried)
            return Result(requeue=True)
        return None

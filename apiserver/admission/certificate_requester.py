"""The requester of a CertificateSigningRequest, written by the server (upstream's csr strategy PrepareForCreate):

    create CSR ──► spec.username / uid / groups / extra = the authenticated user (what the client sent is
                   dropped), status emptied (nobody creates a pre-approved request)
Approvers (csrapproving's SubjectAccessReview) and signers trust these fields, so only the server sets them.
"""

from __future__ import annotations

from apiserver.admission import AdmissionPlugin, Attributes


def with_requester(obj: dict, user) -> None:
    spec = obj.setdefault("spec", {})
    for field in ("username", "uid", "groups", "extra"):
        spec.pop(field, None)
    spec["username"] = user.name
    if user.uid:
        spec["uid"] = user.uid
    if user.groups:
        spec["groups"] = list(user.groups)
    if user.extra:
        spec["extra"] = user.extra_dict()
    obj["status"] = {}


class CertificateRequester(AdmissionPlugin):
    name = "CertificateRequester"

    def handles(self, attrs: Attributes) -> bool:
        return attrs.creates("certificates.k8s.io", "CertificateSigningRequest")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        with_requester(attrs.obj, ctx.user)

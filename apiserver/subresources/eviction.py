"""`pods/eviction`: a policy/v1 Eviction asks for the pod's graceful deletion with its DeleteOptions."""

from __future__ import annotations

from apiserver.errors import bad_request
from apiserver.typed_objects import typed_document

EVICTION_DEFINITION = "io.k8s.api.policy.v1.Eviction"


def check_eviction(body: object, name: str) -> dict:
    eviction = typed_document(EVICTION_DEFINITION, body, kind="Eviction")
    body_name = (eviction.get("metadata") or {}).get("name")
    if body_name and body_name != name:
        raise bad_request(f"name in URL does not match name in Eviction object: {name} != {body_name}")
    return eviction.get("deleteOptions") or {}

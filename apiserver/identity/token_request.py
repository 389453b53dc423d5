"""`serviceaccounts/<name>/token`: the TokenRequest API (what `kubectl create token` and kubelets call).

    POST TokenRequest {spec: audiences, expirationSeconds (600 s .. 2^32 s, default 3600), boundObjectRef}
        the ServiceAccount must exist (404); a bound Pod, Secret or Node must exist with the given uid
        ──► 201 TokenRequest {status: {token, expirationTimestamp}}
Before the cluster's keys are loaded the answer is 503.
"""

from __future__ import annotations

import datetime

from fastapi.responses import JSONResponse, Response

from apiserver.admission import CREATE, Attributes, validate
from apiserver.errors import ApiError, conflict, from_storage, invalid, not_found
from apiserver.identity import tokens
from apiserver.storage.errors import KeyNotFound, StorageError
from apiserver.typed_objects import typed_document
from kubemini.api import registry
from kubemini.api.field_errors import FieldErrors

TOKEN_REQUEST_DEFINITION = "io.k8s.api.authentication.v1.TokenRequest"
DEFAULT_SECONDS, MIN_SECONDS, MAX_SECONDS = 3600, 600, 2**32
BOUND_KINDS = {"Pod": "Pod", "Secret": "Secret", "Node": "Node"}
TOKEN_REQUESTS = registry.ResourceType("authentication.k8s.io", "v1", "TokenRequest", "token", True)


def _check(spec: dict, name: str) -> None:
    errors = FieldErrors()
    seconds = spec.get("expirationSeconds", DEFAULT_SECONDS)
    if seconds < MIN_SECONDS:
        errors.invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")
    elif seconds > MAX_SECONDS:
        errors.invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds")
    reference = spec.get("boundObjectRef")
    if reference is not None and reference.get("kind") not in BOUND_KINDS:
        errors.not_supported("spec.boundObjectRef.kind", reference.get("kind"), tuple(BOUND_KINDS))
    if errors:
        raise invalid(TOKEN_REQUESTS, name, errors)


async def _read(ctx, record, name: str, namespace: str | None) -> dict:
    try:
        return (await ctx.store.get(record.storage_key(name, namespace))).obj
    except KeyNotFound:
        raise not_found(record, name) from None
    except StorageError as exc:
        raise from_storage(exc, record, name) from exc


async def _bound(ctx, reference: dict | None, namespace: str) -> tuple[str, dict] | None:
    if not reference:
        return None
    kind = BOUND_KINDS[reference["kind"]]
    record = registry.by_kind(kind)
    obj = await _read(ctx, record, reference.get("name", ""), namespace if record.namespaced else None)
    uid = reference.get("uid")
    if uid and obj["metadata"].get("uid") != uid:
        raise conflict(
            record,
            reference.get("name", ""),
            f"the UID in the bound object reference ({uid}) does not match the UID in record. "
            "The object might have been deleted and then recreated",
        )
    return kind, obj


async def request_token(ctx, info, body: object) -> Response:
    request = typed_document(TOKEN_REQUEST_DEFINITION, body, kind="TokenRequest")
    spec = dict(request.get("spec") or {})
    _check(spec, info.name)
    if ctx.identity is None:
        raise ApiError(503, "the service account token signer is not ready yet", reason="ServiceUnavailable")
    account = await _read(ctx, info.resource, info.name, info.namespace)
    bound = await _bound(ctx, spec.get("boundObjectRef"), info.namespace)
    # Admission sees the request as a create of serviceaccounts/token (NodeRestriction: a kubelet's
    # tokens only for pods on its node).
    attrs = Attributes(
        info.resource,
        CREATE,
        {"metadata": {"name": info.name}, "spec": spec},
        subresource="token",
        namespace=info.namespace,
        dry_run=ctx.dry_run,
        notes={"token_bound": bound},
    )
    await validate(ctx, attrs)
    spec["audiences"] = list(spec.get("audiences") or tokens.API_AUDIENCES)
    spec["expirationSeconds"] = spec.get("expirationSeconds", DEFAULT_SECONDS)
    token, expires = tokens.issue(
        ctx.identity,
        namespace=info.namespace,
        account=account,
        audiences=spec["audiences"],
        seconds=spec["expirationSeconds"],
        bound=bound,
    )
    expiry = datetime.datetime.fromtimestamp(expires, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": info.name, "namespace": info.namespace, "creationTimestamp": None},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": expiry},
    }
    return JSONResponse(answer, status_code=201)

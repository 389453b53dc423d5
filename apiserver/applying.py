"""PATCH with `application/apply-patch+yaml`: server-side apply over HTTP.

    ?fieldManager= (required) &force= &dryRun= &fieldValidation=
    body (YAML or JSON) ──typed decode──► config
        object exists  → update_object(change = apply_config(live, config))      200
        object missing → create_object(apply_config(None, config))               201
    /status applies own status only; /scale applies a Scale, recorded as the parent's
    spec.replicas under subresource "scale".

The merge, pruning and ownership rules live in apiserver/apply.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from apiserver.apply import Writer, apply_config
from apiserver.decoding.reading import read_patch
from apiserver.errors import ApiError, bad_request, method_not_allowed
from apiserver.metadata import MAIN, STATUS
from apiserver.negotiation import choose, has_protobuf, render
from apiserver.request_info import RequestInfo
from apiserver.subresources import scale
from apiserver.typed_objects import field_validation_mode, typed_object
from apiserver.writing import create_object, update_object
from kubemini.api import timestamps
from kubemini.api.registry import stored_version

CREATE_ATTEMPTS = 3


def patch_options_invalid(field: str, reason: str, message: str) -> ApiError:
    text = f'PatchOptions.meta.k8s.io "" is invalid: {field}: {message}'
    cause = {"reason": reason, "message": message, "field": field}
    return ApiError(
        422, text, reason="Invalid", details={"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [cause]}
    )


def check_force(params, *, apply: bool) -> bool:
    value = params.get("force")
    if value is None:
        return False
    if not apply:
        message = "Forbidden: may not be specified for non-apply patch"
        raise patch_options_invalid("force", "FieldValueForbidden", message)
    if value not in ("true", "false"):
        raise bad_request(f"force must be true or false, got {value[:20]!r}")
    return value == "true"


def _config(info: RequestInfo, body: object, params) -> tuple[dict, list[str]]:
    record = info.resource
    if not isinstance(body, dict):
        raise bad_request("an apply patch must be a YAML or JSON object")
    expected = "autoscaling/v1" if info.subresource == "scale" else record.api_version
    if body.get("apiVersion") != expected:
        raise bad_request(
            "Incorrect version specified in apply patch. "
            f"Specified patch version: {body.get('apiVersion') or ''}, expected: {expected}"
        )
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    if metadata.get("name") not in (None, info.name):
        raise bad_request(
            f"the name of the object ({metadata['name']}) does not match the name on the URL ({info.name})"
        )
    if info.subresource == "scale":
        replicas = scale.replicas_from_scale(body)
        body = {"apiVersion": record.api_version, "kind": record.kind, "metadata": {"name": info.name}}
        body["spec"] = {"replicas": replicas}
    config, warnings = typed_object(record, body, mode=field_validation_mode(params))
    config.setdefault("metadata", {})["name"] = info.name
    return config, warnings


async def serve_apply(ctx, info: RequestInfo, request: Request, *, warning_headers) -> Response:
    params = request.query_params
    manager = params.get("fieldManager")
    if not manager:
        raise patch_options_invalid("fieldManager", "FieldValueRequired", "Required value: is required for apply patch")
    force = check_force(params, apply=True)
    if info.subresource not in (None, "status", "scale"):
        raise method_not_allowed()
    config, warnings = _config(info, await read_patch(request, request.headers.get("content-type", "")), params)
    record = info.resource
    writer = Writer(manager, record.api_version, info.subresource or "", timestamps.now())
    target = info.main() if info.subresource == "scale" else info
    mode = STATUS if info.subresource == "status" else MAIN
    code, result = 200, None

    def change(live: dict) -> dict:
        return apply_config(record, live, config, writer, force=force)

    for _ in range(CREATE_ATTEMPTS):
        try:
            result = await update_object(ctx, target, change, mode=mode, applied=True)
            break
        except ApiError as exc:
            if exc.code != 404 or info.subresource is not None or not _is_not_found_of(exc, record):
                raise
        try:
            made = apply_config(record, None, config, writer, force=force)
            result = await create_object(ctx, record, made, namespace=info.namespace, applied=True)
            code = 201
            break
        except ApiError as exc:
            if exc.status.get("reason") != "AlreadyExists":
                raise
    if result is None:
        raise ApiError(409, "the object changed while it was applied; try again", reason="Conflict")
    accept = request.headers.get("accept", "")
    if info.subresource == "scale":
        return render(scale.to_scale(result, record.strategy), choose(accept, tables=False))
    form = choose(accept, tables=False, protobuf=has_protobuf(record))
    return render(result, form, code=code, headers=warning_headers(warnings))


def _is_not_found_of(error: ApiError, record) -> bool:
    details = error.status.get("details") or {}
    return details.get("kind") == stored_version(record).plural and error.status.get("reason") == "NotFound"

"""The resource endpoints: one handler per HTTP method over every registered kind."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from apiserver import metrics
from apiserver.body import decode_document, read_object, read_optional_object, read_raw
from apiserver.context import ServerContext
from apiserver.deleting import delete_object
from apiserver.errors import ApiError, bad_request
from apiserver.field_validation import check_fields
from apiserver.patching import apply_patch, patch_type
from apiserver.reading import ListQuery, get_object, list_body, list_objects
from apiserver.request_info import RequestInfo, parse_path
from apiserver.storage.dry_run import DryRunStore
from apiserver.storage.errors import StorageError
from apiserver.subresources import bind_pod, replicas_from_scale, to_scale
from apiserver.tables import to_table, wants_table
from apiserver.watching import open_watch
from apiserver.writing import create_object, update_object
from kubemini.api.status import make_status, success_status

log = logging.getLogger("apiserver")


def _ok(obj: dict, code: int = 200, warnings: list[str] | None = None) -> JSONResponse:
    headers = {"Warning": ", ".join(f'299 - "{w}"' for w in warnings)} if warnings else None
    return JSONResponse(obj, status_code=code, headers=headers)


def _method_not_allowed(info: RequestInfo, method: str) -> ApiError:
    return ApiError(
        405, f"the server does not allow this method ({method}) on the requested resource", reason="MethodNotAllowed"
    )


async def serve(request: Request) -> Response:
    """Handle one resource request; every error becomes a Status here, and metrics are recorded."""
    started = time.perf_counter()
    verb = request.method.lower()
    resource = ""
    try:
        info = parse_path(request.url.path)
        resource = info.resource.plural
        response = await handle(request)
    except ApiError as exc:
        response = exc.response()
    except StorageError as exc:
        response = ApiError(503, f"storage is unavailable: {exc}", reason="ServiceUnavailable").response()
    except Exception:  # noqa: BLE001 - a bug must still answer with a Status, and be logged
        log.exception("internal error serving %s %s", request.method, request.url.path)
        response = JSONResponse(make_status(500, "internal error"), status_code=500)
    metrics.REQUESTS.labels(verb, resource, str(response.status_code)).inc()
    if request.query_params.get("watch") not in ("true", "1"):
        metrics.LATENCY.labels(verb, resource).observe(time.perf_counter() - started)
    return response


def _context(request: Request) -> ServerContext:
    """The server context, with a store that writes nothing for `?dryRun=All`."""
    ctx: ServerContext = request.app.state.ctx
    dry_run = request.query_params.getlist("dryRun")
    if not dry_run:
        return ctx
    if dry_run != ["All"]:
        raise bad_request(f"dryRun must be All, got {dry_run}")
    return dataclasses.replace(ctx, store=DryRunStore(ctx.store))


async def handle(request: Request) -> Response:
    ctx = _context(request)
    info = parse_path(request.url.path)
    handler = {"GET": _get, "POST": _post, "PUT": _put, "PATCH": _patch, "DELETE": _delete}.get(request.method)
    if handler is None:
        raise _method_not_allowed(info, request.method)
    return await handler(ctx, info, request)


async def _get(ctx: ServerContext, info: RequestInfo, request: Request) -> Response:
    params, accept = request.query_params, request.headers.get("accept", "")
    if params.get("watch") in ("true", "1"):
        return await open_watch(ctx, info, params, accept)
    if info.name is None:
        items, metadata = await list_objects(ctx, info, ListQuery.from_params(params))
        if wants_table(accept):
            include = params.get("includeObject") or "Metadata"
            return _ok(to_table(info.resource.kind, items, list_metadata=metadata, include_object=include))
        return _ok(list_body(info, items, metadata))
    if info.subresource == "log":
        log_proxy = getattr(ctx, "log_proxy", None)
        if log_proxy is None:
            raise ApiError(503, "no kubelet log endpoint is configured", reason="ServiceUnavailable")
        return await log_proxy(info, request)
    obj = await get_object(ctx, info)
    if info.subresource == "scale":
        return _ok(to_scale(obj))
    if wants_table(accept) and info.subresource is None:
        include = params.get("includeObject") or "Metadata"
        return _ok(
            to_table(
                info.resource.kind,
                [obj],
                list_metadata={"resourceVersion": obj["metadata"]["resourceVersion"]},
                include_object=include,
            )
        )
    return _ok(obj)


async def _post(ctx: ServerContext, info: RequestInfo, request: Request) -> Response:
    body = await read_object(request)
    if info.name is None:
        warnings = check_fields(info.resource.kind, body, request.query_params.get("fieldValidation"))
        return _ok(await create_object(ctx, info.resource, body, namespace=info.namespace), 201, warnings)
    if info.subresource == "binding":
        bound = await update_object(ctx, info, lambda pod: bind_pod(info, pod, body))
        return _ok(success_status(kind="pods", name=bound["metadata"]["name"]), 201)
    raise _method_not_allowed(info, "POST")


def _expected_revision(body: dict) -> str | None:
    metadata = body.get("metadata")
    return (metadata or {}).get("resourceVersion") if isinstance(metadata, dict) else None


async def _write(ctx: ServerContext, info: RequestInfo, change, *, expected: str | None) -> dict:
    return await update_object(ctx, info, change, expected_revision=expected)


async def _put(ctx: ServerContext, info: RequestInfo, request: Request) -> Response:
    if info.name is None:
        raise _method_not_allowed(info, "PUT")
    body = await read_object(request)
    warnings = check_fields(info.resource.kind, body, request.query_params.get("fieldValidation"))
    if info.subresource == "scale":
        replicas = replicas_from_scale(body)

        def rescale(obj: dict) -> dict:
            obj.setdefault("spec", {})["replicas"] = replicas
            return obj

        main = RequestInfo(info.resource, info.namespace, info.name, None)
        return _ok(to_scale(await _write(ctx, main, rescale, expected=_expected_revision(body))))
    if info.subresource == "finalize":
        finalizers = (body.get("spec") or {}).get("finalizers") or []

        def finalize(obj: dict) -> dict:
            obj.setdefault("spec", {})["finalizers"] = finalizers
            return obj

        main = RequestInfo(info.resource, info.namespace, info.name, None)
        return _ok(await _write(ctx, main, finalize, expected=_expected_revision(body)))
    if info.subresource not in (None, "status"):
        raise _method_not_allowed(info, "PUT")
    return _ok(await _write(ctx, info, lambda _current: body, expected=_expected_revision(body)), warnings=warnings)


async def _patch(ctx: ServerContext, info: RequestInfo, request: Request) -> Response:
    if info.name is None:
        raise _method_not_allowed(info, "PATCH")
    kind = patch_type(request.headers.get("content-type", ""))
    if kind == "apply":
        raise ApiError(
            415, "server-side apply (application/apply-patch+yaml) is not supported yet", reason="UnsupportedMediaType"
        )
    patch = decode_document(await read_raw(request), "json")
    if info.subresource == "scale":
        main = RequestInfo(info.resource, info.namespace, info.name, None)

        def rescale(obj: dict) -> dict:
            replicas = replicas_from_scale(apply_patch(kind, to_scale(obj), patch))
            obj.setdefault("spec", {})["replicas"] = replicas
            return obj

        return _ok(to_scale(await _write(ctx, main, rescale, expected=None)))
    if info.subresource not in (None, "status"):
        raise _method_not_allowed(info, "PATCH")
    expected = _expected_revision(patch) if isinstance(patch, dict) else None
    warnings: list[str] = []

    def patched(current: dict) -> dict:
        result = apply_patch(kind, current, patch)
        warnings[:] = check_fields(info.resource.kind, result, request.query_params.get("fieldValidation"))
        return result

    return _ok(await _write(ctx, info, patched, expected=expected), warnings=warnings)


async def _delete(ctx: ServerContext, info: RequestInfo, request: Request) -> Response:
    options = await read_optional_object(request)
    params = request.query_params
    for key in ("gracePeriodSeconds", "propagationPolicy", "orphanDependents"):
        if key in params and key not in options:
            value = params[key]
            if key == "gracePeriodSeconds":
                if not value.lstrip("-").isdigit():
                    raise bad_request("gracePeriodSeconds must be an integer")
                options[key] = int(value)
            else:
                options[key] = value == "true" if key == "orphanDependents" else value
    if info.subresource is not None:
        raise _method_not_allowed(info, "DELETE")
    if info.name is not None:
        obj, _deleted = await delete_object(ctx, info, options)
        return _ok(obj)
    items, metadata = await list_objects(ctx, info, ListQuery.from_params(params))
    deleted = await asyncio.gather(
        *[
            delete_object(
                ctx,
                RequestInfo(info.resource, item["metadata"].get("namespace"), item["metadata"]["name"], None),
                options,
            )
            for item in items
        ],
        return_exceptions=True,
    )
    survivors = [obj for obj, _ in (d for d in deleted if isinstance(d, tuple))]
    return _ok(list_body(info, survivors, metadata))

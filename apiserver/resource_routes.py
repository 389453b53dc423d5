"""The resource endpoints: one handler per HTTP method over every registered kind.

request ──parse_path──► RequestInfo(record, namespace, name, subresource)
    GET    list · get · watch · /status · /scale · /log           (reading.py, watching.py)
    POST   create · /binding · /eviction · virtual resources      (writing.py)
    PUT    replace · /status · /scale · /finalize · /approval     (writing.py)
    PATCH  json / merge / strategic patch of the object, /status, /scale
    DELETE delete · deletecollection                              (deleting.py)
every answer in the negotiated form (negotiation.py); every error a Status (`serve`)
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from apiserver import metrics
from apiserver.access import request_user
from apiserver.admission import warnings as admission_warnings
from apiserver.applying import check_force, serve_apply
from apiserver.audit.events import annotate
from apiserver.decoding.reading import read_object, read_options, read_patch
from apiserver.deleting import delete_object
from apiserver.errors import ApiError, bad_request, method_not_allowed
from apiserver.identity import token_request
from apiserver.metadata import DIRECT, MAIN, STATUS
from apiserver.negotiation import (
    JSON,
    PARTIAL,
    TABLE,
    choose,
    has_protobuf,
    partial_list,
    partial_metadata,
    render,
)
from apiserver.patching import apply_patch, patch_type
from apiserver.reading import ListQuery, get_entry, list_body, list_entries, list_objects
from apiserver.request_info import RequestInfo, parse_path
from apiserver.request_params import (
    TRUE_VALUES,
    check_write_params,
    delete_options_from,
    dry_run,
    field_manager,
    warning_headers,
)
from apiserver.serialized import json_response, list_json, object_json
from apiserver.storage.errors import StorageError
from apiserver.subresources import approval, binding, ephemeral_containers, eviction, finalize, scale
from apiserver.subresources.streaming import UPGRADE_SUBRESOURCES, refuse_without_upgrade
from apiserver.tables import to_table
from apiserver.typed_objects import field_validation_mode, typed_object
from apiserver.virtual import VIRTUAL_HANDLERS
from apiserver.watching import open_watch
from apiserver.writing import create_object, served, update_object
from kubemini.api.status import make_status, success_status

log = logging.getLogger("apiserver")


async def serve(request: Request) -> Response:
    """Handle one resource request; every error becomes a Status here, and metrics are recorded."""
    started = time.perf_counter()
    verb = request.method.lower()
    resource = ""
    warned = admission_warnings.collect()
    try:
        info = parse_path(request.scope["path"])
        resource = info.resource.plural
        response = await handle(request, info)
        deprecated = getattr(info.resource.strategy, "deprecation_warning", None)
        if deprecated:  # every request to a deprecated custom resource version is told so
            response.headers.append("Warning", warning_headers([deprecated])["Warning"])
    except ApiError as exc:
        response = exc.response()
    except StorageError as exc:
        response = ApiError(503, f"storage is unavailable: {exc}", reason="ServiceUnavailable").response()
    except RecursionError:
        response = bad_request("the request is nested too deeply").response()
    except ClientDisconnect:  # the client went away before its body arrived: nothing was done
        response = bad_request("the client closed the connection before sending its whole body").response()
    except Exception:  # noqa: BLE001 - a bug must still answer with a Status, and be logged
        request_id = uuid.uuid4().hex[:12]
        log.exception("internal error %s serving %s %s", request_id, request.method, request.scope["path"])
        response = JSONResponse(make_status(500, f"Internal error occurred: request {request_id}"), status_code=500)
    for text in warned:  # admission's warnings (PodSecurity warn), sent with an answer or a refusal
        response.headers.append("Warning", warning_headers([text])["Warning"])
    for key, value in admission_warnings.annotations().items():  # PodSecurity audit, onto the audit event
        annotate(request.scope, key, value)
    metrics.REQUESTS.labels(verb, resource, str(response.status_code)).inc()
    if request.query_params.get("watch") not in TRUE_VALUES:
        metrics.LATENCY.labels(verb, resource).observe(time.perf_counter() - started)
    return response


async def handle(request: Request, info: RequestInfo) -> Response:
    ctx = request.app.state.ctx.for_request(manager=field_manager(request), user=request_user(request.scope))
    if dry_run(request.query_params):
        ctx = ctx.for_dry_run()
    if info.resource.virtual:
        return await VIRTUAL_HANDLERS[info.resource.virtual](ctx, info, request)
    if info.subresource == "ephemeralcontainers":
        return await ephemeral_containers.serve(ctx, info, request)
    if info.subresource in UPGRADE_SUBRESOURCES:
        await refuse_without_upgrade(ctx, info, request)  # served over WebSocket only (app.py routes those)
    handler = {"GET": _get, "POST": _post, "PUT": _put, "PATCH": _patch, "DELETE": _delete}.get(request.method)
    if handler is None:
        raise method_not_allowed()
    return await handler(ctx, info, request)


def _answer(info: RequestInfo, obj: dict, form: str, *, code: int = 200, include: str = "Metadata", headers=None):
    if form == TABLE:
        metadata = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
        return render(to_table(info.resource, [obj], list_metadata=metadata, include_object=include), JSON, code=code)
    if form == PARTIAL:
        return render(partial_metadata(obj), JSON, code=code, headers=headers)
    return render(obj, form, code=code, headers=headers)


async def _get(ctx, info: RequestInfo, request: Request) -> Response:
    params, accept = request.query_params, request.headers.get("accept", "")
    if params.get("watch") in TRUE_VALUES:
        return await open_watch(ctx, info, params, form=choose(accept, protobuf=has_protobuf(info.resource)))
    include = params.get("includeObject") or "Metadata"
    if include not in ("None", "Metadata", "Object"):
        raise bad_request(f"includeObject must be None, Metadata or Object, got {include!r}")
    if info.name is None:
        form = choose(accept, protobuf=has_protobuf(info.resource))
        entries, metadata = await list_entries(ctx, info, ListQuery.from_params(params))
        if form == JSON:
            return json_response(list_json(info.resource, entries, metadata))
        items = [served(info.resource, entry.obj) for entry in entries]
        if form == TABLE:
            return render(to_table(info.resource, items, list_metadata=metadata, include_object=include), JSON)
        if form == PARTIAL:
            return render(partial_list(items, metadata), JSON)
        return render(list_body(info, items, metadata), form)
    if info.subresource == "log":
        return await ctx.log_proxy(info, request)
    if info.subresource not in (None, "status", "scale"):
        raise method_not_allowed()
    entry = await get_entry(ctx, info)
    if info.subresource == "scale":
        return render(
            scale.to_scale(served(info.resource, entry.obj), info.resource.strategy),
            choose(accept, tables=False, protobuf=True),
        )
    form = choose(accept, protobuf=has_protobuf(info.resource))
    if form == JSON:
        return json_response(object_json(info.resource, entry))
    return _answer(info, served(info.resource, entry.obj), form, include=include)


async def _post(ctx, info: RequestInfo, request: Request) -> Response:
    params = request.query_params
    check_write_params(params)
    decoded = await read_object(request)
    accept = request.headers.get("accept", "")
    if info.name is None:
        obj, warnings = typed_object(
            info.resource, decoded.document, mode=field_validation_mode(params), duplicates=decoded.duplicates
        )
        created = await create_object(ctx, info.resource, obj, namespace=info.namespace)
        form = choose(accept, tables=False, protobuf=has_protobuf(info.resource))
        return _answer(info, created, form, code=201, headers=warning_headers(warnings))
    if info.subresource == "binding":
        target = binding.check_binding(decoded.document)
        return await binding.bind(ctx, info.with_subresource("binding"), target)
    if info.subresource == "eviction":
        return await eviction.evict(ctx, info, decoded.document)
    if info.subresource == "token":
        return await token_request.request_token(ctx, info, decoded.document)
    raise method_not_allowed()


def _expected_revision(body: object) -> str | None:
    metadata = body.get("metadata") if isinstance(body, dict) else None
    revision = metadata.get("resourceVersion") if isinstance(metadata, dict) else None
    if revision is not None and not isinstance(revision, str):
        raise bad_request("metadata.resourceVersion must be a string")
    if revision and (not revision.isdigit() or int(revision) > 2**63 - 1):
        raise bad_request(f"invalid resource version: {revision[:40]}")
    return revision or None


async def _put(ctx, info: RequestInfo, request: Request) -> Response:
    if info.name is None:
        raise method_not_allowed()
    params = request.query_params
    check_write_params(params)
    decoded = await read_object(request)
    accept = request.headers.get("accept", "")
    body = decoded.document
    expected = _expected_revision(body)
    if info.subresource == "scale":
        replicas = scale.replicas_from_scale(body)
        strategy = info.resource.strategy
        updated = await update_object(
            ctx,
            info.main(),
            lambda obj: scale.with_replicas(obj, replicas, strategy),
            expected_revision=expected,
            owner_subresource="scale",
        )
        return render(scale.to_scale(updated, strategy), choose(accept, tables=False))
    if info.subresource not in (None, "status", "finalize", "approval"):
        raise method_not_allowed()
    obj, warnings = typed_object(info.resource, body, mode=field_validation_mode(params), duplicates=decoded.duplicates)
    if info.subresource == "finalize":
        change, mode = (lambda current: finalize.finalized(current, obj)), DIRECT
    elif info.subresource == "approval":
        change, mode = (lambda current: approval.approved(current, obj)), STATUS
    else:
        change, mode = (lambda _current: obj), (STATUS if info.subresource == "status" else MAIN)
    updated = await update_object(ctx, info, change, expected_revision=expected, mode=mode)
    form = choose(accept, tables=False, protobuf=has_protobuf(info.resource))
    return _answer(info, updated, form, headers=warning_headers(warnings))


async def _patch(ctx, info: RequestInfo, request: Request) -> Response:
    if info.name is None:
        raise method_not_allowed()
    params = request.query_params
    check_write_params(params)
    content_type = request.headers.get("content-type", "")
    kind = patch_type(content_type)
    if kind == "strategic" and not getattr(info.resource.strategy, "accepts_strategic_merge", True):
        raise ApiError(  # custom resources have no patch strategies: upstream refuses, kubectl falls back
            415,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            reason="UnsupportedMediaType",
        )
    if kind == "apply":
        return await serve_apply(ctx, info, request, warning_headers=warning_headers)
    check_force(params, apply=False)
    patch = await read_patch(request, content_type)
    accept = request.headers.get("accept", "")
    if info.subresource == "scale":
        strategy = info.resource.strategy

        def rescale(obj: dict) -> dict:
            patched = apply_patch(kind, scale.to_scale(obj, strategy), patch, record=None)
            return scale.with_replicas(obj, scale.replicas_from_scale(patched), strategy)

        rescaled = await update_object(ctx, info.main(), rescale, owner_subresource="scale")
        return render(scale.to_scale(rescaled, strategy), choose(accept, tables=False))
    if info.subresource not in (None, "status"):
        raise method_not_allowed()
    mode = field_validation_mode(params)
    warnings: list[str] = []

    def patched(current: dict) -> dict:
        result = apply_patch(kind, current, patch, record=info.resource)
        typed, found = typed_object(info.resource, result, mode=mode)
        warnings[:] = found
        return typed

    expected = _expected_revision(patch) if isinstance(patch, dict) else None
    updated = await update_object(
        ctx, info, patched, expected_revision=expected, mode=STATUS if info.subresource == "status" else MAIN
    )
    form = choose(accept, tables=False, protobuf=has_protobuf(info.resource))
    return _answer(info, updated, form, headers=warning_headers(warnings))


async def _delete(ctx, info: RequestInfo, request: Request) -> Response:
    if info.subresource is not None:
        raise method_not_allowed()
    decoded = await read_options(request)
    options = delete_options_from(decoded.document, request.query_params)
    if options.dry_run and not ctx.dry_run:
        ctx = ctx.for_dry_run()
    accept = request.headers.get("accept", "")
    if info.name is not None:
        obj, deleted = await delete_object(ctx, info, options)
        if deleted and not info.resource.strategy.returns_deleted_object:
            return JSONResponse(
                success_status(
                    kind=info.resource.plural,
                    name=info.name,
                    group=info.resource.group,
                    uid=obj["metadata"].get("uid", ""),
                )
            )
        return _answer(info, obj, choose(accept, tables=False))
    items, metadata = await list_objects(ctx, info, ListQuery.from_params(request.query_params))
    outcomes = await asyncio.gather(
        *[
            delete_object(ctx, info.child(item["metadata"].get("namespace"), item["metadata"]["name"]), options)
            for item in items
        ],
        return_exceptions=True,
    )
    survivors = [outcome[0] for outcome in outcomes if isinstance(outcome, tuple)]
    return render(list_body(info, survivors, metadata), choose(accept, tables=False))

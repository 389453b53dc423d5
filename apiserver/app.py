"""The application: lifespan (etcd, watch caches, bootstrap objects) and the non-resource routes.

    /healthz /livez /readyz /metrics /version
    /api /apis (plain or aggregated discovery), /apis/<g>, /api/<v>, /apis/<g>/<v> (trailing slash too)
    /openapi/v2 (JSON or gnostic protobuf), /openapi/v3, /openapi/v3/<gv>
    resource paths → resource_routes.serve (a fast path past the framework)
Every answer that is not a success is a `Status`, the framework's own errors included.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from apiserver import bootstrap, discovery, metrics, resource_routes
from apiserver.access import admit_request
from apiserver.admission.service_ips import DEFAULT_SERVICE_CIDR, ServiceNetwork
from apiserver.audit.recording import AuditSetup
from apiserver.authentication.chain import AuthenticationSettings
from apiserver.context import ServerContext
from apiserver.crds.controller import CrdController
from apiserver.errors import ApiError, path_not_found
from apiserver.identity import tokens
from apiserver.openapi.documents import OpenAPICache
from apiserver.storage.encryption.reloading import EncryptionSetup
from apiserver.storage.errors import StorageError
from apiserver.storage.etcd_store import EtcdStore
from apiserver.subresources import proxy
from apiserver.subresources.log import proxy_pod_log
from apiserver.subresources.streaming import serve_websocket
from kubemini import json_codec
from kubemini.api.status import make_status

log = logging.getLogger("apiserver")
OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
OPENAPI_V2_PROTOBUF_ACCEPTED = (OPENAPI_V2_PROTOBUF, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")


def _status_response(code: int, message: str, reason: str | None = None) -> JSONResponse:
    return JSONResponse(make_status(code, message, reason=reason), status_code=code)


def _document(payload: bytes, media_type: str, etag: str, request: Request) -> Response:
    headers = {"ETag": f'"{etag}"', "Vary": "Accept"}
    if request.headers.get("if-none-match", "").strip('"') == etag:
        return Response(status_code=304, headers=headers)
    return Response(payload, media_type=media_type, headers=headers)


def create_app(
    *,
    etcd_endpoints: list[tuple[str, int]],
    advertise_address: str = "127.0.0.1:6443",
    scheme: str = "https",
    watch_queue_events: int,
    service_cidr: str = DEFAULT_SERVICE_CIDR,
    signing_key_pem: bytes | None = None,
    ca_pem: bytes | None = None,
    authentication: AuthenticationSettings | None = None,
    authorization=None,
    encryption: EncryptionSetup | None = None,
    audit: AuditSetup | None = None,
) -> ResourceFastPath:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = EtcdStore(etcd_endpoints, values=encryption.transformer() if encryption else None)
        reloader = encryption.follow(store) if encryption else None
        ctx = ServerContext(
            store, watch_queue_events=watch_queue_events, service_network=ServiceNetwork.parse(service_cidr)
        )
        ctx.log_proxy = functools.partial(proxy_pod_log, ctx)
        ctx.authentication = authentication or AuthenticationSettings()
        if authorization is not None:
            ctx.authorization = authorization
        app.state.ctx = ctx
        ctx.start_caches()
        # Every stored CRD is served before the API is (bounded when etcd is down); then kept in step.
        ctx.crds = CrdController(ctx)
        await ctx.crds.start()
        # Serving starts at once; the objects every cluster starts with are ensured alongside
        # (a stuck one, such as a Service in a terminating namespace, never keeps the API down).
        bootstrapping = asyncio.create_task(
            bootstrap.ensure_all(ctx, advertise_address, scheme=scheme, signing_key_pem=signing_key_pem, ca_pem=ca_pem)
        )
        yield
        bootstrapping.cancel()
        await asyncio.gather(bootstrapping, return_exceptions=True)
        await ctx.crds.stop()
        await ctx.stop_caches()
        if reloader is not None:
            await reloader.stop()
        if audit is not None:
            await asyncio.to_thread(audit.writer.close)
        await store.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None, redirect_slashes=False)
    openapi = OpenAPICache()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return path_not_found().response()
        return _status_response(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _status_response(400, "the request could not be read")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error serving %s %s", request.method, request.url.path)
        return _status_response(500, "Internal error occurred: unexpected error")

    @app.get("/.well-known/openid-configuration")
    async def openid_configuration() -> JSONResponse:
        return JSONResponse(tokens.openid_configuration())

    @app.get("/openid/v1/jwks")
    async def openid_keys(request: Request) -> Response:
        identity = request.app.state.ctx.identity
        if identity is None:
            return _status_response(503, "the service account signing key is not loaded yet")
        return Response(json_codec.dumps(tokens.jwks(identity)), media_type="application/jwk-set+json")

    @app.get("/healthz")
    @app.get("/livez")
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/readyz")
    async def readyz(request: Request) -> Response:
        ctx = request.app.state.ctx
        try:
            await ctx.store.current_revision()
        except StorageError as exc:
            return PlainTextResponse(f"etcd not reachable: {exc}", status_code=503)
        if not ctx.bootstrapped.is_set():
            return PlainTextResponse("[-]poststarthook/bootstrap-objects: not finished", status_code=503)
        if not ctx.crds.synced.is_set():
            return PlainTextResponse("[-]poststarthook/crd-informer-synced: not finished", status_code=503)
        return PlainTextResponse("ok")

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.get("/version")
    @app.get("/version/")
    async def version() -> JSONResponse:
        return JSONResponse(discovery.version_info())

    @app.get("/api")
    @app.get("/api/")
    async def api_versions(request: Request) -> JSONResponse:
        aggregated = discovery.wants_aggregated(request.headers.get("accept", ""))
        if aggregated:
            media = discovery.AGGREGATED_MEDIA_TYPE.format(version=aggregated)
            return JSONResponse(discovery.aggregated(aggregated, core=True), media_type=media)
        return JSONResponse(discovery.core_versions(advertise_address))

    @app.get("/apis")
    @app.get("/apis/")
    async def api_groups(request: Request) -> JSONResponse:
        aggregated = discovery.wants_aggregated(request.headers.get("accept", ""))
        if aggregated:
            media = discovery.AGGREGATED_MEDIA_TYPE.format(version=aggregated)
            return JSONResponse(discovery.aggregated(aggregated, core=False), media_type=media)
        return JSONResponse(discovery.group_list())

    @app.get("/openapi/v2")
    async def openapi_v2(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        if any(media in accept for media in OPENAPI_V2_PROTOBUF_ACCEPTED):
            rendered = openapi.v2_protobuf()
            return _document(rendered.body, OPENAPI_V2_PROTOBUF, rendered.etag, request)
        if accept and not any(m in accept for m in ("application/json", "*/*")):
            return _status_response(
                406, f"only the following media types are accepted: application/json, {OPENAPI_V2_PROTOBUF}"
            )
        rendered = openapi.v2_json()
        return _document(rendered.body, "application/json", rendered.etag, request)

    @app.get("/openapi/v3")
    async def openapi_root() -> JSONResponse:
        return JSONResponse(openapi.v3_root())

    @app.get("/openapi/v3/{path:path}")
    async def openapi_group_version(path: str, request: Request) -> Response:
        parts = path.strip("/").split("/")
        rendered = None
        if len(parts) == 2 and parts[0] == "api":
            rendered = openapi.v3("", parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            rendered = openapi.v3(parts[1], parts[2])
        if rendered is None:
            return path_not_found().response()
        return _document(rendered.body, "application/json", rendered.etag, request)

    @app.get("/api/{version}")
    @app.get("/api/{version}/")
    async def core_resources(version: str) -> JSONResponse:
        document = discovery.resource_list("", version)
        return JSONResponse(document) if document else path_not_found().response()

    @app.get("/apis/{group}")
    @app.get("/apis/{group}/")
    async def group_info(group: str) -> JSONResponse:
        document = discovery.group(group)
        return JSONResponse(document) if document else path_not_found().response()

    @app.get("/apis/{group}/{version}")
    @app.get("/apis/{group}/{version}/")
    async def group_resources(group: str, version: str) -> JSONResponse:
        document = discovery.resource_list(group, version)
        return JSONResponse(document) if document else path_not_found().response()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    async def anything_else(path: str) -> JSONResponse:
        return path_not_found().response()

    return audit.wrap(ResourceFastPath(app)) if audit else ResourceFastPath(app)


async def _refuse(scope, receive, send, refused: ApiError) -> None:
    if scope["type"] == "websocket":
        await WebSocket(scope, receive, send).send_denial_response(refused.response())
        return
    await refused.response()(scope, receive, send)


def _is_resource_path(path: str) -> bool:
    """`/api/v1/<resource>...` or `/apis/<group>/<version>/<resource>...` (discovery paths are shorter)."""
    depth = path.rstrip("/").strip("/").count("/")
    return (path.startswith("/api/") and depth >= 2) or (path.startswith("/apis/") and depth >= 3)


class ResourceFastPath:
    """Resource requests go straight to their handler; FastAPI serves discovery, health and OpenAPI.

    Skipping the framework's routing and middleware stack for the hot path
    roughly doubles request throughput; errors and metrics are handled in
    `resource_routes.serve` for every resource request.
    """

    def __init__(self, app: FastAPI):
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            try:
                await admit_request(self.app.state.ctx, scope)
            except ApiError as refused:
                await _refuse(scope, receive, send, refused)
                return
        target = proxy.match(scope["path"]) if scope["type"] == "http" else None
        if target is not None:  # pods/proxy, services/proxy, nodes/proxy
            request = Request(scope, receive)
            request.scope["app"] = self.app
            await (await proxy.serve(request, target))(scope, receive, send)
            return
        if scope["type"] == "http" and _is_resource_path(scope["path"]):
            request = Request(scope, receive)
            request.scope["app"] = self.app
            response = await resource_routes.serve(request)
            await response(scope, receive, send)
            return
        if scope["type"] == "websocket" and _is_resource_path(scope["path"]):
            await serve_websocket(scope, receive, send, self.app.state.ctx)  # exec, attach, portforward
            return
        await self.app(scope, receive, send)

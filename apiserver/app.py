"""The FastAPI application: lifespan (etcd, watch caches, default namespaces) and routes."""

from __future__ import annotations

import functools
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from apiserver import discovery, metrics, openapi, resource_routes
from apiserver.bootstrap import ensure_default_namespaces, ensure_kubernetes_service
from apiserver.context import ServerContext
from apiserver.errors import ApiError
from apiserver.log_proxy import proxy_pod_log
from apiserver.service_allocation import DEFAULT_SERVICE_CIDR, ServiceNetwork
from apiserver.storage.errors import StorageError
from apiserver.storage.etcd_store import EtcdStore

log = logging.getLogger("apiserver")


def _not_found(path: str) -> JSONResponse:
    return ApiError(404, f"the server could not find the requested resource ({path})", reason="NotFound").response()


def create_app(
    *,
    etcd_endpoints: list[tuple[str, int]],
    advertise_address: str = "127.0.0.1:8080",
    watch_queue_events: int,
    service_cidr: str = DEFAULT_SERVICE_CIDR,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = EtcdStore(etcd_endpoints)
        ctx = ServerContext(
            store, watch_queue_events=watch_queue_events, service_network=ServiceNetwork.parse(service_cidr)
        )
        ctx.log_proxy = functools.partial(proxy_pod_log, ctx)
        app.state.ctx = ctx
        ctx.start_caches()
        await ensure_default_namespaces(ctx)
        await ensure_kubernetes_service(ctx, advertise_address)
        yield
        await ctx.stop_caches()
        await store.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    @app.get("/livez")
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/readyz")
    async def readyz(request: Request) -> Response:
        try:
            await request.app.state.ctx.store.current_revision()
        except StorageError as exc:
            return PlainTextResponse(f"etcd not reachable: {exc}", status_code=503)
        return PlainTextResponse("ok")

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.get("/version")
    async def version() -> JSONResponse:
        return JSONResponse(discovery.version_info())

    @app.get("/api")
    async def api_versions() -> JSONResponse:
        return JSONResponse(discovery.core_versions(advertise_address))

    @app.get("/apis")
    async def api_groups() -> JSONResponse:
        return JSONResponse(discovery.group_list())

    @app.get("/openapi/v3")
    async def openapi_root() -> JSONResponse:
        return JSONResponse(openapi.root_document())

    @app.get("/openapi/v3/{path:path}")
    async def openapi_group_version(path: str) -> JSONResponse:
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "api":
            document = openapi.group_version_document("", parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            document = openapi.group_version_document(parts[1], parts[2])
        else:
            document = None
        return JSONResponse(document) if document else _not_found(f"/openapi/v3/{path}")

    @app.get("/api/{version}")
    async def core_resources(version: str) -> JSONResponse:
        document = discovery.resource_list("", version)
        return JSONResponse(document) if document else _not_found(f"/api/{version}")

    @app.get("/apis/{group}")
    async def group_info(group: str) -> JSONResponse:
        document = discovery.group(group)
        return JSONResponse(document) if document else _not_found(f"/apis/{group}")

    @app.get("/apis/{group}/{version}")
    async def group_resources(group: str, version: str) -> JSONResponse:
        document = discovery.resource_list(group, version)
        return JSONResponse(document) if document else _not_found(f"/apis/{group}/{version}")

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def anything_else(path: str) -> JSONResponse:
        return _not_found(f"/{path}")

    return ResourceFastPath(app)


def _is_resource_path(path: str) -> bool:
    """`/api/v1/<resource>...` or `/apis/<group>/<version>/<resource>...` (discovery paths are shorter)."""
    depth = path.strip("/").count("/")
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
        if scope["type"] == "http" and _is_resource_path(scope["path"]):
            request = Request(scope, receive)
            request.scope["app"] = self.app
            response = await resource_routes.serve(request)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

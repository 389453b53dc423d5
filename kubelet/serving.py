"""The kubelet's own HTTP endpoint: health, metrics, the pods it runs, and container logs.

    GET /healthz                      200 "ok" while the process serves
    GET /metrics                      Prometheus text (kubelet.metrics.REGISTRY)
    GET /pods                         PodList of the pods this process's nodes run
    GET /stats/summary, /metrics/resource[?node=]  resource usage (resource_stats.py); `node` picks one
                                      node of a process serving several (hollow nodes), default the first
    GET /containerLogs/{ns}/{pod}/{container}?follow=&previous=&tailLines=&timestamps=&sinceSeconds=&limitBytes=
        pod ──► its node's agent ──► runtime containers by pod uid ──► current or previous instance
        ──► runtime log stream, passed through as it comes (chunked), until the container stops
    WebSocket /exec, /attach, /portForward ──► streaming/routes.py

Errors are Kubernetes `Status` objects, so the apiserver's log proxy can hand
them to kubectl unchanged ("container ... is waiting to start: ...").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import uvicorn
from prometheus_client import generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from kubelet import metrics
from kubelet.node_agent import NodeAgent
from kubelet.pod_containers import PodContainers
from kubelet.resource_stats import NodeStats, collect_node_stats, resource_metrics_text, summary_json
from kubelet.streaming.routes import StreamingRoutes
from kubemini.api.status import make_status
from kubemini.component.uvicorn_server import QuietServer

log = logging.getLogger(__name__)


def _status(code: int, message: str) -> JSONResponse:
    return JSONResponse(make_status(code, message), status_code=code)


def _int(params: Mapping[str, str], key: str) -> int | None:
    value = params.get(key)
    return int(value) if value and value.lstrip("-").isdigit() else None


def _flag(params: Mapping[str, str], key: str) -> bool:
    return params.get(key, "").lower() in ("true", "1")


class KubeletServer:
    def __init__(self, agents: Mapping[str, NodeAgent], *, host: str, port: int):
        self.agents = dict(agents)
        self.host = host
        self.port = port
        self.app = Starlette(
            routes=[
                Route("/healthz", self.healthz),
                Route("/metrics", self.metrics),
                Route("/pods", self.pods),
                Route("/stats/summary", self.stats_summary),
                Route("/metrics/resource", self.resource_metrics),
                Route("/containerLogs/{namespace}/{pod}/{container}", self.container_logs),
                *StreamingRoutes(self._find).routes(),
            ]
        )
        config = uvicorn.Config(
            self.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off", ws="wsproto"
        )
        self.server = QuietServer(config)
        # The process, not uvicorn, owns SIGTERM/SIGINT (lifecycle.run_until_signalled).
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]

    async def serve(self) -> None:
        await self.server.serve()

    async def healthz(self, _request: Request) -> Response:
        return PlainTextResponse("ok")

    async def metrics(self, _request: Request) -> Response:
        return Response(generate_latest(metrics.REGISTRY), media_type="text/plain; version=0.0.4")

    async def pods(self, _request: Request) -> Response:
        items = [w.pod for agent in self.agents.values() for w in agent.works.values() if w.pod is not None]
        return JSONResponse({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items})

    async def _node_stats(self, request: Request) -> NodeStats | None:
        wanted = request.query_params.get("node")
        agent = self.agents.get(wanted) if wanted else next(iter(self.agents.values()), None)
        return None if agent is None else await collect_node_stats(agent)

    async def stats_summary(self, request: Request) -> Response:
        stats = await self._node_stats(request)
        if stats is None:
            return _status(404, f"node {request.query_params.get('node')} is not served by this kubelet")
        return JSONResponse(summary_json(stats))

    async def resource_metrics(self, request: Request) -> Response:
        stats = await self._node_stats(request)
        if stats is None:
            return _status(404, f"node {request.query_params.get('node')} is not served by this kubelet")
        return PlainTextResponse(resource_metrics_text(stats), media_type="text/plain; version=0.0.4")

    def _find(self, namespace: str, name: str) -> tuple[NodeAgent, dict[str, Any]] | None:
        for agent in self.agents.values():
            pod = agent.pod(namespace, name)
            if pod is not None:
                return agent, pod
        return None

    async def container_logs(self, request: Request) -> Response:
        namespace, name = request.path_params["namespace"], request.path_params["pod"]
        container = request.path_params["container"]
        found = self._find(namespace, name)
        if found is None:
            return _status(404, f'pod "{name}" in namespace "{namespace}" is not running on this kubelet')
        agent, pod = found
        spec = pod.get("spec") or {}
        kinds = ("containers", "initContainers", "ephemeralContainers")
        names = [c["name"] for kind in kinds for c in spec.get(kind) or []]
        if container not in names:
            return _status(400, f"container {container} is not valid for pod {name}")
        uid = (pod.get("metadata") or {}).get("uid", "")
        view = PodContainers.from_records(await agent.ctx.runtime.list_containers(node=agent.name, pod_uid=uid))
        params = request.query_params
        if _flag(params, "previous"):
            record = view.previous(container)
            if record is None:
                return _status(400, f'previous terminated container "{container}" in pod "{name}" not found')
        else:
            record = view.latest(container)
            if record is None:
                work = agent.works.get(uid)
                waiting = work.waiting.get(container) if work else None
                reason = waiting.reason if waiting else "ContainerCreating"
                return _status(400, f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        stream = agent.ctx.runtime.container_logs(
            record.id,
            follow=_flag(params, "follow"),
            tail_lines=_int(params, "tailLines"),
            timestamps=_flag(params, "timestamps"),
            since_seconds=_int(params, "sinceSeconds"),
        )
        return StreamingResponse(_limited(stream, _int(params, "limitBytes")), media_type="text/plain")


async def _limited(stream: AsyncIterator[bytes], limit: int | None) -> AsyncIterator[bytes]:
    sent = 0
    try:
        async for chunk in stream:
            if limit is not None and limit >= 0:
                chunk = chunk[: limit - sent]
            if chunk:
                sent += len(chunk)
                yield chunk
            if limit is not None and sent >= limit:
                return
    except Exception as error:  # noqa: BLE001 - headers are sent: all we can do is end the stream
        log.warning("log stream ended early: %s", error)
    finally:
        await stream.aclose()  # type: ignore[attr-defined]

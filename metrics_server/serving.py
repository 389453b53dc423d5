"""metrics.k8s.io/v1beta1 over HTTP, from the store: what the apiserver's aggregation layer forwards here.

    GET /apis/metrics.k8s.io/v1beta1                               APIResourceList (nodes, pods)
    GET .../nodes[/{name}]                                         NodeMetrics(List)
    GET .../pods, .../namespaces/{ns}/pods[/{name}]                PodMetrics(List)
        ?labelSelector= (the pod's / node's labels, from informers), fieldSelector=metadata.name=
    GET /healthz                                                   "ok"
Objects are metrics-server's: CPU in nanocores (`12345n`), memory in KiB (`2048Ki`), `timestamp`
the latest reading, `window` the time between the two readings the rate comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kubemini.api.kinds.metrics import GROUP, VERSION
from kubemini.api.selectors.labels import labels_match, parse_label_selector
from kubemini.api.status import make_status
from kubemini.component.uvicorn_server import QuietServer
from metrics_server.storing import MetricsStore, Usage

API_VERSION = f"{GROUP}/{VERSION}"
PREFIX = f"/apis/{GROUP}/{VERSION}"
Lookup = Callable[[str], Mapping[str, Any] | None]  # "namespace/name" or "name" ──► the Pod / Node


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _window(seconds: float) -> str:
    return f"{round(seconds, 3):g}s"


def _quantities(cpu_cores: float, memory_bytes: int) -> dict[str, str]:
    return {"cpu": f"{round(cpu_cores * 1e9)}n", "memory": f"{memory_bytes // 1024}Ki"}


def _status(code: int, message: str, reason: str) -> JSONResponse:
    return JSONResponse(make_status(code, message, reason=reason), status_code=code)


class MetricsApi:
    def __init__(self, store: MetricsStore, *, pod: Lookup, node: Lookup, node_names: Callable[[], list[str]]):
        self.store = store
        self.pod = pod
        self.node = node
        self.node_names = node_names
        self.app = Starlette(
            routes=[
                Route("/healthz", lambda _r: PlainTextResponse("ok")),
                Route(PREFIX, self.discovery),
                Route(f"{PREFIX}/nodes", self.list_nodes),
                Route(f"{PREFIX}/nodes/{{name}}", self.get_node),
                Route(f"{PREFIX}/pods", self.list_pods),
                Route(f"{PREFIX}/namespaces/{{namespace}}/pods", self.list_pods),
                Route(f"{PREFIX}/namespaces/{{namespace}}/pods/{{name}}", self.get_pod),
            ]
        )

    def server(self, sockets_host: str, port: int) -> uvicorn.Server:
        config = uvicorn.Config(self.app, host=sockets_host, port=port, log_level="warning", access_log=False)
        server = QuietServer(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the process owns signals
        return server

    async def discovery(self, _request: Request) -> Response:
        resources = [
            {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
        ]
        return JSONResponse(
            {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": API_VERSION, "resources": resources}
        )

    def node_metrics(self, name: str) -> dict | None:
        usage, node = self.store.node_usage(name), self.node(name)
        if usage is None or node is None:
            return None
        return {
            "kind": "NodeMetrics",
            "apiVersion": API_VERSION,
            "metadata": {
                "name": name,
                "creationTimestamp": _time(usage.timestamp),
                "labels": dict((node.get("metadata") or {}).get("labels") or {}),
            },
            "timestamp": _time(usage.timestamp),
            "window": _window(usage.window_seconds),
            "usage": _quantities(usage.cpu_cores, usage.memory_bytes),
        }

    def pod_metrics(self, namespace: str, name: str) -> dict | None:
        usages, pod = self.store.container_usages((namespace, name)), self.pod(f"{namespace}/{name}")
        if usages is None or pod is None:
            return None
        latest: Usage = max(usages.values(), key=lambda u: u.timestamp)
        return {
            "kind": "PodMetrics",
            "apiVersion": API_VERSION,
            "metadata": {
                "name": name,
                "namespace": namespace,
                "creationTimestamp": _time(latest.timestamp),
                "labels": dict((pod.get("metadata") or {}).get("labels") or {}),
            },
            "timestamp": _time(latest.timestamp),
            "window": _window(latest.window_seconds),
            "containers": [
                {"name": container, "usage": _quantities(u.cpu_cores, u.memory_bytes)}
                for container, u in sorted(usages.items())
            ],
        }

    @staticmethod
    def _filter(request: Request, items: list[dict]) -> list[dict] | Response:
        try:
            requirements = parse_label_selector(request.query_params.get("labelSelector"))
        except ValueError as error:
            return _status(400, f"unable to parse requirement: {error}", "BadRequest")
        field = request.query_params.get("fieldSelector") or ""
        wanted = field.partition("metadata.name=")[2] if field.startswith("metadata.name=") else None
        return [
            item
            for item in items
            if labels_match(requirements, item["metadata"].get("labels"))
            and (wanted is None or item["metadata"]["name"] == wanted)
        ]

    def _list(self, request: Request, kind: str, items: list[dict]) -> Response:
        selected = self._filter(request, items)
        if isinstance(selected, Response):
            return selected
        return JSONResponse({"kind": f"{kind}List", "apiVersion": API_VERSION, "metadata": {}, "items": selected})

    async def list_nodes(self, request: Request) -> Response:
        found = [self.node_metrics(name) for name in sorted(self.node_names())]
        return self._list(request, "NodeMetrics", [m for m in found if m is not None])

    async def get_node(self, request: Request) -> Response:
        name = request.path_params["name"]
        found = self.node_metrics(name)
        if found is None:
            return _status(404, f'nodemetrics.metrics.k8s.io "{name}" not found', "NotFound")
        return JSONResponse(found)

    async def list_pods(self, request: Request) -> Response:
        namespace = request.path_params.get("namespace")
        keys = sorted(k for k in self.store.pod_keys() if namespace is None or k[0] == namespace)
        found = [self.pod_metrics(ns, name) for ns, name in keys]
        return self._list(request, "PodMetrics", [m for m in found if m is not None])

    async def get_pod(self, request: Request) -> Response:
        namespace, name = request.path_params["namespace"], request.path_params["name"]
        found = self.pod_metrics(namespace, name)
        if found is None:
            return _status(404, f'podmetrics.metrics.k8s.io "{namespace}/{name}" not found', "NotFound")
        return JSONResponse(found)

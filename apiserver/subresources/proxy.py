"""pods/proxy, services/proxy, nodes/proxy: plain HTTP to a pod, a Service's pod, or a kubelet.

    /api/v1/namespaces/{ns}/pods/{[scheme:]name[:port]}/proxy/{path}
        ──► the pod's IP (it must have one) : port (number, or a container port's name; default the first)
    /api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/{path}
        ──► a ready address of the Service's Endpoints : the target port of that service port
    /api/v1/nodes/{name[:port]}/proxy/{path} ──► the node's kubelet (on loopback, log.py's rule)
    method, query, body and headers (less hop-by-hop ones) are passed on; the answer streams back

Only addresses the cluster itself gave out are dialled: a pod IP from a pod's
status, an Endpoints address, a kubelet on loopback.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from apiserver.errors import ApiError, bad_request
from apiserver.request_info import RequestInfo
from apiserver.subresources.log import NODE, _kubelet_address
from apiserver.writing import read_stored
from kubemini.api.registry import by_kind

PATTERN = re.compile(
    r"^/api/v1/(?:namespaces/(?P<namespace>[^/]+)/)?(?P<plural>pods|services|nodes)/(?P<name>[^/]+)/proxy(?P<rest>/.*)?$"
)
KINDS = {"pods": by_kind("Pod"), "services": by_kind("Service"), "endpoints": by_kind("Endpoints")}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}  # fmt: skip
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ProxyPath:
    plural: str
    namespace: str | None
    name: str
    scheme: str
    port: str
    rest: str


def match(path: str) -> ProxyPath | None:
    found = PATTERN.match(path)
    if found is None or (found["plural"] == "nodes") == bool(found["namespace"]):
        return None
    parts = found["name"].split(":")
    scheme = parts.pop(0) if len(parts) == 3 else "http"
    name, port = parts[0], parts[1] if len(parts) > 1 else ""
    return ProxyPath(found["plural"], found["namespace"], name, scheme, port, found["rest"] or "/")


def _pod_target(pod: dict, port: str) -> tuple[str, int]:
    ip = (pod.get("status") or {}).get("podIP")
    if not ip:
        raise ApiError(503, f"pod {pod['metadata']['name']} has no IP yet", reason="ServiceUnavailable")
    declared = [p for c in (pod.get("spec") or {}).get("containers") or [] for p in c.get("ports") or []]
    if port.isdigit():
        return ip, int(port)
    chosen = next((p for p in declared if p.get("name") == port), None) if port else (declared[:1] or [None])[0]
    if chosen is None:
        raise bad_request(f"no port {port!r} on pod {pod['metadata']['name']}" if port else "no port to proxy to")
    return ip, int(chosen["containerPort"])


async def _service_target(ctx, target: ProxyPath) -> tuple[str, int]:
    service = (await read_stored(ctx, RequestInfo(KINDS["services"], target.namespace, target.name, None))).obj
    ports = (service.get("spec") or {}).get("ports") or []
    chosen = next((p for p in ports if target.port in (str(p.get("port")), p.get("name"))), None)
    if chosen is None and not target.port and ports:
        chosen = ports[0]
    if chosen is None:
        raise bad_request(f"no port {target.port!r} on service {target.name}")
    endpoints = (await read_stored(ctx, RequestInfo(KINDS["endpoints"], target.namespace, target.name, None))).obj
    for subset in endpoints.get("subsets") or []:
        port = next((p for p in subset.get("ports") or [] if p.get("name", "") == chosen.get("name", "")), None)
        if subset.get("addresses") and port:
            return subset["addresses"][0]["ip"], int(port["port"])
    raise ApiError(503, f'no endpoints available for service "{target.name}"', reason="ServiceUnavailable")


async def _address(ctx, target: ProxyPath) -> tuple[str, int]:
    if target.plural == "pods":
        return _pod_target(
            (await read_stored(ctx, RequestInfo(KINDS["pods"], target.namespace, target.name, None))).obj, target.port
        )
    if target.plural == "services":
        return await _service_target(ctx, target)
    host, port = _kubelet_address((await read_stored(ctx, RequestInfo(NODE, None, target.name, None))).obj)
    return host, int(target.port) if target.port.isdigit() else port


async def serve(request: Request, target: ProxyPath) -> Response:
    ctx = request.app.state.ctx
    try:
        host, port = await _address(ctx, target)
    except ApiError as error:
        return error.response()
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=False, verify=False)
    url = f"{target.scheme}://{host}:{port}{target.rest}"
    outgoing = client.build_request(
        request.method, url, params=request.url.query, headers=headers, content=await request.body()
    )
    try:
        upstream = await client.send(outgoing, stream=True)
    except httpx.HTTPError as error:
        await client.aclose()
        return ApiError(
            503, f"error trying to reach {target.plural[:-1]}: {error}", reason="ServiceUnavailable"
        ).response()
    answer = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}}
    return StreamingResponse(_relay(upstream, client), status_code=upstream.status_code, headers=answer)


async def _relay(upstream: httpx.Response, client: httpx.AsyncClient) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_bytes():
            yield chunk
    finally:
        await upstream.aclose()
        await client.aclose()

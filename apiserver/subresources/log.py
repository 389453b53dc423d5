"""`GET pods/{name}/log`: find the pod's kubelet and stream its answer back to the client.

    pod (etcd) ──► container (query, or the only one) ──► spec.nodeName ──► Node (etcd)
        ──► InternalIP + daemonEndpoints.kubeletEndpoint.Port
        ──► GET http://ip:port/containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&...
        ──► chunks passed through as they arrive (kubectl logs -f) until the kubelet ends the stream

The kubelet's errors are `Status` objects and are returned as they are
("container ... is waiting to start: ContainerCreating"). kubemini only ever
proxies to a kubelet on loopback: a Node advertising any other address is
answered with 503 instead of a connection to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from apiserver.errors import ApiError, bad_request
from apiserver.request_info import RequestInfo
from apiserver.writing import read_stored
from kubemini.api import timestamps
from kubemini.api.kubelet_endpoint import NoKubeletEndpoint, kubelet_endpoint
from kubemini.api.registry import by_kind

NODE = by_kind("Node")
PASSED_PARAMETERS = ("follow", "previous", "tailLines", "timestamps", "sinceSeconds", "limitBytes")
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0  # a non-follow answer; follow streams have no read timeout


def _container(pod: dict, requested: str | None) -> str:
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    all_names = names + [c["name"] for kind in ("initContainers", "ephemeralContainers") for c in spec.get(kind) or []]
    name = pod["metadata"]["name"]
    if requested:
        if requested not in all_names:
            raise bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    if len(names) == 1:
        return names[0]
    raise bad_request(f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]")


def _kubelet_address(node: dict) -> tuple[str, int]:
    try:
        return kubelet_endpoint(node)
    except NoKubeletEndpoint as error:
        raise ApiError(503, str(error), reason="ServiceUnavailable") from None


INTEGER_PARAMETERS = ("tailLines", "sinceSeconds", "limitBytes")
BOOLEAN_PARAMETERS = ("follow", "previous", "timestamps")


def _query(request: Request) -> dict[str, str]:
    params = {key: request.query_params[key] for key in PASSED_PARAMETERS if key in request.query_params}
    for key in INTEGER_PARAMETERS:
        if key in params and (not params[key].isdigit() or int(params[key]) > 2**63 - 1):
            raise bad_request(f"{key} must be a non-negative integer, got {params[key][:40]!r}")
    for key in BOOLEAN_PARAMETERS:
        if key in params and params[key] not in ("true", "false", "1", "0", ""):
            raise bad_request(f"{key} must be true or false, got {params[key][:40]!r}")
    since_time = request.query_params.get("sinceTime")
    if since_time and "sinceSeconds" not in params:
        try:
            params["sinceSeconds"] = str(max(1, int(timestamps.age_seconds(since_time))))
        except (ValueError, OverflowError):
            raise bad_request(f"sinceTime must be an RFC 3339 time, got {since_time[:40]!r}") from None
    return params


async def proxy_pod_log(ctx, info: RequestInfo, request: Request) -> Response:
    pod = (await read_stored(ctx, RequestInfo(info.resource, info.namespace, info.name, None))).obj
    container = _container(pod, request.query_params.get("container"))
    node_name = (pod.get("spec") or {}).get("nodeName")
    if not node_name:
        raise bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    node = (await read_stored(ctx, RequestInfo(NODE, None, node_name, None))).obj
    host, port = _kubelet_address(node)
    follow = request.query_params.get("follow") in ("true", "1")
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS, read=None if follow else READ_TIMEOUT_SECONDS
        ),
        trust_env=False,
    )
    url = f"http://{host}:{port}/containerLogs/{info.namespace}/{info.name}/{container}"
    try:
        upstream = await client.send(client.build_request("GET", url, params=_query(request)), stream=True)
    except httpx.HTTPError as error:
        await client.aclose()
        raise ApiError(
            503, f"cannot reach the kubelet of node {node_name}: {error}", reason="ServiceUnavailable"
        ) from error
    if upstream.status_code != 200:
        body = await upstream.aread()
        await upstream.aclose()
        await client.aclose()
        try:
            return JSONResponse(
                httpx.Response(upstream.status_code, content=body).json(), status_code=upstream.status_code
            )
        except ValueError:
            raise ApiError(upstream.status_code, body.decode(errors="replace")[:500]) from None
    return StreamingResponse(_relay(upstream, client), media_type="text/plain")


async def _relay(upstream: httpx.Response, client: httpx.AsyncClient) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        return  # the kubelet went away mid-stream: end the log as kubectl expects, not with an error
    finally:
        await upstream.aclose()
        await client.aclose()

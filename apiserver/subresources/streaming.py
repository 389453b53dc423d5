"""pods/exec, pods/attach, pods/portforward: the client's WebSocket relayed to the pod's kubelet.

    WebSocket scope on a resource path ──► parse_path ──► pod (etcd) ──► container (exec, attach)
        ──► spec.nodeName ──► Node ──► kubelet on loopback (log.py's rule)
        ──► WebSocket to ws://ip:port/{exec|attach}/{ns}/{pod}/{container}?<the client's query>
                          or /portForward/{ns}/{pod}?<query>, offering the client's subprotocols
        ──► accept the client with the subprotocol the kubelet chose ──► messages relayed both ways
    refused (no such pod, kubelet says no) ──► the Status, as the WebSocket's HTTP denial response
    the same paths without an upgrade ──► 400 "Upgrade request required", as Kubernetes answers

Messages pass unchanged, so every channel protocol (v4/v5.channel.k8s.io,
SPDY/3.1 tunnelled for kubectl port-forward) works end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from apiserver.errors import ApiError, bad_request
from apiserver.request_info import RequestInfo, parse_path
from apiserver.subresources.log import NODE, _container, _kubelet_address
from apiserver.writing import read_stored
from kubemini.api.status import make_status
from kubemini.client.websocket_client import HandshakeRejected, WebSocketClient

UPGRADE_SUBRESOURCES = ("exec", "attach", "portforward")
KUBELET_PATHS = {"exec": "exec", "attach": "attach", "portforward": "portForward"}

log = logging.getLogger("apiserver")


async def _checked_pod(ctx, info: RequestInfo, params) -> tuple[dict, str | None]:
    """The pod and container a streaming request names, checked as Kubernetes checks them."""
    if info.name is None or info.subresource not in UPGRADE_SUBRESOURCES:
        raise ApiError(404, "the server could not find the requested resource", reason="NotFound")
    pod = (await read_stored(ctx, RequestInfo(info.resource, info.namespace, info.name, None))).obj
    if not (pod.get("spec") or {}).get("nodeName"):
        raise bad_request(f"pod {info.name} does not have a host assigned")
    phase = (pod.get("status") or {}).get("phase")
    if info.subresource != "portforward" and phase in ("Succeeded", "Failed"):
        raise bad_request(f"cannot {info.subresource} into a container in a completed pod; current phase is {phase}")
    if info.subresource == "portforward":
        return pod, None
    requested = params.get("container")
    ephemeral = [c.get("name") for c in (pod.get("spec") or {}).get("ephemeralContainers") or []]
    return pod, requested if requested and requested in ephemeral else _container(pod, requested)


async def refuse_without_upgrade(ctx, info: RequestInfo, request) -> None:
    """A streaming request that is not a WebSocket upgrade: its errors, else 400 Upgrade request required."""
    await _checked_pod(ctx, info, request.query_params)
    raise bad_request("Upgrade request required")


async def _kubelet_target(ctx, info: RequestInfo, websocket: WebSocket) -> tuple[str, int, str]:
    pod, container = await _checked_pod(ctx, info, websocket.query_params)
    node_name = pod["spec"]["nodeName"]
    host, port = _kubelet_address((await read_stored(ctx, RequestInfo(NODE, None, node_name, None))).obj)
    query = [(k, v) for k, v in websocket.query_params.multi_items() if k != "container"]
    path = f"/{KUBELET_PATHS[info.subresource]}/{info.namespace}/{info.name}"
    if container is not None:
        path += f"/{container}"
    return host, port, f"{path}?{urlencode(query)}" if query else path


async def _pipe_client_to_kubelet(websocket: WebSocket, upstream: WebSocketClient) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes")
        await upstream.send(data if data is not None else message.get("text") or "")


async def _pipe_kubelet_to_client(websocket: WebSocket, upstream: WebSocketClient) -> None:
    while (data := await upstream.receive()) is not None:
        if isinstance(data, bytes):
            await websocket.send_bytes(data)
        else:
            await websocket.send_text(data)


async def serve_websocket(scope, receive, send, ctx) -> None:
    websocket = WebSocket(scope, receive, send)
    offered = [str(p).strip() for p in scope.get("subprotocols") or []]
    try:
        host, port, target = await _kubelet_target(ctx, parse_path(scope["path"]), websocket)
        upstream = await WebSocketClient.connect(host, port, target, subprotocols=offered)
    except ApiError as error:
        await websocket.send_denial_response(error.response())
        return
    except HandshakeRejected as error:
        await websocket.send_denial_response(
            Response(error.body, status_code=error.status, media_type=error.content_type)
        )
        return
    except (OSError, TimeoutError) as error:
        status = make_status(503, f"cannot reach the kubelet: {error}", reason="ServiceUnavailable")
        await websocket.send_denial_response(JSONResponse(status, status_code=503))
        return
    await websocket.accept(subprotocol=upstream.subprotocol)
    pipes = [
        asyncio.create_task(_pipe_client_to_kubelet(websocket, upstream)),
        asyncio.create_task(_pipe_kubelet_to_client(websocket, upstream)),
    ]
    try:
        await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in pipes:
            task.cancel()
        for task in pipes:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, OSError, RuntimeError):
                await task
        await upstream.close()
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close()

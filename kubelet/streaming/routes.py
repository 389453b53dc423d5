"""The kubelet's streaming endpoints (WebSocket), reached only through the apiserver's proxy.

    /exec/{ns}/{pod}/{container}?command=..&stdin=&stdout=&stderr=&tty=
    /attach/{ns}/{pod}/{container}?stdin=&stdout=&stderr=&tty=
    /portForward/{ns}/{pod}?ports=80,8080
        pod ──► its node's agent ──► the running instance (or sandbox) in the runtime
        ──► subprotocol chosen from the client's offer ──► session (exec_sessions / port_forwarding)

A request that cannot be served is refused before the upgrade, with a
Kubernetes Status body the apiserver hands to the client unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from kubelet.node_agent import NodeAgent
from kubelet.pod_containers import PodContainers
from kubelet.runtime import ContainerRecord, ContainerRuntimeError
from kubelet.streaming.channels import EXEC_PROTOCOLS, PORT_FORWARD_PROTOCOLS, SPDY_TUNNEL, choose_protocol
from kubelet.streaming.exec_sessions import run_session
from kubelet.streaming.pod_sockets import connect_in_pod
from kubelet.streaming.port_forwarding import SpdySession, forward_channels
from kubemini.api.status import make_status

log = logging.getLogger(__name__)

Finder = Callable[[str, str], "tuple[NodeAgent, dict[str, Any]] | None"]
TRUE = ("1", "true", "True")


class Refused(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def _flag(websocket: WebSocket, *names: str) -> bool:
    return any(websocket.query_params.get(name) in TRUE for name in names)


def _protocols(websocket: WebSocket) -> list[str]:
    """What the client offered: the ASGI scope carries them (not the headers)."""
    return [str(p).strip() for p in websocket.scope.get("subprotocols") or []]


async def _refuse(websocket: WebSocket, error: Refused) -> None:
    await websocket.send_denial_response(JSONResponse(make_status(error.code, str(error)), status_code=error.code))


class StreamingRoutes:
    def __init__(self, find: Finder):
        self.find = find

    def routes(self) -> list[WebSocketRoute]:
        return [
            WebSocketRoute("/exec/{namespace}/{pod}/{container}", self.exec),
            WebSocketRoute("/attach/{namespace}/{pod}/{container}", self.attach),
            WebSocketRoute("/portForward/{namespace}/{pod}", self.port_forward),
        ]

    async def _view(self, websocket: WebSocket) -> tuple[NodeAgent, dict[str, Any], PodContainers]:
        namespace, name = websocket.path_params["namespace"], websocket.path_params["pod"]
        found = self.find(namespace, name)
        if found is None:
            raise Refused(404, f'pod "{name}" in namespace "{namespace}" is not running on this kubelet')
        agent, pod = found
        uid = (pod.get("metadata") or {}).get("uid", "")
        return (
            agent,
            pod,
            PodContainers.from_records(await agent.ctx.runtime.list_containers(node=agent.name, pod_uid=uid)),
        )

    async def _container(
        self, websocket: WebSocket
    ) -> tuple[NodeAgent, dict[str, Any], ContainerRecord, dict[str, Any]]:
        agent, pod, view = await self._view(websocket)
        name = websocket.path_params["container"]
        spec = pod.get("spec") or {}
        names = [c["name"] for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])]
        names += [c["name"] for c in spec.get("ephemeralContainers") or []]
        if name not in names:
            raise Refused(400, f"container {name} is not valid for pod {pod['metadata']['name']}")
        record = view.latest(name)
        if record is None or not record.running:
            raise Refused(
                400, f'container not found ("{name}")' if record is None else f"container {name} is not running"
            )
        kinds = ("containers", "initContainers", "ephemeralContainers")
        container = next(c for kind in kinds for c in spec.get(kind) or [] if c["name"] == name)
        return agent, pod, record, container

    async def _stream(self, websocket: WebSocket, *, attach: bool) -> None:
        protocol = choose_protocol(_protocols(websocket), EXEC_PROTOCOLS)
        try:
            if protocol is None:
                raise Refused(
                    400, f"none of the offered subprotocols is supported; supported: {', '.join(EXEC_PROTOCOLS)}"
                )
            agent, _pod, record, container = await self._container(websocket)
            command = websocket.query_params.getlist("command")
            if not attach and not command:
                raise Refused(400, "you must specify at least one command for the container")
            stdin, tty = _flag(websocket, "stdin", "input"), _flag(websocket, "tty")
            runtime = agent.ctx.runtime
            if attach:
                stream = await runtime.open_attach(record.id, stdin=stdin, tty=tty)
            else:
                stream = await runtime.open_exec(record.id, command, stdin=stdin, tty=tty)
        except Refused as error:
            await _refuse(websocket, error)
            return
        except ContainerRuntimeError as error:
            await _refuse(websocket, Refused(500, str(error)))
            return
        except Exception as error:  # noqa: BLE001 - a bug still answers with a Status, and is logged
            log.exception("streaming request %s failed", websocket.url.path)
            await _refuse(websocket, Refused(500, f"Internal error occurred: {type(error).__name__}"))
            return
        await websocket.accept(subprotocol=protocol)
        await run_session(
            websocket,
            stream,
            command=None if attach else command,
            stdout=_flag(websocket, "stdout", "output") or not websocket.query_params.get("stdout"),
            stderr=_flag(websocket, "stderr", "error") and not tty,
            close_stdin=not attach or bool(container.get("stdinOnce")),
        )

    async def exec(self, websocket: WebSocket) -> None:
        await self._stream(websocket, attach=False)

    async def attach(self, websocket: WebSocket) -> None:
        await self._stream(websocket, attach=True)

    async def port_forward(self, websocket: WebSocket) -> None:
        protocol = choose_protocol(_protocols(websocket), PORT_FORWARD_PROTOCOLS)
        try:
            if protocol is None:
                raise Refused(
                    400,
                    f"none of the offered subprotocols is supported; supported: {', '.join(PORT_FORWARD_PROTOCOLS)}",
                )
            agent, pod, view = await self._view(websocket)
            sandbox = view.sandbox
            if sandbox is None or not sandbox.running:
                raise Refused(400, f'pod "{pod["metadata"]["name"]}" has no running sandbox')
            ports = _ports(websocket)
            if protocol != SPDY_TUNNEL and not ports:
                raise Refused(400, 'query parameter "ports" is required')
        except Refused as error:
            await _refuse(websocket, error)
            return
        runtime = agent.ctx.runtime

        async def connect(port: int):
            return await connect_in_pod(runtime, sandbox, port)

        await websocket.accept(subprotocol=protocol)
        if protocol == SPDY_TUNNEL:
            await SpdySession(websocket, connect=connect, pod=sandbox.id).run()
        else:
            await forward_channels(websocket, ports=ports, connect=connect, pod=sandbox.id)


def _ports(websocket: WebSocket) -> list[int]:
    values = websocket.query_params.getlist("ports") + websocket.query_params.getlist("port")
    ports = []
    for value in values:
        for part in value.split(","):
            if not part.strip().isdigit() or not 0 < int(part) < 65536:
                raise Refused(400, f"invalid port {part.strip()[:20]!r}")
            ports.append(int(part))
    return ports

"""Port-forward sessions: client streams joined to TCP connections inside the pod.

v4.channel.k8s.io (the Python client), ports from the query:
    port i ──► data channel 2i, error channel 2i+1; each opens with the port (2 bytes, little endian)
    one connection per port for the session's life; all closed ──► WebSocket closed
SPDY/3.1 over the WebSocket (kubectl), any number of connections:
    SYN_STREAM error + data with the same requestid and port ──► SYN_REPLY each ──► connect
    data stream DATA ⇄ connection; client FIN ──► half-close; pod EOF ──► FIN on both streams
    a failed connect ──► its message on the error stream (kubectl prints it), both closed
    PING ──► echoed; GOAWAY or the WebSocket gone ──► every connection closed
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from kubelet.streaming.channels import frame, parse_message
from kubelet.streaming.pod_sockets import PodConnection
from kubelet.streaming.spdy import Data, GoAway, Ping, RstStream, SpdyError, SpdyReader, SpdyWriter, SynStream

Connect = Callable[[int], Awaitable[PodConnection]]

log = logging.getLogger(__name__)


def forwarding_error(port: int, pod: str, error: Exception) -> str:
    return f"error forwarding port {port} to pod {pod}, uid : {error}"


async def _copy_out(connection: PodConnection, send: Callable[[bytes], Awaitable[None]]) -> None:
    while chunk := await connection.read():
        await send(chunk)


async def forward_channels(websocket: WebSocket, *, ports: list[int], connect: Connect, pod: str) -> None:
    """v4.channel.k8s.io port-forward: one connection per requested port."""
    lock = asyncio.Lock()

    async def send(channel: int, data: bytes) -> None:
        async with lock:
            await websocket.send_bytes(frame(channel, data))

    connections: dict[int, PodConnection] = {}
    copies = []
    for index, port in enumerate(ports):
        prefix = struct.pack("<H", port)
        await send(2 * index, prefix)
        await send(2 * index + 1, prefix)
        try:
            connections[2 * index] = connection = await connect(port)
        except OSError as error:
            await send(2 * index + 1, forwarding_error(port, pod, error).encode())
            continue
        copies.append(asyncio.create_task(_copy_out(connection, lambda data, c=2 * index: send(c, data))))
    incoming = asyncio.create_task(_channel_input(websocket, connections))
    try:
        if copies:
            await asyncio.wait(
                [asyncio.gather(*copies, return_exceptions=True), incoming], return_when="FIRST_COMPLETED"
            )
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()
    finally:
        for task in [*copies, incoming]:
            task.cancel()
        for connection in connections.values():
            connection.close()


async def _channel_input(websocket: WebSocket, connections: dict[int, PodConnection]) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        incoming = parse_message(message.get("bytes") or message.get("text") or b"")
        if incoming is not None and incoming.data and incoming.channel in connections:
            await connections[incoming.channel].write(incoming.data)


class SpdySession:
    """kubectl's port-forward: SPDY/3.1 tunnelled through binary WebSocket messages."""

    def __init__(self, websocket: WebSocket, *, connect: Connect, pod: str):
        self.websocket = websocket
        self.connect = connect
        self.pod = pod
        self.reader, self.writer = SpdyReader(), SpdyWriter()
        self.lock = asyncio.Lock()
        self.pairs: dict[str, dict[str, int]] = {}
        self.connections: dict[int, PodConnection] = {}
        self.early: dict[int, list[bytes | None]] = {}  # client data before the connection is up (None: FIN)
        self.tasks: set[asyncio.Task[None]] = set()

    async def send(self, build: Callable[[SpdyWriter], bytes]) -> None:
        async with self.lock:  # one writer at a time: frames stay whole, header compression in order
            await self.websocket.send_bytes(build(self.writer))

    async def run(self) -> None:
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                for item in self.reader.feed(message.get("bytes") or b""):
                    if not await self._handle(item):
                        return
        except (SpdyError, WebSocketDisconnect, OSError, RuntimeError) as error:
            log.debug("port-forward session ended: %s", error)
        finally:
            for task in self.tasks:
                task.cancel()
            for connection in self.connections.values():
                connection.close()

    async def _handle(self, item: object) -> bool:
        if isinstance(item, SynStream):
            await self.send(lambda w: w.syn_reply(item.stream_id))
            headers = item.headers
            key = headers.get("requestid") or headers.get("port", "")
            pair = self.pairs.setdefault(key, {})
            pair[headers.get("streamtype", "")] = item.stream_id
            pair["port"] = int(headers["port"]) if headers.get("port", "").isdigit() else 0
            if "error" in pair and "data" in pair:
                del self.pairs[key]
                self.early.setdefault(pair["data"], [])
                task = asyncio.create_task(self._forward(pair))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        elif isinstance(item, Data):
            connection = self.connections.get(item.stream_id)
            if connection is None:
                if item.stream_id in self.early:
                    self.early[item.stream_id] += [item.data, None] if item.fin else [item.data]
                return True
            if item.data:
                await connection.write(item.data)
            if item.fin:
                await connection.close_write()
        elif isinstance(item, RstStream):
            connection = self.connections.pop(item.stream_id, None)
            if connection is not None:
                connection.close()
        elif isinstance(item, Ping):
            await self.send(lambda w: w.ping(item.ping_id))
        elif isinstance(item, GoAway):
            return False
        return True

    async def _forward(self, pair: dict[str, int]) -> None:
        data_id, error_id, port = pair["data"], pair["error"], pair["port"]
        try:
            connection = await self.connect(port)
        except OSError as error:
            message = forwarding_error(port, self.pod, error).encode()
            await self.send(lambda w: w.data(error_id, message, fin=True))
            await self.send(lambda w: w.data(data_id, fin=True))
            self.early.pop(data_id, None)
            return
        self.connections[data_id] = connection
        for chunk in self.early.pop(data_id, []):
            await (connection.close_write() if chunk is None else connection.write(chunk))
        try:
            await _copy_out(connection, lambda data: self.send(lambda w: w.data(data_id, data)))
        except OSError as error:
            log.debug("port-forward connection to %d ended: %s", port, error)
        finally:
            self.connections.pop(data_id, None)
            connection.close()
        with contextlib.suppress(OSError, RuntimeError, WebSocketDisconnect):
            await self.send(lambda w: w.data(data_id, fin=True))
            await self.send(lambda w: w.data(error_id, fin=True))

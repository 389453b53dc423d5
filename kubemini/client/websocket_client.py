"""A small asyncio WebSocket client on wsproto (the protocol is the library's; this is only the I/O).

    connect(host, port, target, subprotocols) ──► handshake ──► WebSocketClient
        refused ──► HandshakeRejected(status, content type, body): the server's answer, to pass on
    receive() ──► bytes | str, None once closed (pings are answered on the way)
    send(bytes | str) · close()

wsproto takes subprotocols as given, so Kubernetes' `SPDY/3.1+portforward.k8s.io`
(not an HTTP token) works where stricter clients refuse it.
"""

from __future__ import annotations

import asyncio

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError

READ_BYTES = 64 * 1024
MAX_REJECT_BODY_BYTES = 64 * 1024


class HandshakeRejected(Exception):
    def __init__(self, status: int, content_type: str, body: bytes):
        super().__init__(f"WebSocket handshake refused with {status}")
        self.status = status
        self.content_type = content_type
        self.body = body


class WebSocketClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: WSConnection):
        self.reader = reader
        self.writer = writer
        self.connection = connection
        self.subprotocol: str | None = None
        self._parts: list[bytes | str] = []
        self._closed = False

    @classmethod
    async def connect(
        cls, host: str, port: int, target: str, *, subprotocols: list[str], timeout_seconds: float = 10.0
    ) -> WebSocketClient:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_seconds)
        client = cls(reader, writer, WSConnection(ConnectionType.CLIENT))
        try:
            await asyncio.wait_for(client._handshake(f"{host}:{port}", target, subprotocols), timeout_seconds)
        except BaseException:
            writer.close()
            raise
        return client

    async def _handshake(self, host: str, target: str, subprotocols: list[str]) -> None:
        self.writer.write(self.connection.send(Request(host=host, target=target, subprotocols=subprotocols)))
        await self.writer.drain()
        rejected: RejectConnection | None = None
        body = b""
        while True:
            data = await self.reader.read(READ_BYTES)
            self.connection.receive_data(data or None)
            for event in self.connection.events():
                if isinstance(event, AcceptConnection):
                    self.subprotocol = event.subprotocol
                    return
                if isinstance(event, RejectConnection):
                    rejected = event
                    if not event.has_body:
                        return self._reject(rejected, body)
                elif isinstance(event, RejectData):
                    body += event.data[: MAX_REJECT_BODY_BYTES - len(body)]
                    if event.body_finished and rejected is not None:
                        return self._reject(rejected, body)
            if not data:
                raise ConnectionError("the server closed the connection during the WebSocket handshake")

    @staticmethod
    def _reject(event: RejectConnection, body: bytes) -> None:
        headers = {name.lower(): value for name, value in event.headers}
        content_type = headers.get(b"content-type", b"application/json").decode(errors="replace")
        raise HandshakeRejected(event.status_code, content_type, body)

    async def _write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self) -> bytes | str | None:
        while True:
            for event in self.connection.events():
                if isinstance(event, Message):
                    self._parts.append(event.data)
                    if event.message_finished:
                        parts, self._parts = self._parts, []
                        if isinstance(event, TextMessage):
                            return "".join(str(p) for p in parts)
                        return b"".join(p for p in parts if isinstance(p, bytes))
                elif isinstance(event, Ping):
                    await self._write(self.connection.send(event.response()))
                elif isinstance(event, CloseConnection):
                    self._closed = True
                    try:
                        await self._write(self.connection.send(event.response()))
                    except (LocalProtocolError, OSError):
                        pass
                    return None
            if self._closed:
                return None
            data = await self.reader.read(READ_BYTES)
            if not data:
                self._closed = True
                return None
            self.connection.receive_data(data)

    async def send(self, data: bytes | str) -> None:
        message = TextMessage(data=data) if isinstance(data, str) else BytesMessage(data=data)
        await self._write(self.connection.send(message))

    async def close(self, code: int = 1000) -> None:
        if not self._closed:
            self._closed = True
            try:
                await self._write(self.connection.send(CloseConnection(code=code)))
            except (LocalProtocolError, OSError):
                pass
        self.writer.close()


__all__ = ["BytesMessage", "HandshakeRejected", "WebSocketClient"]

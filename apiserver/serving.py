"""The HTTP layer under the app: uvicorn with Kubernetes' connection rules.

connection ──► request headers must be complete within REQUEST_HEADER_TIMEOUT_SECONDS
               (a connection that sends nothing, or dribbles headers, is closed)
           ──► at most MAX_HEADER_BYTES of headers and MAX_HEADER_COUNT fields (431 otherwise)
           ──► a request the HTTP parser cannot read gets a 400 `Status`, never plain text
shutdown   ──► every open watch is ended first (clients re-watch), then uvicorn's graceful stop
"""

from __future__ import annotations

import asyncio
import json

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kubemini.api.status import make_status

REQUEST_HEADER_TIMEOUT_SECONDS = 32.0  # kube-apiserver's ReadHeaderTimeout
MAX_HEADER_BYTES = 1 << 20  # Go's http.DefaultMaxHeaderBytes
MAX_HEADER_COUNT = 500
_REASONS = {400: "Bad Request", 431: "Request Header Fields Too Large"}


def status_bytes(code: int, message: str) -> bytes:
    body = json.dumps(make_status(code, message), separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {code} {_REASONS[code]}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class ApiHttpProtocol(HttpToolsProtocol):
    header_timeout_seconds = REQUEST_HEADER_TIMEOUT_SECONDS

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_bytes = 0
        self._header_count = 0
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout_seconds, self._header_timeout)

    def _disarm_header_timer(self) -> None:
        if getattr(self, "_header_timer", None) is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        self._disarm_header_timer()
        if not self.transport.is_closing():
            self.transport.write(status_bytes(400, f"malformed HTTP request: {msg}"))
            self.transport.close()

    def _refuse(self, code: int, message: str) -> None:
        self._disarm_header_timer()
        if not self.transport.is_closing():
            self.transport.write(status_bytes(code, message))
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._header_count = 0
        if self._header_timer is None:
            self._arm_header_timer()

    def on_url(self, url: bytes) -> None:
        self._header_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        self._header_count += 1
        if self._header_bytes > MAX_HEADER_BYTES or self._header_count > MAX_HEADER_COUNT:
            self._refuse(431, "request headers are too large")
            raise ValueError("request headers are too large")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        super().data_received(data)


class ApiServer(uvicorn.Server):
    """Ends every watch before uvicorn waits for connections, so shutdown is quick and clean."""

    async def shutdown(self, sockets=None) -> None:
        app = self.config.loaded_app
        while app is not None and not hasattr(app, "state"):
            app = getattr(app, "app", None)
        ctx = getattr(getattr(app, "state", None), "ctx", None)
        if ctx is not None:
            ctx.close_watches()
        await super().shutdown(sockets)


def run(app, *, host: str, port: int, keep_alive_seconds: int, header_timeout_seconds: float) -> None:
    protocol = type("ConfiguredApiHttpProtocol", (ApiHttpProtocol,), {"header_timeout_seconds": header_timeout_seconds})
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        ws="wsproto",  # accepts kubectl's `SPDY/3.1+portforward.k8s.io` subprotocol, which websockets refuses
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # clients talk to us directly; X-Forwarded-For is not trusted
        timeout_graceful_shutdown=2,
        timeout_keep_alive=keep_alive_seconds,
    )
    ApiServer(config).run()

"""The HTTP layer under the app: uvicorn with Kubernetes' connection rules, on the secure port
(TLS, client certificates verified against the client CA) and, only when asked, a plain loopback port.

    listener ──► connection: the verified client certificate's identity (or the insecure port's
                 trusted user) is put into every request's scope (SCOPE_KEY) for authentication

connection ──► request headers must be complete within REQUEST_HEADER_TIMEOUT_SECONDS
               (a connection that sends nothing, or dribbles headers, is closed)
           ──► at most MAX_HEADER_BYTES of headers and MAX_HEADER_COUNT fields (431 otherwise)
           ──► a request the HTTP parser cannot read gets a 400 `Status`, never plain text
shutdown   ──► every open watch is ended first (clients re-watch), then uvicorn's graceful stop
--workers N ──► N processes, each binding the ports with SO_REUSEPORT (apiserver/workers.py)
"""

from __future__ import annotations

import asyncio
import functools
import json
import signal
import ssl
from dataclasses import dataclass

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.wsproto_impl import WSProtocol

from apiserver.authentication.user import INSECURE_PORT_USER
from apiserver.authentication.x509 import SCOPE_KEY, certificate_user
from apiserver.workers import reuse_port_socket, run_workers
from kubemini.api.status import make_status
from kubemini.component.uvicorn_server import QuietServer

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


def _connection_user(protocol, transport):
    return INSECURE_PORT_USER if protocol.insecure else certificate_user(transport)


class ApiWebSocketProtocol(WSProtocol):
    insecure = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._connection_user = _connection_user(self, transport)

    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        self.scope[SCOPE_KEY] = self._connection_user  # type: ignore[literal-required]


class ApiHttpProtocol(HttpToolsProtocol):
    header_timeout_seconds = REQUEST_HEADER_TIMEOUT_SECONDS
    insecure = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._connection_user = _connection_user(self, transport)
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
        self.scope[SCOPE_KEY] = self._connection_user  # type: ignore[literal-required]
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


@dataclass(frozen=True)
class SecureListener:
    port: int
    certificate_file: str
    key_file: str
    client_ca_file: str | None


class ApiServer(QuietServer):
    """Ends every watch before uvicorn waits for connections, so shutdown is quick and clean."""

    async def shutdown(self, sockets=None) -> None:
        app = self.config.loaded_app
        while app is not None and not hasattr(app, "state"):
            app = getattr(app, "app", None)
        ctx = getattr(getattr(app, "state", None), "ctx", None)
        if ctx is not None:
            ctx.close_watches()
        await super().shutdown(sockets)


def _config(
    app, *, host: str, port: int, keep_alive_seconds: int, header_timeout_seconds: float, insecure: bool, **extra
):
    attributes = {"header_timeout_seconds": header_timeout_seconds, "insecure": insecure}
    protocol = type("ConfiguredApiHttpProtocol", (ApiHttpProtocol,), attributes)
    websocket = type("ConfiguredApiWebSocketProtocol", (ApiWebSocketProtocol,), {"insecure": insecure})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        ws=websocket,  # wsproto: accepts kubectl's `SPDY/3.1+portforward.k8s.io` subprotocol, which websockets refuses
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # clients talk to us directly; X-Forwarded-For is not trusted
        timeout_graceful_shutdown=2,
        timeout_keep_alive=keep_alive_seconds,
        **extra,
    )


def serve(
    app,
    *,
    host: str,
    secure: SecureListener | None,
    insecure_port: int | None,
    keep_alive_seconds: int,
    header_timeout_seconds: float,
    workers: int = 1,
) -> None:
    """Serve on the secure port and/or the insecure loopback port; the first one runs the app's lifespan.
    With `workers` > 1, that many processes share the ports (apiserver/workers.py)."""
    if secure is None and insecure_port is None:
        raise SystemExit("nothing to serve: give --secure-port or --insecure-port")
    here = functools.partial(
        _serve_here,
        app,
        host=host,
        secure=secure,
        insecure_port=insecure_port,
        keep_alive_seconds=keep_alive_seconds,
        header_timeout_seconds=header_timeout_seconds,
    )
    if workers > 1:
        run_workers(workers, functools.partial(here, reuse_port=True))
    else:
        here(reuse_port=False)


def _serve_here(
    app,
    *,
    host: str,
    secure: SecureListener | None,
    insecure_port: int | None,
    keep_alive_seconds: int,
    header_timeout_seconds: float,
    reuse_port: bool,
) -> None:
    common = {"keep_alive_seconds": keep_alive_seconds, "header_timeout_seconds": header_timeout_seconds}
    servers, sockets = [], []
    if secure is not None:
        tls = {
            "ssl_certfile": secure.certificate_file,
            "ssl_keyfile": secure.key_file,
            "ssl_ca_certs": secure.client_ca_file,
            "ssl_cert_reqs": ssl.CERT_OPTIONAL if secure.client_ca_file else ssl.CERT_NONE,
        }
        servers.append(ApiServer(_config(app, host=host, port=secure.port, insecure=False, **common, **tls)))
        sockets.append([reuse_port_socket(host, secure.port)] if reuse_port else None)
    if insecure_port is not None:
        lifespan = "auto" if not servers else "off"
        config = _config(app, host="127.0.0.1", port=insecure_port, insecure=True, lifespan=lifespan, **common)
        servers.append(ApiServer(config))
        sockets.append([reuse_port_socket("127.0.0.1", insecure_port)] if reuse_port else None)
    with asyncio.Runner(loop_factory=_loop_factory(header_timeout_seconds)) as runner:
        runner.run(_serve_all(servers, sockets))


def _loop_factory(handshake_timeout_seconds: float):
    """uvloop (else asyncio's loop) whose TLS handshakes must finish within the request-header timeout,
    as Go's ReadHeaderTimeout covers the handshake: a client that connects and says nothing is cut off."""
    try:
        import uvloop

        base = uvloop.Loop
    except ImportError:  # pragma: no cover - uvloop is a dependency; asyncio's loop still works
        base = asyncio.SelectorEventLoop

    class ApiEventLoop(base):
        async def create_server(self, *args, **kwargs):
            if kwargs.get("ssl") is not None:
                kwargs.setdefault("ssl_handshake_timeout", handshake_timeout_seconds)
            return await super().create_server(*args, **kwargs)

    return ApiEventLoop


async def _serve_all(servers: list[ApiServer], sockets: list) -> None:
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    first, *others = servers
    # Signals are handled above, once for every listener (uvicorn's own handlers serve one server).
    running = [asyncio.create_task(first._serve(sockets[0]))]  # noqa: SLF001
    # The others share the state the first one's lifespan builds: they listen once it has started.
    while not first.started and not running[0].done():
        await asyncio.sleep(0.02)
    if first.started:
        running += [
            asyncio.create_task(server._serve(listening))  # noqa: SLF001
            for server, listening in zip(others, sockets[1:], strict=True)
        ]
    done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
    stop()
    await asyncio.gather(*running, return_exceptions=True)
    for task in done:
        task.result()

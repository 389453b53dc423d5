"""The reverse proxy: one client connection, many keep-alive requests, each routed on its own.

    client connection ──► read_head ──► Host + target ──► choose_route(current table)
        no route          ──► 404 default page
        canary attached   ──► use_canary(headers, cookie, random) picks canary or primary
        no ready endpoint ──► 503            no endpoint accepts ──► 502
        else ──► request head (+ X-Forwarded-*) and body streamed to the endpoint
             ──► response head and body streamed back (101 Upgrade: bytes piped both ways)
    each request ──► one access-log line and the request counters

The table is read once per request from `current_table()`, so a reload swaps
it under open connections without dropping any of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import Callable

from ingress_controller.access_logging import AccessLog
from ingress_controller.canary import RandomInt, use_canary
from ingress_controller.http_messages import (
    CHUNKED,
    LENGTH,
    NO_BODY,
    UNTIL_CLOSE,
    BadMessage,
    Head,
    body_framing,
    parse_head,
    read_head,
    relay_body,
    serialize_head,
)
from ingress_controller.idle_watching import IdleWatch
from ingress_controller.metrics import IngressMetrics
from ingress_controller.path_matching import normalize_host
from ingress_controller.request_forwarding import forwarded_head, pipe_both_ways
from ingress_controller.routing_table import RoutingTable, Upstream, choose_route
from ingress_controller.upstream_connections import UpstreamConnection, UpstreamConnections

IDLE_KEEPALIVE_SECONDS = 75.0
RESPONSE_HEAD_TIMEOUT_SECONDS = 60.0
SMALL_BODY_BYTES = 16 * 1024
REASONS = {400: "Bad Request", 404: "Not Found", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}
PAGES = {
    404: b"default backend - 404\n",
    502: b"502 Bad Gateway: no endpoint accepted the connection\n",
    503: b"503 Service Temporarily Unavailable: the backend has no ready endpoint\n",
    400: b"400 Bad Request\n",
}

log = logging.getLogger(__name__)


class IngressProxy:
    def __init__(
        self,
        current_table: Callable[[], RoutingTable],
        *,
        metrics: IngressMetrics,
        upstreams: UpstreamConnections | None = None,
        randint: RandomInt = random.randint,
        access_log: AccessLog | None = None,
    ):
        self.current_table = current_table
        self.metrics = metrics
        self.upstreams = upstreams or UpstreamConnections()
        self.randint = randint
        self.access_log = access_log
        self.idle_clients = IdleWatch(IDLE_KEEPALIVE_SECONDS)
        self.slow_upstreams = IdleWatch(RESPONSE_HEAD_TIMEOUT_SECONDS)

    def close(self) -> None:
        self.idle_clients.close()
        self.slow_upstreams.close()

    async def serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, scheme: str
    ) -> None:
        peer = writer.get_extra_info("peername") or ("-", 0)
        local = writer.get_extra_info("sockname") or ("-", 0)
        gauge = self.metrics.connections.labels(scheme)
        gauge.inc()
        try:
            while True:
                self.idle_clients.waiting(writer)
                raw = await read_head(reader)
                self.idle_clients.busy(writer)
                if raw is None:
                    break
                try:
                    request = parse_head(raw, request=True)
                    keep_alive = await self.serve_request(
                        request, reader, writer, client=peer[0], scheme=scheme, port=local[1]
                    )
                except BadMessage:
                    await self.answer_locally(writer, 400, keep_alive=False)
                    break
                if not keep_alive:
                    break
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError):
            pass  # the client went away or idled out: nothing to answer
        except BadMessage:
            pass
        finally:
            gauge.dec()
            self.idle_clients.busy(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def answer_locally(self, writer: asyncio.StreamWriter, status: int, *, keep_alive: bool) -> None:
        body = PAGES[status]
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        headers.append(("Connection", "keep-alive" if keep_alive else "close"))
        writer.write(serialize_head(f"HTTP/1.1 {status} {REASONS[status]}", headers) + body)
        await writer.drain()

    async def serve_request(
        self,
        request: Head,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        client: str,
        scheme: str,
        port: int,
    ) -> bool:
        """Answer one request; whether the client connection stays open for the next one."""
        started = time.monotonic()
        method, target, version = request.parts
        host_header = request.get("host") or ""
        request_framing = body_framing(request, request=True)
        keep_alive = request.wants_keep_alive(version)
        route = choose_route(self.current_table(), normalize_host(host_header), target)
        ingress, upstream, canary = "", None, False
        if route is not None:
            ingress, upstream = route.ingress, route.upstream
            if route.canary is not None and use_canary(
                route.canary.policy, header=request.get, cookie_header=request.get("cookie"), randint=self.randint
            ):
                upstream, canary = route.canary.upstream, True
                self.metrics.canary_requests.labels(route.canary.ingress).inc()
        status, sent, endpoint = 0, 0, "-"
        try:
            if upstream is None or not upstream.endpoints:
                status = 404 if upstream is None else 503
                # An unread request body would be taken for the next request: close instead.
                keep_alive = keep_alive and request_framing[0] == NO_BODY
                await self.answer_locally(writer, status, keep_alive=keep_alive)
                return keep_alive
            if "100-continue" in request.tokens("expect"):
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            outgoing = forwarded_head(request, client=client, scheme=scheme, port=port)
            result = await self.forward(
                outgoing,
                request_framing,
                upstream,
                reader,
                writer,
                keep_alive=keep_alive,
                http10_client=version == "HTTP/1.0",
            )
            if result is None:
                status = 502
                await self.answer_locally(writer, status, keep_alive=False)
                return False
            status, sent, endpoint, keep_alive = result
            return keep_alive
        finally:
            self.metrics.count_request(ingress, status)
            if self.access_log is not None:
                self.access_log.record(
                    client=client,
                    request_line=f"{method} {target} {version}",
                    status=status,
                    sent=sent,
                    seconds=time.monotonic() - started,
                    host=host_header,
                    ingress=ingress,
                    upstream=endpoint,
                    canary=canary,
                )

    async def forward(
        self,
        outgoing: bytes,
        request_framing: tuple[str, int],
        upstream: Upstream,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        keep_alive: bool,
        http10_client: bool = False,
    ) -> tuple[int, int, str, bool] | None:
        """Send the request to an endpoint and stream the answer back: (status, bytes, endpoint, keep-alive)."""
        connection = await self.upstreams.connect_any(upstream)
        if connection is None:
            return None
        method = outgoing.split(b" ", 1)[0].decode()
        try:
            response = await self._exchange(connection, outgoing, request_framing, reader)
            if response is None and connection.reused and request_framing[0] == NO_BODY:
                # The idle connection was closed by the endpoint as we reused it: one fresh try.
                connection.close()
                connection = await self.upstreams.connect(connection.endpoint, fresh=True)
                response = await self._exchange(connection, outgoing, request_framing, reader)
            if response is None:
                connection.close()
                return None
            while 100 <= int(response.parts[1]) < 200 and response.parts[1] != "101":
                writer.write(serialize_head(" ".join(response.parts).strip(), response.headers))
                response = await self._read_response(connection)
                if response is None:
                    connection.close()
                    return None
            endpoint = f"{connection.endpoint[0]}:{connection.endpoint[1]}"
            status = int(response.parts[1])
            if status == 101:
                writer.write(serialize_head(" ".join(response.parts).strip(), response.headers))
                await pipe_both_ways(reader, writer, connection)
                return status, 0, endpoint, False
            framing = body_framing(response, request=False, method=method)
            # An HTTP/1.0 client cannot read chunks: it gets the bare body, ended by closing.
            dechunk = http10_client and framing[0] == CHUNKED
            client_keep = keep_alive and framing[0] != UNTIL_CLOSE and not dechunk
            dropped = ("connection", "keep-alive", "transfer-encoding") if dechunk else ("connection", "keep-alive")
            headers = [(k, v) for k, v in response.headers if k.lower() not in dropped]
            headers.append(("Connection", "keep-alive" if client_keep else "close"))
            head = serialize_head(" ".join(response.parts).strip(), headers)
            if framing[0] == LENGTH and framing[1] <= SMALL_BODY_BYTES:
                # One write for head and a small body: one segment, one syscall.
                body = await connection.reader.readexactly(framing[1])
                writer.write(head + body)
                sent = len(body)
            else:
                writer.write(head)
                sent = await relay_body(connection.reader, writer, framing, dechunk=dechunk)
            await writer.drain()
            # An HTTP/1.0 answer without keep-alive (busybox httpd) means the endpoint closes now.
            if framing[0] != UNTIL_CLOSE and response.wants_keep_alive(response.parts[0]):
                self.upstreams.release(connection)
            else:
                connection.close()
            return status, sent, endpoint, client_keep
        except BaseException:
            connection.close()
            raise

    async def _exchange(
        self,
        connection: UpstreamConnection,
        outgoing: bytes,
        request_framing: tuple[str, int],
        reader: asyncio.StreamReader,
    ) -> Head | None:
        try:
            connection.writer.write(outgoing)
            if request_framing[0] != NO_BODY:
                await relay_body(reader, connection.writer, request_framing)
            await connection.writer.drain()
        except ConnectionError:
            return None
        return await self._read_response(connection)

    async def _read_response(self, connection: UpstreamConnection) -> Head | None:
        try:
            self.slow_upstreams.waiting(connection.writer)
            try:
                raw = await read_head(connection.reader)
            finally:
                self.slow_upstreams.busy(connection.writer)
        except (ConnectionError, TimeoutError, BadMessage):
            return None
        return None if raw is None else parse_head(raw, request=False)

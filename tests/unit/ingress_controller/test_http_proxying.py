"""The proxy in-process against scripted loopback backends: framing, keep-alive, local answers."""

from __future__ import annotations

import asyncio
import functools

from ingress_controller.http_proxying import IngressProxy
from ingress_controller.metrics import IngressMetrics
from ingress_controller.routing_table import HostRules, Route, RoutingTable, Upstream


async def scripted_backend(answer: bytes, *, seen: list[bytes], close: bool):
    """A backend on 127.0.0.1 that records each request head (and body) and sends `answer`."""

    async def handle(reader, writer):
        while True:
            head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
            if not head:
                break
            body = b""
            if b"chunked" in head.lower():
                while (line := await reader.readuntil(b"\r\n")) != b"0\r\n":
                    body += await reader.readexactly(int(line, 16) + 2)
                await reader.readuntil(b"\r\n")
            seen.append(head + body)
            writer.write(answer)
            await writer.drain()
            if close:
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def proxy_for(table: RoutingTable):
    proxy = IngressProxy(lambda: table, metrics=IngressMetrics(), access_log=None)
    server = await asyncio.start_server(functools.partial(proxy.serve_connection, scheme="http"), "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def table_to(port: int | None) -> RoutingTable:
    endpoints = (("127.0.0.1", port),) if port else ()
    route = Route("default/web", Upstream("default/web", "80", endpoints))
    return RoutingTable(hosts={"web.test": HostRules(paths=(("Prefix", "/", route),))})


async def exchange(port: int, *requests: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for request in requests:
        writer.write(request)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


GET = b"GET /x HTTP/1.1\r\nHost: web.test\r\n\r\n"
GET_CLOSE = b"GET /y HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n"


async def test_keep_alive_requests_and_headers_to_a_keep_alive_backend():
    seen: list[bytes] = []
    backend, backend_port = await scripted_backend(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", seen=seen, close=False
    )
    proxy, port = await proxy_for(table_to(backend_port))
    answer = await exchange(port, GET, GET_CLOSE)
    assert answer.count(b"HTTP/1.1 200 OK") == 2 and answer.endswith(b"ok")
    assert b"Connection: close" in answer.rsplit(b"HTTP/1.1", 1)[1]
    assert len(seen) == 2 and seen[0].startswith(b"GET /x HTTP/1.1\r\n") and seen[1].startswith(b"GET /y ")
    assert b"X-Forwarded-For: 127.0.0.1" in seen[0] and b"X-Forwarded-Host: web.test" in seen[0]
    assert b"Connection: keep-alive" in seen[1]  # the client's close is hop-by-hop
    backend.close()
    proxy.close()


async def test_http10_backend_that_closes_and_chunked_bodies():
    seen: list[bytes] = []
    chunked = b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    backend, backend_port = await scripted_backend(chunked, seen=seen, close=True)
    proxy, port = await proxy_for(table_to(backend_port))
    post = b"POST /up HTTP/1.1\r\nHost: web.test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n0\r\n\r\n"
    answer = await exchange(port, post, GET_CLOSE)
    assert answer.count(b"3\r\nabc\r\n0\r\n\r\n") == 2  # both answered: the second on a fresh upstream
    assert seen[0].endswith(b"data\r\n") and len(seen) == 2
    backend.close()
    proxy.close()


async def test_http10_client_gets_a_dechunked_body_and_a_close():
    seen: list[bytes] = []
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    backend, backend_port = await scripted_backend(chunked, seen=seen, close=False)
    proxy, port = await proxy_for(table_to(backend_port))
    answer = await exchange(port, b"GET / HTTP/1.0\r\nHost: web.test\r\nConnection: keep-alive\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert body == b"abcde" and b"Connection: close" in head and b"chunked" not in head.lower()
    backend.close()
    proxy.close()


async def test_until_close_body_closes_the_client_connection():
    seen: list[bytes] = []
    backend, backend_port = await scripted_backend(b"HTTP/1.1 200 OK\r\n\r\nstreamed", seen=seen, close=True)
    proxy, port = await proxy_for(table_to(backend_port))
    answer = await exchange(port, GET)
    assert answer.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in answer and answer.endswith(b"streamed")
    backend.close()
    proxy.close()


async def test_local_answers_404_503_502_400():
    proxy, port = await proxy_for(table_to(None))
    assert (await exchange(port, b"GET / HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n")).startswith(
        b"HTTP/1.1 404"
    )
    assert (await exchange(port, GET_CLOSE)).startswith(b"HTTP/1.1 503")
    assert (await exchange(port, b"NONSENSE\r\n\r\n")).startswith(b"HTTP/1.1 400")
    proxy.close()
    closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    dead_port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    proxy, port = await proxy_for(table_to(dead_port))
    assert (await exchange(port, GET)).startswith(b"HTTP/1.1 502")
    proxy.close()

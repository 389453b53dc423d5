"""The TCP proxy's dial policy on loopback sockets: skip refusers, retry the slow, reset when none.

Backends are plain asyncio servers on 127.0.0.x; a "slow" endpoint is a listening
socket whose accept queue is full, so the kernel drops further SYNs and a connect
to it hangs: exactly what an overloaded pod looks like. Each test runs on asyncio's loop
and on uvloop (conftest.py), the two loops kube-proxy may run on.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from kube_proxy import tcp_proxying
from kube_proxy.load_balancing import Endpoint
from kube_proxy.metrics import PortStats
from kube_proxy.port_proxy import PortProxy
from kube_proxy.service_ports import ServicePort, ServicePortName
from kube_proxy.tcp_proxying import TcpListener

NAME = ServicePortName("ns", "web", "http")
ANSWER_TIMEOUT_SECONDS = 5.0


@pytest.fixture(autouse=True)
def short_dial_timeouts(monkeypatch):
    monkeypatch.setattr(tcp_proxying, "DIAL_TIMEOUTS_SECONDS", (0.05, 0.1, 0.2, 0.4))


async def named_server(host: str, name: str) -> asyncio.AbstractServer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(name.encode())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, host, 0)


def full_backlog(host: str) -> tuple[list[socket.socket], int]:
    """A listener that never accepts, with its queue filled: new SYNs are dropped."""
    listener = socket.socket()
    listener.bind((host, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(2):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex((host, port))
        fillers.append(filler)
    return [listener, *fillers], port


async def start_proxy(endpoints: list[Endpoint]) -> tuple[PortProxy, TcpListener]:
    proxy = PortProxy(NAME, "TCP", PortStats("ns/web", "http", "TCP"))
    proxy.update(ServicePort(name=NAME, protocol="TCP", cluster_ip="10.96.0.9", port=80, endpoints=tuple(endpoints)))
    listener = TcpListener(proxy, host="127.0.0.1", port=0)
    await listener.open()
    return proxy, listener


async def ask(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"hello\n")
        return await asyncio.wait_for(reader.read(), ANSWER_TIMEOUT_SECONDS)
    finally:
        writer.close()


async def reset_without_answer(port: int) -> bool:
    try:
        return await ask(port) == b""
    except ConnectionResetError:
        return True


async def test_refusing_and_slow_endpoints_are_skipped():
    good = await named_server("127.0.0.2", "good")
    good_port = good.sockets[0].getsockname()[1]
    held, slow_port = full_backlog("127.0.0.3")
    refused = Endpoint("127.0.0.4", good_port)  # nothing listens there
    proxy, listener = await start_proxy([Endpoint("127.0.0.2", good_port), Endpoint("127.0.0.3", slow_port), refused])
    try:
        answers = [await ask(listener.port) for _ in range(6)]
    finally:
        listener.close()
        good.close()
        for sock in held:
            sock.close()

    assert answers == [b"good"] * 6
    assert proxy.stats.errors["dial_failed"] >= 1 and proxy.stats.errors["dial_timeout"] >= 1
    assert proxy.stats.errors["no_endpoint"] == 0


async def test_only_slow_endpoint_is_retried_with_longer_timeouts_then_reset():
    held, slow_port = full_backlog("127.0.0.3")
    proxy, listener = await start_proxy([Endpoint("127.0.0.3", slow_port)])
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        assert await reset_without_answer(listener.port)
        waited = loop.time() - started
    finally:
        listener.close()
        for sock in held:
            sock.close()

    assert proxy.stats.errors["dial_timeout"] == 4 and proxy.stats.errors["no_endpoint"] == 1
    assert 0.7 <= waited < 3.0, waited


async def test_no_endpoints_resets_at_once():
    proxy, listener = await start_proxy([])
    try:
        assert await reset_without_answer(listener.port)
    finally:
        listener.close()

    assert proxy.stats.errors["no_endpoint"] == 1 and proxy.stats.active == 0


async def test_open_connection_survives_its_endpoint_being_removed():
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            writer.write(b"echo " + line)
            await writer.drain()
        writer.close()

    backend = await asyncio.start_server(echo, "127.0.0.2", 0)
    endpoint = Endpoint("127.0.0.2", backend.sockets[0].getsockname()[1])
    proxy, listener = await start_proxy([endpoint])
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    try:
        writer.write(b"one\n")
        assert await asyncio.wait_for(reader.readline(), ANSWER_TIMEOUT_SECONDS) == b"echo one\n"
        proxy.balancer.update([], affinity_seconds=None)
        listener.close()

        writer.write(b"two\n")
        assert await asyncio.wait_for(reader.readline(), ANSWER_TIMEOUT_SECONDS) == b"echo two\n"
        assert proxy.stats.active == 1
    finally:
        writer.close()
        backend.close()


async def test_request_and_eof_sent_before_the_backend_is_connected_arrive_whole():
    async def collect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received = await reader.read()  # until the client's EOF, relayed by the proxy
        writer.write(b"got " + received)
        await writer.drain()
        writer.close()

    backend = await asyncio.start_server(collect, "127.0.0.2", 0)
    proxy, listener = await start_proxy([Endpoint("127.0.0.2", backend.sockets[0].getsockname()[1])])
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        writer.write(b"one ")
        writer.write(b"two")
        writer.write_eof()
        answer = await asyncio.wait_for(reader.read(), ANSWER_TIMEOUT_SECONDS)
        writer.close()
    finally:
        listener.close()
        backend.close()

    assert answer == b"got one two"

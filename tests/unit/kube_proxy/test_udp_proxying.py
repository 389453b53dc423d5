"""The UDP proxy on loopback: sessions per client, round-robin, a refusing endpoint skipped."""

from __future__ import annotations

import asyncio

from kube_proxy.load_balancing import Endpoint
from kube_proxy.metrics import PortStats
from kube_proxy.port_proxy import PortProxy
from kube_proxy.service_ports import ServicePort, ServicePortName
from kube_proxy.udp_proxying import UdpListener
from tests.support.ports import free_port

NAME = ServicePortName("ns", "echo", "udp")
ANSWER_TIMEOUT_SECONDS = 2.0


class _Echo(asyncio.DatagramProtocol):
    def __init__(self, name: str):
        self.name = name.encode()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(self.name + b" " + data, addr)  # type: ignore[attr-defined]


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answers: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.answers.put_nowait(data)


async def echo_server(host: str, port: int) -> asyncio.DatagramTransport:
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: _Echo(host), local_addr=(host, port)
    )
    return transport


async def start_listener(endpoints: list[Endpoint]) -> tuple[PortProxy, UdpListener]:
    proxy = PortProxy(NAME, "UDP", PortStats("ns/echo", "udp", "UDP"))
    proxy.update(ServicePort(name=NAME, protocol="UDP", cluster_ip="10.96.0.9", port=53, endpoints=tuple(endpoints)))
    listener = UdpListener(proxy, host="127.0.0.1", port=free_port())
    await listener.open()
    return proxy, listener


async def ask(port: int, payload: bytes) -> bytes:
    """From a fresh client socket, so every ask is a new session."""
    transport, client = await asyncio.get_running_loop().create_datagram_endpoint(
        _Client, remote_addr=("127.0.0.1", port)
    )
    try:
        transport.sendto(payload)
        return await asyncio.wait_for(client.answers.get(), ANSWER_TIMEOUT_SECONDS)
    finally:
        transport.close()


async def test_sessions_round_robin_and_keep_their_endpoint():
    port = free_port()
    servers = [await echo_server(host, port) for host in ("127.0.0.2", "127.0.0.3")]
    proxy, listener = await start_listener([Endpoint("127.0.0.2", port), Endpoint("127.0.0.3", port)])
    try:
        answers = sorted([await ask(listener.port, b"ping") for _ in range(4)])
        transport, client = await asyncio.get_running_loop().create_datagram_endpoint(
            _Client, remote_addr=("127.0.0.1", listener.port)
        )
        same_session = []
        for index in range(3):
            transport.sendto(b"n%d" % index)
            same_session.append((await asyncio.wait_for(client.answers.get(), ANSWER_TIMEOUT_SECONDS)).split()[0])
        transport.close()
    finally:
        listener.close()
        for server in servers:
            server.close()

    assert answers == [b"127.0.0.2 ping"] * 2 + [b"127.0.0.3 ping"] * 2
    assert len(set(same_session)) == 1, same_session
    assert proxy.stats.connections == 5


async def test_refusing_endpoint_is_skipped_and_the_datagram_resent():
    port = free_port()
    server = await echo_server("127.0.0.2", port)
    proxy, listener = await start_listener([Endpoint("127.0.0.2", port), Endpoint("127.0.0.4", port)])
    try:
        answers = [await ask(listener.port, b"ping") for _ in range(4)]
    finally:
        listener.close()
        server.close()

    assert answers == [b"127.0.0.2 ping"] * 4
    assert proxy.stats.errors["backend_refused"] >= 1

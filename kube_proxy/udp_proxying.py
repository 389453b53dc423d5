"""The userspace UDP proxy: one session per client address, each with its own backend socket.

    datagram from client C ──► C's session (new one: balancer picks an endpoint, a
        │                      connected UDP socket is opened towards it; datagrams
        │                      arriving meanwhile wait in a bounded queue)
        └─► backend socket ──► replies ──► sent back to C from the service address
    ICMP refused before any reply ──► forget affinity, resend the unanswered datagrams
                                      to the next endpoint (each endpoint once)
    idle for UDP_IDLE_TIMEOUT_SECONDS ──► session closed by the sweeper

A session keeps its endpoint while it lives, so removing an endpoint drains its
sessions instead of re-routing them mid-conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from kube_proxy.load_balancing import Endpoint
from kube_proxy.port_proxy import PortProxy

UDP_IDLE_TIMEOUT_SECONDS = 30.0
UDP_SWEEP_PERIOD_SECONDS = 5.0
# Datagrams kept for one session while its backend socket opens or is being replaced.
MAX_PENDING_DATAGRAMS = 64
MAX_ENDPOINT_ATTEMPTS = 16

log = logging.getLogger(__name__)

Address = tuple[str, int]


class _BackendSide(asyncio.DatagramProtocol):
    def __init__(self, session: UdpSession):
        self.session = session

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.session.reply(data)

    def error_received(self, exc: Exception) -> None:
        self.session.backend_failed(exc)


class UdpSession:
    def __init__(self, listener: UdpListener, client: Address):
        self.listener = listener
        self.proxy = listener.proxy
        self.client = client
        self.last_used = time.monotonic()
        self.closed = False
        self.answered = False
        self.unanswered: list[bytes] = []
        self.tried: set[Endpoint] = set()
        self.endpoint: Endpoint | None = None
        self._backend: asyncio.DatagramTransport | None = None
        self._opening: asyncio.Task[None] | None = None
        self.proxy.opened(self)

    def send(self, data: bytes) -> None:
        self.last_used = time.monotonic()
        if not self.answered:
            if len(self.unanswered) >= MAX_PENDING_DATAGRAMS:
                self.proxy.stats.errors["queue_full"] += 1
                return
            self.unanswered.append(data)
        if self._backend is not None:
            self._backend.sendto(data)
            self.proxy.stats.bytes_to_backend += len(data)
        elif self._opening is None:
            self._opening = asyncio.get_running_loop().create_task(self._open())

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        balancer = self.proxy.balancer
        while not self.closed and len(self.tried) < MAX_ENDPOINT_ATTEMPTS:
            endpoint = balancer.next_endpoint(self.client[0], exclude=self.tried)
            if endpoint is None:
                break
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _BackendSide(self), remote_addr=(endpoint.ip, endpoint.port)
                )
            except OSError as error:
                self.proxy.stats.errors["dial_failed"] += 1
                log.debug("%s: endpoint %s failed (%r)", self.proxy.name, endpoint, error)
                self.tried.add(endpoint)
                balancer.reset_affinity(self.client[0])
                continue
            if self.closed:
                transport.close()
                return
            self._backend, self.endpoint = transport, endpoint
            self._opening = None
            for data in self.unanswered:
                transport.sendto(data)
                self.proxy.stats.bytes_to_backend += len(data)
            return
        self.proxy.stats.errors["no_endpoint"] += 1
        self.close()

    def reply(self, data: bytes) -> None:
        self.last_used = time.monotonic()
        self.answered = True
        self.unanswered.clear()
        self.listener.send_to_client(data, self.client)
        self.proxy.stats.bytes_to_client += len(data)

    def backend_failed(self, exc: Exception) -> None:
        """ICMP port unreachable (refused) and the like, reported on the backend socket."""
        self.proxy.stats.errors["backend_refused"] += 1
        endpoint = self.endpoint
        if self.answered or endpoint is None or self.closed:
            return  # a conversation already under way: the client's retries decide
        self.tried.add(endpoint)
        self.proxy.balancer.reset_affinity(self.client[0])
        if self._backend is not None:
            self._backend.close()
            self._backend = None
        self._opening = asyncio.get_running_loop().create_task(self._open())

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.proxy.closed(self)
        self.listener.forget(self)
        if self._backend is not None:
            self._backend.close()
        if self._opening is not None:
            self._opening.cancel()


class UdpListener(asyncio.DatagramProtocol):
    """One UDP service address; sessions per client address."""

    def __init__(self, proxy: PortProxy, *, host: str, port: int):
        self.proxy = proxy
        self.host = host
        self.port = port
        self.sessions: dict[Address, UdpSession] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self.port))
        self.port = self._transport.get_extra_info("sockname")[1]  # the one chosen, when asked for 0
        self._sweeper = loop.create_task(self._sweep_forever())

    def datagram_received(self, data: bytes, addr: Address) -> None:
        session = self.sessions.get(addr)
        if session is None:
            session = self.sessions[addr] = UdpSession(self, addr)
        session.send(data)

    def send_to_client(self, data: bytes, client: Address) -> None:
        if self._transport is not None:
            self._transport.sendto(data, client)

    def forget(self, session: UdpSession) -> None:
        if self.sessions.get(session.client) is session:
            del self.sessions[session.client]

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(UDP_SWEEP_PERIOD_SECONDS)
            cutoff = time.monotonic() - UDP_IDLE_TIMEOUT_SECONDS
            for session in [s for s in self.sessions.values() if s.last_used < cutoff]:
                session.close()

    def close(self) -> None:
        """Replies go out through this socket, so its sessions end with it."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for session in list(self.sessions.values()):
            session.close()
        if self._transport is not None:
            with contextlib.suppress(Exception):
                self._transport.close()
            self._transport = None

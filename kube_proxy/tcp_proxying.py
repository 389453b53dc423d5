"""The userspace TCP proxy: accept on a service address, dial a ready endpoint, splice bytes.

    listener accepts ──► client side paused ──► dial(): balancer picks an endpoint
        │  refused ──► forget affinity, count it, try the next one (never this one again)
        │  timed out ──► the same, but it may be retried once the others had their turn,
        │                with a longer timeout (0.5, 1, 2, 4 s: a full backlog drops SYNs)
        ├─ connected ──► forward what the client sent meanwhile (a loop may deliver data
        │                despite the pause), resume it; bytes flow both ways (flow control:
        │                a side whose peer's write buffer is full stops reading)
        └─ none left ──► reset the client (RST), as a REJECT rule would
    one side ends (EOF) ──► half-close the other; both ended or one lost ──► close both

Plain asyncio protocols rather than streams: every chunk goes straight from one
transport's read callback to the other's write, with no task switch in between.
A connection never looks at the endpoint list again once it is connected, so an
endpoint removed from the Endpoints keeps its open connections until they end.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct

from kube_proxy.load_balancing import Endpoint
from kube_proxy.port_proxy import PortProxy

# Dial timeout after 0, 1, 2, 3 earlier timeouts; a fourth timeout gives up (7.5 s at most).
DIAL_TIMEOUTS_SECONDS = (0.5, 1.0, 2.0, 4.0)
# Endpoint lists can change while dialing: never try more than this many for one connection.
MAX_DIAL_ATTEMPTS = 16
LISTEN_BACKLOG = 1024

log = logging.getLogger(__name__)


def _reset(transport: asyncio.BaseTransport) -> None:
    """Close with RST instead of FIN, so the client sees 'connection reset' at once."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # already gone: abort() below is all that is left to do
    transport.abort()


class _Side(asyncio.Protocol):
    """One socket of a proxied connection; what it reads, it writes to the other side."""

    def __init__(self, connection: TcpConnection, *, to_backend: bool):
        self.connection = connection
        self.to_backend = to_backend
        self.stats = connection.proxy.stats
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self.eof = False
        # Read before the backend was connected (some event loops deliver data despite pause_reading).
        self.early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is None or peer.transport is None:
            self.early.append(data)
            return
        peer.transport.write(data)
        if self.to_backend:
            self.stats.bytes_to_backend += len(data)
        else:
            self.stats.bytes_to_client += len(data)

    def eof_received(self) -> bool:
        self.eof = True
        peer = self.peer
        if peer is None:
            return True  # before the backend is connected: forwarded once it is
        if peer is not None and peer.transport is not None and peer.transport.can_write_eof():
            peer.transport.write_eof()
        if peer is None or peer.eof:
            self.connection.close()
        return True  # keep the other direction open (half-close)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.connection.close()

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class TcpConnection:
    """A client connection accepted on a service address, and the backend it was given."""

    def __init__(self, proxy: PortProxy, *, client: _Side):
        self.proxy = proxy
        self.client = client
        self.backend: _Side | None = None
        self.client_ip = ""
        self.closed = False
        self._task: asyncio.Task[None] | None = None  # held so the running dial is not garbage-collected

    def start(self) -> None:
        transport = self.client.transport
        assert transport is not None
        transport.pause_reading()
        peer = transport.get_extra_info("peername") or ("", 0)
        self.client_ip = peer[0]
        self.proxy.opened(self)
        self._task = asyncio.get_running_loop().create_task(self._dial())

    async def _dial(self) -> None:
        loop = asyncio.get_running_loop()
        balancer, stats = self.proxy.balancer, self.proxy.stats
        refused: set[Endpoint] = set()  # never again for this connection
        slow: set[Endpoint] = set()  # timed out: only after every other endpoint had its turn
        attempts = timeouts = 0
        while not self.closed and attempts < MAX_DIAL_ATTEMPTS and timeouts < len(DIAL_TIMEOUTS_SECONDS):
            endpoint = balancer.next_endpoint(self.client_ip, exclude=refused | slow)
            if endpoint is None:
                if not slow:
                    break  # every endpoint refused, or there are none
                slow.clear()  # all that is left was slow: another round, with a longer timeout
                continue
            attempts += 1
            backend = _Side(self, to_backend=False)
            try:
                async with asyncio.timeout(DIAL_TIMEOUTS_SECONDS[timeouts]):
                    await loop.create_connection(lambda side=backend: side, endpoint.ip, endpoint.port)
            except TimeoutError:
                # Slow rather than gone, perhaps (a full accept backlog drops SYNs for a second).
                stats.errors["dial_timeout"] += 1
                timeouts += 1
                slow.add(endpoint)
                balancer.reset_affinity(self.client_ip)
                continue
            except OSError as error:
                # Refused (not listening yet, or already stopped) or unreachable: try another one.
                stats.errors["dial_failed"] += 1
                log.debug("%s: endpoint %s failed (%r); trying the next", self.proxy.name, endpoint, error)
                refused.add(endpoint)
                balancer.reset_affinity(self.client_ip)
                continue
            if self.closed:  # the client left while we dialed
                if backend.transport is not None:
                    backend.transport.close()
                return
            self.backend, backend.peer, self.client.peer = backend, self.client, backend
            self._flush_early(backend)
            return
        if not self.closed:
            stats.errors["no_endpoint"] += 1
            if self.client.transport is not None:
                _reset(self.client.transport)
            self.close()

    def _flush_early(self, backend: _Side) -> None:
        client = self.client
        if backend.transport is None:
            return
        for data in client.early:
            client.data_received(data)
        client.early.clear()
        if client.eof:
            backend.transport.write_eof()
        elif client.transport is not None:
            client.transport.resume_reading()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.proxy.closed(self)
        for side in (self.client, self.backend):
            if side is not None and side.transport is not None:
                side.transport.close()  # flushes what is buffered, then FIN


class _ListenerSide(_Side):
    """The protocol a listener creates per accepted socket: starts the connection's dial."""

    def __init__(self, proxy: PortProxy):
        super().__init__(TcpConnection(proxy, client=self), to_backend=True)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.connection.start()


class TcpListener:
    """One listening socket (ClusterIP, NodePort or LoadBalancer address) of a service port."""

    def __init__(self, proxy: PortProxy, *, host: str, port: int):
        self.proxy = proxy
        self.host = host
        self.port = port
        self._server: asyncio.AbstractServer | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _ListenerSide(self.proxy),
            host=self.host,
            port=self.port,
            reuse_address=True,
            backlog=LISTEN_BACKLOG,
        )
        self.port = self._server.sockets[0].getsockname()[1]  # the one chosen, when asked for 0

    def close(self) -> None:
        """Stop accepting; connections already accepted carry on (drain)."""
        if self._server is not None:
            self._server.close()
            self._server = None

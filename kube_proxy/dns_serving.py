"""The cluster DNS server: UDP and TCP on the cluster DNS address (10.96.0.10:53 by default).

    UDP datagram ──► answer_query(max 512 bytes) ──► reply datagram (TC set when too big)
    TCP stream   ──► 2-byte length + query, repeated ──► 2-byte length + answer each
                     (idle TCP_IDLE_SECONDS or a malformed frame: connection closed)

Answers come from the informer caches through `resolve`; nothing is ever
forwarded, so a pod's lookup of an outside name gets REFUSED from here and
no DNS traffic leaves the node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct

from kube_proxy.dns_answering import UDP_MAX_ANSWER_BYTES, Resolver, answer_query
from kube_proxy.dns_records import DEFAULT_CLUSTER_DOMAIN
from kube_proxy.metrics import ProxyMetrics

DNS_PORT = 53
TCP_IDLE_SECONDS = 10.0
MAX_TCP_CONNECTIONS = 256

log = logging.getLogger(__name__)


class _UdpDns(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer):
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        answer = self.server.answer(data, max_size=UDP_MAX_ANSWER_BYTES)
        if answer is not None and self.transport is not None:
            self.transport.sendto(answer, addr)


class DnsServer:
    def __init__(
        self,
        *,
        host: str,
        port: int = DNS_PORT,
        resolve: Resolver,
        metrics: ProxyMetrics,
        domain: str = DEFAULT_CLUSTER_DOMAIN,
    ):
        self.host = host
        self.port = port
        self.resolve = resolve
        self.metrics = metrics
        self.domain = domain
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.AbstractServer | None = None
        self._tcp_connections: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return self._udp is not None and self._tcp is not None

    def answer(self, data: bytes, *, max_size: int | None) -> bytes | None:
        result = answer_query(data, resolve=self.resolve, domain=self.domain, max_size=max_size)
        if result is None:
            self.metrics.dns_queries.labels("malformed").inc()
            return None
        answer, rcode = result
        self.metrics.dns_queries.labels(rcode).inc()
        return answer

    async def start(self) -> None:
        """Bind both sockets (OSError when the address is not local or the port is taken)."""
        loop = asyncio.get_running_loop()
        if self._udp is None:
            self._udp, _ = await loop.create_datagram_endpoint(lambda: _UdpDns(self), local_addr=(self.host, self.port))
        if self._tcp is None:
            self._tcp = await asyncio.start_server(self._serve_tcp, self.host, self.port, reuse_address=True)
        log.info("cluster DNS for %s answering on %s:%d (UDP, TCP)", self.domain, self.host, self.port)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tcp_connections.add(task)
        try:
            if len(self._tcp_connections) > MAX_TCP_CONNECTIONS:
                return
            while True:
                header = await asyncio.wait_for(reader.readexactly(2), TCP_IDLE_SECONDS)
                (length,) = struct.unpack("!H", header)
                query = await asyncio.wait_for(reader.readexactly(length), TCP_IDLE_SECONDS)
                answer = self.answer(query, max_size=None)
                if answer is None:
                    return
                writer.write(struct.pack("!H", len(answer)) + answer)
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away or idled out: normal ends of a DNS TCP connection
        finally:
            if task is not None:
                self._tcp_connections.discard(task)
            writer.close()

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            self._tcp = None
        for task in list(self._tcp_connections):
            task.cancel()
        for task in list(self._tcp_connections):
            with contextlib.suppress(asyncio.CancelledError):
                await task

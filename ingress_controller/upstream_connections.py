"""Connections to endpoints: round robin over the ready ones, idle keep-alive connections reused.

Upstream (service port + ready endpoints) ──► next start index (per service port, round robin)
    ──► reuse an idle connection to that endpoint, else connect (bounded); a refused
        endpoint is skipped and the next one tried, so one dead pod costs no request
after a clean response ──► release(): back to the idle list (bounded per endpoint)
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ingress_controller.endpoint_safety import address_allowed
from ingress_controller.routing_table import Endpoint, Upstream

CONNECT_TIMEOUT_SECONDS = 5.0
MAX_IDLE_PER_ENDPOINT = 64
STREAM_LIMIT_BYTES = 64 * 1024


@dataclass
class UpstreamConnection:
    endpoint: Endpoint
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False

    def close(self) -> None:
        self.writer.close()


class UpstreamConnections:
    def __init__(self, *, connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS):
        self.connect_timeout_seconds = connect_timeout_seconds
        self._idle: dict[Endpoint, list[UpstreamConnection]] = {}
        self._turns: dict[tuple[str, str], int] = {}

    def endpoint_order(self, upstream: Upstream) -> list[Endpoint]:
        """The endpoints, starting at this service port's next turn."""
        endpoints = upstream.endpoints
        key = (upstream.service, upstream.port)
        turn = self._turns.get(key, 0)
        self._turns[key] = turn + 1
        start = turn % len(endpoints)
        return [*endpoints[start:], *endpoints[:start]]

    def _take_idle(self, endpoint: Endpoint) -> UpstreamConnection | None:
        idle = self._idle.get(endpoint)
        while idle:
            connection = idle.pop()
            if not connection.reader.at_eof() and not connection.writer.is_closing():
                connection.reused = True
                return connection
            connection.close()
        return None

    async def connect(self, endpoint: Endpoint, *, fresh: bool = False) -> UpstreamConnection:
        if not fresh and (connection := self._take_idle(endpoint)) is not None:
            return connection
        if not address_allowed(endpoint[0]):
            # The routing table already filters these; refuse again at the socket, to be sure.
            raise ConnectionRefusedError(f"{endpoint[0]} is not a pod address on this machine")
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(endpoint[0], endpoint[1], limit=STREAM_LIMIT_BYTES), self.connect_timeout_seconds
        )
        return UpstreamConnection(endpoint, reader, writer)

    async def connect_any(self, upstream: Upstream) -> UpstreamConnection | None:
        """A connection to one of the upstream's endpoints, or None when none accepts."""
        for endpoint in self.endpoint_order(upstream):
            try:
                return await self.connect(endpoint)
            except (OSError, TimeoutError):
                continue
        return None

    def release(self, connection: UpstreamConnection) -> None:
        idle = self._idle.setdefault(connection.endpoint, [])
        if len(idle) >= MAX_IDLE_PER_ENDPOINT or connection.writer.is_closing():
            connection.close()
            return
        connection.reused = False
        idle.append(connection)

    def forget_endpoints(self, keep: set[Endpoint]) -> None:
        """Close idle connections to endpoints no table names any more."""
        for endpoint in [e for e in self._idle if e not in keep]:
            for connection in self._idle.pop(endpoint):
                connection.close()

    def close(self) -> None:
        self.forget_endpoints(set())

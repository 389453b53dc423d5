"""What the endpoint sees of a request, and the byte pipe after a protocol upgrade.

client request head ──► forwarded_head(): HTTP/1.1, keep-alive to the endpoint, hop-by-hop
    headers dropped (and those the client's Connection names), X-Forwarded-* and X-Real-IP
    set from the connection (client-sent values are replaced, never trusted)
101 Switching Protocols ──► pipe_both_ways(): bytes copied both ways until either side closes
"""

from __future__ import annotations

import asyncio
import contextlib

from ingress_controller.http_messages import Head, serialize_head
from ingress_controller.upstream_connections import UpstreamConnection

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "upgrade", "expect"}
FORWARDED = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip"}


def forwarded_head(request: Head, *, client: str, scheme: str, port: int) -> bytes:
    """The request head as the endpoint sees it: HTTP/1.1, keep-alive, hop-by-hop headers dropped."""
    method, target, _version = request.parts
    named_hop = request.tokens("connection")
    upgrade = request.get("upgrade") if "upgrade" in named_hop else None
    headers = [
        (name, value)
        for name, value in request.headers
        if (lower := name.lower()) not in HOP_BY_HOP and lower not in FORWARDED and lower not in named_hop
    ]
    host = request.get("host") or ""
    headers += [
        ("X-Real-IP", client),
        ("X-Forwarded-For", client),
        ("X-Forwarded-Proto", scheme),
        ("X-Forwarded-Host", host),
        ("X-Forwarded-Port", str(port)),
    ]
    if upgrade:
        headers += [("Connection", "upgrade"), ("Upgrade", upgrade)]
    else:
        headers.append(("Connection", "keep-alive"))
    return serialize_head(f"{method} {target} HTTP/1.1", headers)


async def pipe_both_ways(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: UpstreamConnection
) -> None:
    """After a 101 (WebSocket and other upgrades): copy bytes both ways until either side closes."""

    async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await source.read(64 * 1024):
                sink.write(chunk)
                await sink.drain()
        with contextlib.suppress(OSError):
            if sink.can_write_eof():
                sink.write_eof()

    try:
        await asyncio.gather(copy(reader, connection.writer), copy(connection.reader, writer))
    finally:
        connection.close()

"""The HTTP and HTTPS listeners: an address given with a flag, or a well-known port with a fallback.

--http-address  auto ──► 127.0.0.1:80,  else (taken, or no privilege) 127.0.0.1:8081
--https-address auto ──► 127.0.0.1:443, else 127.0.0.1:8443
an explicit HOST:PORT ──► exactly that, or the controller refuses to start
an empty value        ──► that listener is off
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

AUTO = "auto"
DEFAULT_HOST = "127.0.0.1"
HTTP_PORTS = (80, 8081)
HTTPS_PORTS = (443, 8443)
STREAM_LIMIT_BYTES = 64 * 1024
TLS_HANDSHAKE_TIMEOUT_SECONDS = 10.0

log = logging.getLogger(__name__)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class ListenError(RuntimeError):
    """An explicitly requested address could not be bound."""


@dataclass(frozen=True)
class ListenAddress:
    host: str
    port: int


def candidate_addresses(flag: str, *, well_known: tuple[int, int]) -> list[ListenAddress]:
    """The addresses to try in order for a flag value (`auto`, `HOST:PORT`, or empty for none)."""
    if not flag:
        return []
    if flag == AUTO:
        return [ListenAddress(DEFAULT_HOST, port) for port in (*well_known, 0)]
    host, sep, port = flag.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT or {AUTO!r}, got {flag!r}")
    return [ListenAddress(host or DEFAULT_HOST, int(port))]


async def listen(
    flag: str, *, well_known: tuple[int, int], handler: Handler, tls: ssl.SSLContext | None = None
) -> tuple[asyncio.AbstractServer, ListenAddress] | None:
    """Bind the first address that works; None when the flag turns the listener off."""
    candidates = candidate_addresses(flag, well_known=well_known)
    errors = []
    for address in candidates:
        try:
            server = await asyncio.start_server(
                handler,
                address.host,
                address.port,
                ssl=tls,
                ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT_SECONDS if tls else None,
                limit=STREAM_LIMIT_BYTES,
                reuse_address=True,
            )
        except OSError as error:
            errors.append(f"{address.host}:{address.port}: {error.strerror or error}")
            continue
        port = server.sockets[0].getsockname()[1]
        if errors:
            log.warning("%s taken; listening on the fallback %s:%d", "; ".join(errors), address.host, port)
        return server, ListenAddress(address.host, port)
    if candidates:
        raise ListenError("cannot listen on " + "; ".join(errors))
    return None

"""Listen addresses: `auto` tries the well-known port, the documented fallback, then any free port."""

from __future__ import annotations

import asyncio
import socket

import pytest

from ingress_controller.listening import ListenAddress, ListenError, candidate_addresses, listen


def test_candidates():
    assert candidate_addresses("auto", well_known=(80, 8081)) == [
        ListenAddress("127.0.0.1", 80),
        ListenAddress("127.0.0.1", 8081),
        ListenAddress("127.0.0.1", 0),
    ]
    assert candidate_addresses("127.0.0.5:9000", well_known=(80, 8081)) == [ListenAddress("127.0.0.5", 9000)]
    assert candidate_addresses("", well_known=(80, 8081)) == []
    with pytest.raises(ValueError):
        candidate_addresses("nonsense", well_known=(80, 8081))


async def _handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def test_explicit_address_taken_refuses_and_auto_falls_back():
    taken = [socket.socket(), socket.socket()]
    try:
        for sock in taken:
            sock.bind(("127.0.0.1", 0))
            sock.listen()
        first, second = (sock.getsockname()[1] for sock in taken)
        with pytest.raises(ListenError):
            await listen(f"127.0.0.1:{first}", well_known=(first, second), handler=_handler)
        server, address = await listen("auto", well_known=(first, second), handler=_handler)
        assert address.port not in (first, second, 0)
        server.close()
        assert await listen("", well_known=(first, second), handler=_handler) is None
    finally:
        for sock in taken:
            sock.close()

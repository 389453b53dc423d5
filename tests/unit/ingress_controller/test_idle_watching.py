"""A client that sends nothing is cut off by the sweep; one that talks is not."""

from __future__ import annotations

import asyncio

from ingress_controller.idle_watching import IdleWatch


async def test_idle_connection_is_closed_and_busy_one_kept():
    watch = IdleWatch(0.2, sweep_seconds=0.05)
    closed_by_server: list[bool] = []

    async def handle(reader, writer):
        watch.waiting(writer)
        data = await reader.read(10)
        watch.busy(writer)
        closed_by_server.append(data == b"")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(idle_reader.read(), 5) == b""  # cut off after ~0.2 s
    _, talking = await asyncio.open_connection("127.0.0.1", port)
    talking.write(b"hello")
    await talking.drain()
    await asyncio.sleep(0.1)
    assert closed_by_server == [True, False]
    assert watch.expired() == []
    for writer in (idle_writer, talking):
        writer.close()
    watch.close()
    server.close()

"""QuietServer: uvicorn that ticks once a second, yet stops as soon as it is asked to."""

from __future__ import annotations

import asyncio

import httpx
import uvicorn

from kubemini.component.uvicorn_server import QuietServer

DEADLINE_SECONDS = 10.0


async def hello(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_asking_to_exit_wakes_the_tick_loop():
    server = QuietServer(uvicorn.Config(hello, port=0, lifespan="off"))
    assert not server.should_exit and not server._exit_event().is_set()

    server.should_exit = True

    assert server.should_exit and server._exit_event().is_set()


async def test_serves_with_a_date_header_and_stops_when_asked():
    server = QuietServer(uvicorn.Config(hello, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    server.install_signal_handlers = lambda: None
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(DEADLINE_SECONDS):
        while not server.started:
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/")
    assert response.text == "ok" and "date" in response.headers

    server.should_exit = True
    async with asyncio.timeout(DEADLINE_SECONDS):
        await serving

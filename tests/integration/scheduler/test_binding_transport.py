"""The scheduler's lean transport against the real apiserver: answers, errors, reuse, expiry, failures.

Every test runs on asyncio's loop and on uvloop (the scheduler's default): their TLS transports differ.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import uvloop

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import Conflict, NotFound
from scheduler import binding_transport
from scheduler.binding_transport import LeanTransport
from tests.support.ports import free_port

NAMESPACE, NODE, POD = by_kind("Namespace"), by_kind("Node"), by_kind("Pod")


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request):
    """Run one coroutine to the end on a fresh loop of the parametrised kind."""
    factory = asyncio.new_event_loop if request.param == "asyncio" else uvloop.new_event_loop

    def run_on_loop(coroutine):
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(coroutine)

    return run_on_loop


def lean_client(apiserver, connections: int = 4) -> tuple[ApiClient, LeanTransport]:
    config = apiserver.client_config
    transport = LeanTransport(config.ssl_context(), max_connections=connections)
    return ApiClient(config, transport=transport), transport


def pod(name: str) -> dict:
    return {
        "metadata": {"name": name},
        "spec": {"schedulerName": "nobody", "containers": [{"name": "c", "image": "i"}]},
    }


async def _writes_reads_and_typed_errors_go_through_it(apiserver):
    client, _ = lean_client(apiserver)
    namespace = f"lean-{uuid.uuid4().hex[:6]}"
    async with client:
        await client.create(NAMESPACE, {"metadata": {"name": namespace}})
        await client.create(POD, pod("a"), namespace=namespace)
        await client.bind(namespace, "a", "node-1")
        assert (await client.get(POD, "a", namespace=namespace))["spec"]["nodeName"] == "node-1"
        with pytest.raises(Conflict) as conflict:
            await client.bind(namespace, "a", "node-2")
        assert "already assigned" in conflict.value.message
        with pytest.raises(NotFound):
            await client.bind(namespace, "missing", "node-1")
        listing = await client.list(POD, namespace=namespace)
        assert [p["metadata"]["name"] for p in listing["items"]] == ["a"]


async def _connections_are_reused_and_bounded(apiserver):
    client, transport = lean_client(apiserver, connections=2)
    namespace = f"lean-{uuid.uuid4().hex[:6]}"
    async with client:
        await client.create(NAMESPACE, {"metadata": {"name": namespace}})
        await asyncio.gather(*(client.create(POD, pod(f"p{i}"), namespace=namespace) for i in range(20)))
        assert len(transport._idle) <= 2
        first = set(map(id, transport._idle))
        await client.get(POD, "p0", namespace=namespace)
        assert set(map(id, transport._idle)) <= first  # an idle connection answered it


async def _an_idle_connection_past_its_time_is_closed_not_reused(apiserver, monkeypatch):
    client, transport = lean_client(apiserver, connections=1)
    async with client:
        await client.list(NODE, limit=1)
        (old,) = transport._idle
        monkeypatch.setattr(binding_transport, "IDLE_SECONDS", 0.0)
        await client.list(NODE, limit=1)
        (new,) = transport._idle
        assert new is not old and old.closed


async def _nothing_listening_is_a_connect_failure():
    url = f"https://127.0.0.1:{free_port()}"
    transport = LeanTransport(True, max_connections=1)
    async with httpx.AsyncClient(base_url=url, transport=transport) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/healthz")


async def _a_full_pool_waits_then_times_out(apiserver):
    client, transport = lean_client(apiserver, connections=1)
    async with client:
        await transport._slots.acquire()  # someone holds the only connection
        request = client._http.build_request("GET", "/healthz", extensions={"timeout": {"pool": 0.05}})
        with pytest.raises(httpx.PoolTimeout):
            await transport.handle_async_request(request)
        transport._slots.release()
        await client.list(NODE, limit=1)


async def _a_connection_the_server_dropped_is_not_reused(apiserver):
    client, transport = lean_client(apiserver, connections=1)
    async with client:
        await client.list(NODE, limit=1)
        (connection,) = transport._idle
        connection.transport.abort()  # as if the server closed it while idle
        async with asyncio.timeout(5):
            while not connection.closed:
                await asyncio.sleep(0.01)
        await client.list(NODE, limit=1)
        (fresh,) = transport._idle
        assert fresh is not connection


def test_writes_reads_and_typed_errors_go_through_it(apiserver, run):
    run(_writes_reads_and_typed_errors_go_through_it(apiserver))


def test_connections_are_reused_and_bounded(apiserver, run):
    run(_connections_are_reused_and_bounded(apiserver))


def test_an_idle_connection_past_its_time_is_closed_not_reused(apiserver, monkeypatch, run):
    run(_an_idle_connection_past_its_time_is_closed_not_reused(apiserver, monkeypatch))


def test_nothing_listening_is_a_connect_failure(run):
    run(_nothing_listening_is_a_connect_failure())


def test_a_full_pool_waits_then_times_out(apiserver, run):
    run(_a_full_pool_waits_then_times_out(apiserver))


def test_a_connection_the_server_dropped_is_not_reused(apiserver, run):
    run(_a_connection_the_server_dropped_is_not_reused(apiserver))

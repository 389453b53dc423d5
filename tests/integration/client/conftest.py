"""Client fixtures on the real apiserver: an `ApiClient`, a fresh namespace, condition waits."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient


@pytest.fixture
async def client(apiserver):
    async with ApiClient(apiserver.url) as api:
        yield api


async def create_namespace(api: ApiClient) -> str:
    name = f"t-{secrets.token_hex(4)}"
    await api.create(by_kind("Namespace"), {"metadata": {"name": name}})
    return name


@pytest.fixture
async def namespace(client) -> str:
    return await create_namespace(client)


async def wait_for(predicate, *, what: str, timeout: float = 20.0, describe=None) -> None:
    """Poll `predicate` (sync or async) until true; fail with what was expected and what was seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        outcome = predicate()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        if loop.time() > deadline:
            seen = describe() if describe else "condition still false"
            if asyncio.iscoroutine(seen):
                seen = await seen
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; saw: {seen}")
        await asyncio.sleep(0.02)


@pytest.fixture
def wait_until():
    return wait_for

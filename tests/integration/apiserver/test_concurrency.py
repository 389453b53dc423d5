"""50 concurrent read-modify-write writers on one object: every write lands or gets 409, none is lost."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.api_http import async_api_http

WRITERS = 50
ATTEMPTS_PER_WRITER = 4


async def _writer(client: httpx.AsyncClient, path: str) -> tuple[int, int]:
    landed = conflicts = 0
    for _ in range(ATTEMPTS_PER_WRITER):
        current = (await client.get(path)).json()
        current["data"]["count"] = str(int(current["data"]["count"]) + 1)
        response = await client.put(path, json=current)
        if response.status_code == 200:
            landed += 1
        else:
            assert response.status_code == 409, response.text
            assert response.json()["reason"] == "Conflict"
            conflicts += 1
    return landed, conflicts


def test_concurrent_writers_never_lose_an_update(apiserver, api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps/counter"
    api.post(
        f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "counter"}, "data": {"count": "0"}}
    )

    async def run() -> list[tuple[int, int]]:
        limits = httpx.Limits(max_connections=WRITERS)
        async with async_api_http(base_url=apiserver.url, timeout=60, limits=limits) as client:
            return await asyncio.gather(*[_writer(client, path) for _ in range(WRITERS)])

    results = asyncio.run(run())
    landed = sum(r[0] for r in results)
    conflicts = sum(r[1] for r in results)
    assert landed + conflicts == WRITERS * ATTEMPTS_PER_WRITER
    assert landed >= 1 and conflicts >= 1, "50 racing writers must produce both outcomes"
    assert int(api.get(path).json()["data"]["count"]) == landed

"""Writing objects straight into etcd, around the API server: how tests plant malformed stored objects.

The API server refuses such objects at the door; these keys simulate what an
older or buggy writer, or a damaged disk, could have left behind.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import aetcd


async def put_raw(etcd_url: str, key: str, value: bytes | dict) -> None:
    """Store `value` (bytes as given, a dict as JSON) at `key`, as the API server would store an object."""
    address = urlparse(etcd_url)
    payload = value if isinstance(value, bytes) else json.dumps(value).encode()
    async with aetcd.Client(host=address.hostname, port=address.port) as client:
        await client.put(key.encode(), payload)


async def get_raw(etcd_url: str, key: str) -> bytes | None:
    """The bytes etcd holds at `key` (what the API server stored, before any decoding), or None."""
    address = urlparse(etcd_url)
    async with aetcd.Client(host=address.hostname, port=address.port) as client:
        result = await client.get(key.encode())
    return None if result is None else bytes(result.value)


async def raw_values(etcd_url: str, prefix: str) -> dict[str, bytes]:
    """Every key under `prefix` with its stored bytes."""
    address = urlparse(etcd_url)
    async with aetcd.Client(host=address.hostname, port=address.port) as client:
        found = await client.get_prefix(prefix.encode())
    return {bytes(kv.key).decode(): bytes(kv.value) for kv in found}

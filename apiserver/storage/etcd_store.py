"""The narrow storage backend on etcd: every call takes or returns a revision.

Values are the object JSON without `metadata.resourceVersion`; the revision
comes from etcd (`mod_revision`) and is stamped on the way out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aetcd
import aetcd.exceptions
import aetcd.utils
from aetcd import rpc

from apiserver.storage.errors import (
    Compacted,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    RevisionConflict,
    StorageError,
    Unavailable,
)

log = logging.getLogger("apiserver.storage")
ETCD_TIMEOUT_SECONDS = 5
MAX_UPDATE_RETRIES = 16


@dataclass
class Stored:
    key: str
    obj: dict
    mod_revision: int


@dataclass
class StorageEvent:
    type: str  # "PUT" or "DELETE"
    key: str
    obj: dict | None  # the new value (PUT) or the last value (DELETE)
    prev: dict | None
    revision: int


def decode(key: bytes, value: bytes, mod_revision: int) -> Stored:
    obj = json.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(mod_revision)
    return Stored(key.decode(), obj, mod_revision)


def encode(obj: dict) -> bytes:
    metadata = obj.get("metadata") or {}
    stripped = {**obj, "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"}}
    return json.dumps(stripped, separators=(",", ":")).encode()


def range_request(
    key: bytes, *, range_end: bytes | None = None, revision: int = 0, limit: int = 0, **flags: bool
) -> rpc.RangeRequest:
    """aetcd's own builder drops `revision` and `limit`; build the request directly."""
    request = rpc.RangeRequest(key=key, revision=revision, limit=limit, **flags)
    if range_end is not None:
        request.range_end = range_end
    return request


def _translate(exc: Exception) -> StorageError:
    text = str(exc)
    if "compacted" in text:
        return Compacted()
    if "future revision" in text:
        return FutureRevision(text)
    if isinstance(exc, aetcd.exceptions.ClientError | rpc.AioRpcError | asyncio.TimeoutError | OSError):
        return Unavailable(text or type(exc).__name__)
    return StorageError(text)


class EtcdStore:
    def __init__(self, endpoints: list[tuple[str, int]]):
        self._endpoints = endpoints
        self._index = 0
        self._client = self._make_client()

    def _make_client(self) -> aetcd.Client:
        host, port = self._endpoints[self._index % len(self._endpoints)]
        return aetcd.Client(host=host, port=port, timeout=ETCD_TIMEOUT_SECONDS)

    async def close(self) -> None:
        await self._client.close()

    async def _failover(self) -> None:
        """Move to the next etcd member after a connection failure."""
        if len(self._endpoints) < 2:
            return
        old = self._client
        self._index += 1
        self._client = self._make_client()
        try:
            await old.close()
        except Exception:  # noqa: BLE001 - the old channel is broken already
            pass

    async def _call(self, make: Callable):
        try:
            client = self._client
            await asyncio.wait_for(client.connect(), ETCD_TIMEOUT_SECONDS)
            return await asyncio.wait_for(make(client), ETCD_TIMEOUT_SECONDS + 1)
        except (TimeoutError, aetcd.exceptions.ClientError, rpc.AioRpcError, OSError) as exc:
            error = _translate(exc)
            if isinstance(error, Unavailable):
                await self._failover()
            raise error from exc

    async def current_revision(self) -> int:
        response = await self._call(
            lambda c: c.kvstub.Range(range_request(b"/registry/", count_only=True), timeout=ETCD_TIMEOUT_SECONDS)
        )
        return response.header.revision

    async def check_revision(self, revision: int) -> None:
        """Raise Compacted when `revision` is older than etcd's compaction point."""
        await self._call(
            lambda c: c.kvstub.Range(
                range_request(b"/registry/", revision=revision, limit=1, keys_only=True),
                timeout=ETCD_TIMEOUT_SECONDS,
            )
        )

    async def get(self, key: str) -> Stored:
        result = await self._call(lambda c: c.get(key.encode()))
        if result is None:
            raise KeyNotFound(key)
        return decode(result.key, result.value, result.mod_revision)

    async def list(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_key: str | None = None
    ) -> tuple[list[Stored], int, bool]:
        """Objects under `prefix` at `revision` (0 = newest); returns (items, revision, more)."""
        range_end = aetcd.utils.prefix_range_end(prefix.encode())
        request = range_request((start_key or prefix).encode(), range_end=range_end, limit=limit, revision=revision)
        response = await self._call(lambda c: c.kvstub.Range(request, timeout=ETCD_TIMEOUT_SECONDS))
        items = [decode(kv.key, kv.value, kv.mod_revision) for kv in response.kvs]
        return items, response.header.revision, bool(response.more)

    async def create(self, key: str, obj: dict) -> Stored:
        value = encode(obj)
        txn = self._client.transactions
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.create(key.encode()) == 0], success=[txn.put(key.encode(), value)], failure=[]
            )
        )
        if not succeeded:
            raise KeyExists(key)
        revision = responses[0].response_put.header.revision
        return decode(key.encode(), value, revision)

    async def update(self, key: str, obj: dict, *, expected_revision: int) -> Stored:
        """Compare-and-swap on mod_revision; RevisionConflict or KeyNotFound when it moved."""
        value = encode(obj)
        txn = self._client.transactions
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.mod(key.encode()) == expected_revision],
                success=[txn.put(key.encode(), value)],
                failure=[txn.get(key.encode())],
            )
        )
        if not succeeded:
            raise RevisionConflict(key) if responses and responses[0] else KeyNotFound(key)
        return decode(key.encode(), value, responses[0].response_put.header.revision)

    async def guaranteed_update(self, key: str, mutate: Callable[[Stored], dict | None]) -> Stored:
        """Read, apply `mutate`, write with CAS; retry when another writer got there first.

        `mutate` returns the new object, or None to leave the object as it is.
        """
        for _ in range(MAX_UPDATE_RETRIES):
            current = await self.get(key)
            new = mutate(current)
            if new is None:
                return current
            try:
                return await self.update(key, new, expected_revision=current.mod_revision)
            except RevisionConflict:
                continue
        raise RevisionConflict(key)

    async def delete(self, key: str, *, expected_revision: int) -> int:
        txn = self._client.transactions
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.mod(key.encode()) == expected_revision],
                success=[txn.delete(key.encode())],
                failure=[txn.get(key.encode())],
            )
        )
        if not succeeded:
            raise RevisionConflict(key) if responses and responses[0] else KeyNotFound(key)
        return responses[0].response_delete_range.header.revision

    async def put_raw(self, key: str, value: bytes) -> int:
        """Unconditional write of internal bookkeeping (not API objects)."""
        response = await self._call(lambda c: c.put(key.encode(), value))
        return response.header.revision

    async def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[StorageEvent]:
        """Events under `prefix` from `start_revision` (inclusive); raises Compacted/Unavailable."""
        try:
            watch = await self._client.watch_prefix(prefix.encode(), start_revision=start_revision, prev_kv=True)
        except Exception as exc:  # noqa: BLE001 - translated below
            raise _translate(exc) from exc
        try:
            async for event in watch:
                yield _to_storage_event(event)
        except aetcd.exceptions.RevisionCompactedError as exc:
            raise Compacted(exc.compacted_revision) from exc
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc) from exc
        finally:
            try:
                await watch.cancel()
            except Exception:  # noqa: BLE001 - the stream may be gone already
                pass


def _to_storage_event(event) -> StorageEvent:
    kv, prev = event.kv, event.prev_kv
    prev_obj = decode(prev.key, prev.value, prev.mod_revision).obj if prev and prev.value else None
    if event.kind == "DELETE":
        obj = None
        if prev_obj is not None:
            obj = {**prev_obj, "metadata": {**prev_obj["metadata"], "resourceVersion": str(kv.mod_revision)}}
        return StorageEvent("DELETE", kv.key.decode(), obj, prev_obj, kv.mod_revision)
    return StorageEvent(
        "PUT", kv.key.decode(), decode(kv.key, kv.value, kv.mod_revision).obj, prev_obj, kv.mod_revision
    )

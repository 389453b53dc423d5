"""The narrow storage backend on etcd: every call takes or returns a revision.

Values are the object JSON without `metadata.resourceVersion`; the revision
comes from etcd (`mod_revision`) and is stamped on the way out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

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
    SideKeyTaken,
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
class SideKeys:
    """Bookkeeping keys changed atomically with an object: created only if absent, or deleted."""

    creates: dict[str, bytes] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)  # key -> mod_revision it must still have


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

    def _failover(self, failed: aetcd.Client) -> None:
        """Move to the next etcd member after `failed` could not be reached.

        Only the first of many concurrent failures moves on; the old channel
        is left to the garbage collector, as other calls may still hold it.
        """
        if len(self._endpoints) < 2 or failed is not self._client:
            return
        self._index += 1
        self._client = self._make_client()
        log.warning(
            "etcd member unreachable; failing over to %s:%s", *self._endpoints[self._index % len(self._endpoints)]
        )

    async def _call(self, make: Callable):
        # One retry on another member, only when the first could not be reached at all
        # (gRPC UNAVAILABLE: the request was not delivered), so no write is applied twice.
        for attempt in range(2):
            client = self._client
            try:
                await asyncio.wait_for(client.connect(), ETCD_TIMEOUT_SECONDS)
                return await asyncio.wait_for(make(client), ETCD_TIMEOUT_SECONDS + 1)
            except (TimeoutError, aetcd.exceptions.ClientError, rpc.AioRpcError, OSError) as exc:
                error = _translate(exc)
                if not isinstance(error, Unavailable):
                    raise error from exc
                self._failover(client)
                undelivered = isinstance(exc, aetcd.exceptions.ConnectionFailedError) or (
                    isinstance(exc, rpc.AioRpcError) and exc.code() == rpc.StatusCode.UNAVAILABLE
                )
                if attempt == 1 or len(self._endpoints) < 2 or not undelivered:
                    raise error from exc
        raise AssertionError("unreachable")

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

    def _side_ops(self, side: SideKeys | None) -> tuple[list, list]:
        """Compares and operations for bookkeeping keys written in the same transaction."""
        if side is None:
            return [], []
        txn = self._client.transactions
        compares = [txn.create(k.encode()) == 0 for k in side.creates]
        compares += [txn.mod(k.encode()) == revision for k, revision in side.unchanged.items()]
        ops = [txn.put(k.encode(), v) for k, v in side.creates.items()] + [txn.delete(k.encode()) for k in side.deletes]
        return compares, ops

    async def create(self, key: str, obj: dict, *, side: SideKeys | None = None) -> Stored:
        """Create `key` (and `side.creates`) only if absent; KeyExists or SideKeyTaken otherwise."""
        value = encode(obj)
        txn = self._client.transactions
        side_compares, side_ops = self._side_ops(side)
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.create(key.encode()) == 0, *side_compares],
                success=[txn.put(key.encode(), value), *side_ops],
                failure=[txn.get(key.encode())],
            )
        )
        if not succeeded:
            raise KeyExists(key) if responses and responses[0] else SideKeyTaken(key)
        revision = responses[0].response_put.header.revision
        return decode(key.encode(), value, revision)

    async def update(self, key: str, obj: dict, *, expected_revision: int, side: SideKeys | None = None) -> Stored:
        """Compare-and-swap on mod_revision; RevisionConflict or KeyNotFound when it moved."""
        value = encode(obj)
        txn = self._client.transactions
        side_compares, side_ops = self._side_ops(side)
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.mod(key.encode()) == expected_revision, *side_compares],
                success=[txn.put(key.encode(), value), *side_ops],
                failure=[txn.get(key.encode())],
            )
        )
        if not succeeded:
            _raise_update_failure(key, responses, expected_revision)
        return decode(key.encode(), value, responses[0].response_put.header.revision)

    async def delete(self, key: str, *, expected_revision: int, side: SideKeys | None = None) -> int:
        txn = self._client.transactions
        _, side_ops = self._side_ops(side)
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.mod(key.encode()) == expected_revision],
                success=[txn.delete(key.encode()), *side_ops],
                failure=[txn.get(key.encode())],
            )
        )
        if not succeeded:
            _raise_update_failure(key, responses, expected_revision)
        return responses[0].response_delete_range.header.revision

    def _watch_error(self, client: aetcd.Client, exc: Exception) -> StorageError:
        error = _translate(exc)
        if isinstance(error, Unavailable):
            self._failover(client)
        return error

    async def keys(self, prefix: str) -> list[str]:
        """Keys under `prefix` (bookkeeping such as allocated Service IPs)."""
        range_end = aetcd.utils.prefix_range_end(prefix.encode())
        request = range_request(prefix.encode(), range_end=range_end, keys_only=True)
        response = await self._call(lambda c: c.kvstub.Range(request, timeout=ETCD_TIMEOUT_SECONDS))
        return [kv.key.decode() for kv in response.kvs]

    async def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[StorageEvent]:
        """Events under `prefix` from `start_revision` (inclusive); raises Compacted/Unavailable."""
        client = self._client
        try:
            watch = await client.watch_prefix(prefix.encode(), start_revision=start_revision, prev_kv=True)
        except Exception as exc:  # noqa: BLE001 - translated below
            raise self._watch_error(client, exc) from exc
        try:
            async for event in watch:
                yield _to_storage_event(event)
        except aetcd.exceptions.RevisionCompactedError as exc:
            raise Compacted(exc.compacted_revision) from exc
        except Exception as exc:  # noqa: BLE001
            raise self._watch_error(client, exc) from exc
        finally:
            try:
                await watch.cancel()
            except Exception:  # noqa: BLE001 - the stream may be gone already
                pass


def _raise_update_failure(key: str, responses: list, expected_revision: int) -> None:
    """Tell apart a missing key, a moved key and a taken bookkeeping key."""
    current = responses[0] if responses else []
    if not current:
        raise KeyNotFound(key)
    if current[0][1].mod_revision != expected_revision:
        raise RevisionConflict(key)
    raise SideKeyTaken(key)


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

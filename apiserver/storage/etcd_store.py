"""The storage backend on etcd (see backend.py for the interface every call follows).

Values are the object JSON without `metadata.resourceVersion`; the revision
comes from etcd (`mod_revision`) and is stamped on the way out. A value that
does not decode to a JSON object (written around the API, or damaged) is
`CorruptValue` on a GET and skipped, with one log line, in lists and watches,
so one bad key never breaks every client of that resource.

With an encryption configuration (`values`, apiserver/storage/encryption/) every value is
transformed on its way in and out here, in the one place values are read (get, list, watch
events and their previous values), so the watch cache and every handler see plaintext objects.

Failures map to named errors by aetcd's and gRPC's types, not their text:
UNAVAILABLE / connection refused → Unavailable (the call did not happen);
a timeout after a write was sent → OutcomeUnknown; OUT_OF_RANGE on a range at
a revision → Compacted or FutureRevision, told apart by the current revision.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import aetcd
import aetcd.exceptions
import aetcd.utils
from aetcd import rpc

from apiserver.storage.backend import Known, Page, SideKeys, StorageEvent, Stored
from apiserver.storage.errors import (
    Compacted,
    CorruptValue,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    OutcomeUnknown,
    RevisionConflict,
    SideKeyTaken,
    StorageError,
    Unavailable,
)
from kubemini import json_codec

log = logging.getLogger("apiserver.storage")
ETCD_TIMEOUT_SECONDS = 5
# A list of many objects is one etcd response: accept any size, as kube-apiserver does (MaxInt32);
# etcd itself bounds what a request may write.
CHANNEL_OPTIONS = {"grpc.max_receive_message_length": 2**31 - 1}
_UNREACHED = (aetcd.exceptions.ConnectionFailedError, ConnectionRefusedError, OSError)
_reported_corrupt: set[tuple[str, int]] = set()

__all__ = ["EtcdStore", "Page", "SideKeys", "StorageEvent", "Stored", "decode", "encode"]


class ValueTransformer(Protocol):
    """What the store applies to values (apiserver/storage/encryption/transformer.py)."""

    def to_storage(self, etcd_key: bytes, value: bytes) -> bytes: ...

    def from_storage(self, etcd_key: bytes, value: bytes) -> bytes: ...  # raises TransformFailed

    def is_stale(self, etcd_key: bytes, value: bytes) -> bool: ...

    def covers(self, prefix: str) -> bool: ...


def decode(key: bytes, value: bytes, mod_revision: int, values: ValueTransformer | None = None) -> Stored:
    if values is not None:
        value = values.from_storage(key, value)
    try:
        obj = json_codec.loads(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptValue(f"{key.decode(errors='replace')}: {exc}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata", {}), dict):
        raise CorruptValue(f"{key.decode(errors='replace')}: not a JSON object with metadata")
    obj.setdefault("metadata", {})["resourceVersion"] = str(mod_revision)
    return Stored(key.decode(), obj, mod_revision)


def decode_or_skip(
    key: bytes, value: bytes, mod_revision: int, values: ValueTransformer | None = None
) -> Stored | None:
    try:
        return decode(key, value, mod_revision, values)
    except CorruptValue as exc:
        if (key.decode(errors="replace"), mod_revision) not in _reported_corrupt:
            _reported_corrupt.add((key.decode(errors="replace"), mod_revision))
            log.error("skipping a stored value that is not a valid object: %s", exc)
        return None


def encode(obj: dict) -> bytes:
    metadata = obj.get("metadata") or {}
    stripped = {**obj, "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"}}
    return json_codec.dumps(stripped)


def range_request(
    key: bytes, *, range_end: bytes | None = None, revision: int = 0, limit: int = 0, **flags: bool
) -> rpc.RangeRequest:
    """aetcd's own builder drops `revision` and `limit`; build the request directly."""
    request = rpc.RangeRequest(key=key, revision=revision, limit=limit, **flags)
    if range_end is not None:
        request.range_end = range_end
    return request


def _rpc_code(exc: BaseException):
    cause = exc if isinstance(exc, rpc.AioRpcError) else exc.__cause__
    return cause.code() if isinstance(cause, rpc.AioRpcError) else None


class EtcdStore:
    def __init__(self, endpoints: list[tuple[str, int]], *, values: ValueTransformer | None = None):
        # Replaced whole when the encryption configuration is reloaded; None = values as they are.
        self.values = values
        self._endpoints = endpoints
        self._index = 0
        self._client = self._make_client()

    def _make_client(self) -> aetcd.Client:
        host, port = self._endpoints[self._index % len(self._endpoints)]
        return aetcd.Client(host=host, port=port, timeout=ETCD_TIMEOUT_SECONDS, options=CHANNEL_OPTIONS)

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

    async def _call(self, make: Callable, *, write: bool = False):
        """One call, retried once on another member only when the first was not reached at all."""
        for attempt in range(2):
            client = self._client
            connected = client._connected.is_set()  # noqa: SLF001 - a waited connect costs a task per call
            try:
                if not connected:
                    await asyncio.wait_for(client.connect(), ETCD_TIMEOUT_SECONDS)
            except (TimeoutError, *_UNREACHED, aetcd.exceptions.ClientError) as exc:
                self._failover(client)
                if attempt == 1 or len(self._endpoints) < 2:
                    raise Unavailable(f"etcd not reachable: {exc or type(exc).__name__}") from exc
                continue
            try:
                if connected:  # every call carries its own gRPC deadline (ETCD_TIMEOUT_SECONDS)
                    return await make(client)
                return await asyncio.wait_for(make(client), ETCD_TIMEOUT_SECONDS + 1)
            except TimeoutError as exc:
                if write:
                    raise OutcomeUnknown("etcd did not answer in time; the write may have been applied") from exc
                raise Unavailable("etcd did not answer in time") from exc
            except (aetcd.exceptions.ClientError, rpc.AioRpcError, OSError) as exc:
                code = _rpc_code(exc)
                if code == rpc.StatusCode.OUT_OF_RANGE:
                    raise Compacted() from exc  # refined by the caller that knows the revision it asked for
                unreached = isinstance(exc, _UNREACHED) or code == rpc.StatusCode.UNAVAILABLE
                if unreached:
                    self._failover(client)
                    if attempt == 0 and len(self._endpoints) > 1:
                        continue
                    raise Unavailable(f"etcd not reachable: {exc}") from exc
                if code == rpc.StatusCode.DEADLINE_EXCEEDED or isinstance(exc, aetcd.exceptions.ConnectionTimeoutError):
                    if write:
                        raise OutcomeUnknown(f"etcd timed out: {exc}") from exc
                    raise Unavailable(f"etcd timed out: {exc}") from exc
                raise StorageError(str(exc)) from exc
        raise AssertionError("unreachable")

    async def _range_at(self, request: rpc.RangeRequest):
        try:
            return await self._call(lambda c: c.kvstub.Range(request, timeout=ETCD_TIMEOUT_SECONDS))
        except Compacted:
            if request.revision and request.revision > await self.current_revision():
                raise FutureRevision(f"revision {request.revision} is in the future") from None
            raise

    async def current_revision(self) -> int:
        """etcd's revision now (a quorum read of one key that holds nothing: cheap whatever is stored)."""
        response = await self._call(
            lambda c: c.kvstub.Range(range_request(b"/registry/", keys_only=True), timeout=ETCD_TIMEOUT_SECONDS)
        )
        return response.header.revision

    async def unchanged_since(self, prefix: str, revision: int, count: int) -> int | None:
        """etcd's current revision R if nothing under `prefix` changed after `revision`, given that
        `count` keys were there at `revision`; None when something did.

        One transaction at R: no key under the prefix has a mod_revision after `revision` (so every
        key there was there, unchanged, at `revision`) and the prefix holds `count` keys (so none
        was deleted either). Answered from etcd's index and values without sending any value."""
        range_end = aetcd.utils.prefix_range_end(prefix.encode())
        counted = range_request(prefix.encode(), range_end=range_end, count_only=True)
        changed = range_request(prefix.encode(), range_end=range_end, limit=1, keys_only=True)
        changed.min_mod_revision = revision + 1
        request = rpc.TxnRequest(success=[rpc.RequestOp(request_range=counted), rpc.RequestOp(request_range=changed)])
        response = await self._call(lambda c: c.kvstub.Txn(request, timeout=ETCD_TIMEOUT_SECONDS))
        held, moved = response.responses[0].response_range, response.responses[1].response_range
        return response.header.revision if held.count == count and not moved.kvs else None

    async def check_revision(self, revision: int) -> None:
        """Raise Compacted when `revision` is older than etcd's compaction point."""
        await self._range_at(range_request(b"/registry/", revision=revision, limit=1, keys_only=True))

    async def get(self, key: str, *, known: Known | None = None) -> Stored:
        result = await self._call(lambda c: c.get(key.encode()))
        if result is None:
            raise KeyNotFound(key)
        entry = known(key, result.mod_revision) if known is not None else None
        if entry is not None:
            stored = Stored(key, entry.obj, result.mod_revision, entry=entry)
        else:
            stored = decode(result.key, result.value, result.mod_revision, self.values)
        stored.stale = self.values is not None and self.values.is_stale(result.key, result.value)
        return stored

    async def list(
        self,
        prefix: str,
        *,
        revision: int = 0,
        limit: int = 0,
        start_key: str | None = None,
        known: Known | None = None,
    ) -> Page:
        """Objects under `prefix` at `revision` (0 = newest), one page of at most `limit` keys."""
        range_end = aetcd.utils.prefix_range_end(prefix.encode())
        request = range_request((start_key or prefix).encode(), range_end=range_end, limit=limit, revision=revision)
        response = await self._range_at(request)
        values = self._values_under(prefix)
        items = []
        for kv in response.kvs:
            entry = known(kv.key.decode(errors="replace"), kv.mod_revision) if known is not None else None
            if entry is not None:
                items.append(Stored(entry.key, entry.obj, kv.mod_revision, entry=entry))
            elif (stored := decode_or_skip(kv.key, kv.value, kv.mod_revision, values)) is not None:
                items.append(stored)
        last_key = response.kvs[-1].key.decode(errors="replace") if response.kvs else None
        return Page(items, response.header.revision, bool(response.more), last_key)

    def _values_under(self, prefix: str) -> ValueTransformer | None:
        """The transformer for a range of keys, or None when it transforms none of them."""
        values = self.values
        return values if values is not None and values.covers(prefix) else None

    def _side_ops(self, side: SideKeys | None) -> tuple[list, list]:
        """Compares and operations for bookkeeping keys written in the same transaction."""
        if side is None:
            return [], []
        txn = self._client.transactions
        compares = [txn.create(k.encode()) == 0 for k in side.creates]
        compares += [txn.mod(k.encode()) == revision for k, revision in side.unchanged.items()]
        ops = [txn.put(k.encode(), v) for k, v in side.creates.items()] + [txn.delete(k.encode()) for k in side.deletes]
        ops += [txn.put(k.encode(), v) for k, v in side.puts.items()]
        return compares, ops

    async def create(self, key: str, obj: dict, *, side: SideKeys | None = None) -> Stored:
        """Create `key` (and `side.creates`) only if absent; KeyExists or SideKeyTaken otherwise."""
        value = encode(obj)
        stored = value if self.values is None else self.values.to_storage(key.encode(), value)
        txn = self._client.transactions
        side_compares, side_ops = self._side_ops(side)
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.create(key.encode()) == 0, *side_compares],
                success=[txn.put(key.encode(), stored), *side_ops],
                failure=[txn.get(key.encode())],
            ),
            write=True,
        )
        if not succeeded:
            raise KeyExists(key) if responses and responses[0] else SideKeyTaken(key)
        revision = responses[0].response_put.header.revision
        return decode(key.encode(), value, revision)

    async def update(self, key: str, obj: dict, *, expected_revision: int, side: SideKeys | None = None) -> Stored:
        """Compare-and-swap on mod_revision; RevisionConflict or KeyNotFound when it moved."""
        value = encode(obj)
        stored = value if self.values is None else self.values.to_storage(key.encode(), value)
        txn = self._client.transactions
        side_compares, side_ops = self._side_ops(side)
        succeeded, responses = await self._call(
            lambda c: c.transaction(
                compare=[txn.mod(key.encode()) == expected_revision, *side_compares],
                success=[txn.put(key.encode(), stored), *side_ops],
                failure=[txn.get(key.encode())],
            ),
            write=True,
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
            ),
            write=True,
        )
        if not succeeded:
            _raise_update_failure(key, responses, expected_revision)
        return responses[0].response_delete_range.header.revision

    async def compact(self, revision: int) -> None:
        await self._call(lambda c: c.compact(revision, physical=True), write=True)

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
        except aetcd.exceptions.RevisionCompactedError as exc:
            raise Compacted(exc.compacted_revision) from exc
        except (aetcd.exceptions.ClientError, rpc.AioRpcError, OSError, TimeoutError) as exc:
            self._failover(client)
            raise Unavailable(f"etcd watch failed: {exc}") from exc
        seen, values = self.values, self._values_under(prefix)
        try:
            async for event in watch:
                if self.values is not seen:  # the encryption configuration was reloaded
                    seen, values = self.values, self._values_under(prefix)
                storage_event = _to_storage_event(event, values)
                if storage_event is not None:
                    yield storage_event
        except aetcd.exceptions.RevisionCompactedError as exc:
            raise Compacted(exc.compacted_revision) from exc
        except (aetcd.exceptions.ClientError, rpc.AioRpcError, OSError, TimeoutError) as exc:
            self._failover(client)
            raise Unavailable(f"etcd watch failed: {exc}") from exc
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


def _to_storage_event(event, values: ValueTransformer | None) -> StorageEvent | None:
    kv, prev = event.kv, event.prev_kv
    prev_stored = decode_or_skip(prev.key, prev.value, prev.mod_revision, values) if prev and prev.value else None
    prev_obj = prev_stored.obj if prev_stored else None
    if event.kind == "DELETE":
        obj = None
        if prev_obj is not None:
            obj = {**prev_obj, "metadata": {**prev_obj["metadata"], "resourceVersion": str(kv.mod_revision)}}
        return StorageEvent("DELETE", kv.key.decode(errors="replace"), obj, prev_obj, kv.mod_revision)
    current = decode_or_skip(kv.key, kv.value, kv.mod_revision, values)
    if current is None:
        if prev_obj is None:
            return None
        # The key went bad: to watchers the object is gone.
        gone = {**prev_obj, "metadata": {**prev_obj["metadata"], "resourceVersion": str(kv.mod_revision)}}
        return StorageEvent("DELETE", kv.key.decode(errors="replace"), gone, prev_obj, kv.mod_revision)
    return StorageEvent("PUT", current.key, current.obj, prev_obj, kv.mod_revision)

"""A scripted in-memory apiserver behind `httpx.MockTransport`, for client unit tests.

It speaks the slice of the Kubernetes REST API the client uses (list with
paging, watch streams, get/create/update/merge-patch/delete) over an event log
with revisions, and lets a test break the world on purpose: hold watch
delivery, expire every watch with an in-stream 410, compact the log, cut all
streams (a killed apiserver), refuse connections, or partition one client.
Exposed through fixtures only, so it works under any pytest import mode.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest

from kubemini.api.registry import ResourceType, lookup
from kubemini.api.status import make_status
from kubemini.client.api_client import ApiClient


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def parse_path(path: str) -> tuple[ResourceType, str | None, str | None, str]:
    parts = [p for p in path.split("/") if p]
    if parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    else:
        group, version, rest = parts[1], parts[2], parts[3:]
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    rt = lookup(group, version, rest[0])
    assert rt is not None, f"fake apiserver: unknown resource in {path}"
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else ""
    return rt, namespace, name, subresource


def error_response(code: int, message: str, *, reason: str | None = None) -> httpx.Response:
    return httpx.Response(code, json=make_status(code, message, reason=reason))


class WatchStream(httpx.AsyncByteStream):
    def __init__(self, server: FakeApiServer, rt: ResourceType, namespace: str | None, position: int):
        self.server, self.rt, self.namespace, self.position = server, rt, namespace, position
        self.break_epoch, self.expire_epoch = server.break_epoch, server.expire_epoch

    def _matches(self, entry: dict[str, Any]) -> bool:
        meta = entry["object"].get("metadata") or {}
        if entry["plural"] != self.rt.plural:
            return False
        return entry["type"] == "BOOKMARK" or not self.namespace or meta.get("namespace") == self.namespace

    def _check_alive(self) -> None:
        if self.server.break_epoch != self.break_epoch:
            raise httpx.ReadError("fake apiserver: connection reset")

    async def __aiter__(self):
        server = self.server
        server.open_watches += 1
        try:
            while True:
                changed = server.changed
                while not server.hold and self.position < len(server.log):
                    self._check_alive()
                    entry = server.log[self.position]
                    self.position += 1
                    if self._matches(entry):
                        line = {"type": entry["type"], "object": entry["object"]}
                        yield (json.dumps(line) + "\n").encode()
                self._check_alive()
                if server.expire_epoch != self.expire_epoch:
                    status = make_status(410, "too old resource version", reason="Expired")
                    yield (json.dumps({"type": "ERROR", "object": status}) + "\n").encode()
                    return
                await changed.wait()
        finally:
            server.open_watches -= 1


class FakeApiServer:
    def __init__(self) -> None:
        self.revision = 10
        self.objects: dict[tuple[str, str | None, str], dict[str, Any]] = {}
        self.log: list[dict[str, Any]] = []
        self.compacted_revision = 0
        self.changed = asyncio.Event()
        self.hold = False
        self.down = False
        self.partitioned: set[str] = set()
        self.gone_as_http_status = False
        self.expire_continue_tokens = False
        self.break_epoch = 0
        self.expire_epoch = 0
        self.open_watches = 0
        self.requests: list[tuple[str, str, str, dict[str, str], Any]] = []

    # -- test controls ------------------------------------------------------------------------

    def _notify(self) -> None:
        event, self.changed = self.changed, asyncio.Event()
        event.set()

    def client(self, name: str = "client", **kwargs: Any) -> ApiClient:
        async def handle(request: httpx.Request) -> httpx.Response:
            return await self.handle(request, client_name=name)

        kwargs.setdefault("max_retries", 1)
        return ApiClient("http://fake-apiserver", transport=httpx.MockTransport(handle), **kwargs)

    def break_watches(self) -> None:
        """Every open stream fails as if the apiserver process died."""
        self.break_epoch += 1
        self._notify()

    def expire_watches(self) -> None:
        """Every open stream gets an in-stream ERROR 410 (its resourceVersion is gone)."""
        self.expire_epoch += 1
        self._notify()

    def compact(self) -> None:
        self.compacted_revision = self.revision

    def release_hold(self) -> None:
        self.hold = False
        self._notify()

    def bookmark(self, rt: ResourceType) -> None:
        meta = {"resourceVersion": str(self.revision)}
        bookmark = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}
        self.log.append({"type": "BOOKMARK", "plural": rt.plural, "revision": self.revision, "object": bookmark})
        self._notify()

    def count(self, method: str, plural: str) -> int:
        return sum(1 for m, p, *_ in self.requests if m == method and p == plural)

    # -- state changes ------------------------------------------------------------------------

    def _record(self, kind: str, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        self.revision += 1
        obj = json.loads(json.dumps(obj))
        if kind != "DELETED":
            obj["metadata"]["resourceVersion"] = str(self.revision)
        self.log.append({"type": kind, "plural": rt.plural, "revision": self.revision, "object": obj})
        self._notify()
        return obj

    def put(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj.setdefault("metadata", {})
        key = (rt.plural, meta.get("namespace") if rt.namespaced else None, meta["name"])
        existing = self.objects.get(key)
        obj.setdefault("apiVersion", rt.api_version)
        obj.setdefault("kind", rt.kind)
        meta.setdefault("uid", (existing or {}).get("metadata", {}).get("uid") or str(uuid.uuid4()))
        stored = self._record("MODIFIED" if existing else "ADDED", rt, obj)
        self.objects[key] = stored
        return stored

    def remove(self, rt: ResourceType, name: str, namespace: str | None = None) -> dict[str, Any]:
        old = self.objects.pop((rt.plural, namespace if rt.namespaced else None, name))
        self._record("DELETED", rt, old)
        return old

    def items(self, rt: ResourceType, namespace: str | None = None) -> list[dict[str, Any]]:
        found = [
            obj
            for (plural, ns, _), obj in sorted(self.objects.items(), key=lambda kv: str(kv[0]))
            if plural == rt.plural and (namespace is None or ns == namespace)
        ]
        return json.loads(json.dumps(found))

    # -- HTTP ---------------------------------------------------------------------------------

    async def handle(self, request: httpx.Request, *, client_name: str) -> httpx.Response:
        if self.down or client_name in self.partitioned:
            raise httpx.ConnectError("fake apiserver: connection refused", request=request)
        rt, namespace, name, subresource = parse_path(request.url.path)
        params = dict(request.url.params)
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, rt.plural, request.url.path, params, body))
        if request.method == "GET" and name is None:
            if params.get("watch") == "true":
                return self._watch(rt, namespace, params)
            return self._list(rt, namespace, params)
        key = (rt.plural, namespace if rt.namespaced else None, name or (body or {}).get("metadata", {}).get("name"))
        existing = self.objects.get(key)
        if request.method == "POST":
            if existing is not None:
                return error_response(409, f"{key} already exists", reason="AlreadyExists")
            if namespace:
                body.setdefault("metadata", {})["namespace"] = namespace
            return httpx.Response(201, json=self.put(rt, body))
        if existing is None:
            return error_response(404, f"{key} not found")
        if request.method == "GET":
            return httpx.Response(200, json=existing)
        if request.method == "PUT":
            if body["metadata"].get("resourceVersion") != existing["metadata"]["resourceVersion"]:
                return error_response(409, "the object has been modified", reason="Conflict")
            return httpx.Response(200, json=self.put(rt, body))
        if request.method == "PATCH":
            return httpx.Response(200, json=self.put(rt, merge_patch(existing, body)))
        if request.method == "DELETE":
            self.remove(rt, name, namespace)
            return httpx.Response(200, json=make_status(200, "deleted"))
        return error_response(405, request.method)

    def _list(self, rt: ResourceType, namespace: str | None, params: dict[str, str]) -> httpx.Response:
        items = self.items(rt, namespace)
        start = int(params.get("continue") or 0)
        if start and self.expire_continue_tokens:
            self.expire_continue_tokens = False
            return error_response(410, "continue token expired", reason="Expired")
        limit = int(params["limit"]) if params.get("limit") else len(items)
        page = items[start : start + limit]
        more = start + limit < len(items)
        metadata = {"resourceVersion": str(self.revision)}
        if more:
            metadata["continue"] = str(start + limit)
        for item in page:  # real list items carry no kind/apiVersion
            item.pop("kind", None)
            item.pop("apiVersion", None)
        return httpx.Response(200, json={"kind": rt.list_kind, "metadata": metadata, "items": page})

    def _watch(self, rt: ResourceType, namespace: str | None, params: dict[str, str]) -> httpx.Response:
        since = int(params.get("resourceVersion") or 0)
        if since < self.compacted_revision:
            if self.gone_as_http_status:
                return error_response(410, "too old resource version", reason="Expired")
            status = make_status(410, "too old resource version", reason="Expired")
            return httpx.Response(200, content=json.dumps({"type": "ERROR", "object": status}) + "\n")
        position = next((i for i, e in enumerate(self.log) if e["revision"] > since), len(self.log))
        return httpx.Response(200, stream=WatchStream(self, rt, namespace, position))


@pytest.fixture
def fake_apiserver() -> FakeApiServer:
    return FakeApiServer()


@pytest.fixture
async def api(fake_apiserver: FakeApiServer):
    client = fake_apiserver.client()
    yield client
    await client.close()


@pytest.fixture
def wait_until():
    """`await wait_until(predicate, what=..., timeout=...)`: poll with a deadline, fail loudly."""

    async def wait(predicate, *, what: str, timeout: float = 5.0, describe=None) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                seen = describe() if describe else "predicate still false"
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; saw: {seen}")
            await asyncio.sleep(0.005)

    return wait

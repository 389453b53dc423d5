"""The async Kubernetes REST client every component talks through.

Caller → `ApiClient` method → URL from the `ResourceType` record (never a
hand-written path) → `send_with_retries()` (bounded, jittered retries of
transport failures and 429s) → `check_response()` (a typed `ApiError` for
anything not 2xx) → the decoded JSON dict. Objects are plain
dicts shaped exactly as Kubernetes shapes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from kubemini import json_codec
from kubemini.api.registry import ResourceType, by_kind
from kubemini.client.credentials import ClientConfig
from kubemini.client.errors import Gone
from kubemini.client.kubeconfig import resolve_config
from kubemini.client.retrying import MAX_RETRIES, send_with_retries
from kubemini.client.watching import WatchEvent, iterate_events, watch_params

REQUEST_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 5.0
WATCH_READ_MARGIN_SECONDS = 30.0
LIST_PAGE_SIZE = 500
IDLE_CONNECTION_SECONDS = 30.0

PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}


def _metadata(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


class ApiClient:
    def __init__(
        self,
        server: str | ClientConfig | None = None,
        *,
        timeout_seconds: float = REQUEST_TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int | None = None,
        user_agent: str = "kubemini-client",
    ):
        self.config = resolve_config(server)
        self.server = self.config.server
        self.max_retries = max_retries
        self._http = httpx.AsyncClient(
            base_url=self.server,
            transport=transport,
            verify=self.config.ssl_context(),
            timeout=httpx.Timeout(timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS),
            headers={"User-Agent": user_agent, "Accept": "application/json", **self.config.headers()},
            # Expire idle connections well before the apiserver's 65 s keep-alive does, so a request
            # never goes out on a connection the server is closing; and late enough that periodic
            # requests (lease renewals every 2 s, heartbeats every 10 s) reuse one TLS connection.
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=IDLE_CONNECTION_SECONDS,
            )
            if max_connections
            else httpx.Limits(keepalive_expiry=IDLE_CONNECTION_SECONDS),
        )

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        """Send one request; the decoded JSON answer (None for an empty body)."""
        headers = {}
        content = None
        if body is not None:
            content = json_codec.dumps(body)
            headers["Content-Type"] = content_type
        clean = {k: str(v) for k, v in (params or {}).items() if v is not None}
        request = self._http.build_request(method, path, params=clean, content=content, headers=headers)
        response = await send_with_retries(self._http, request, max_retries=self.max_retries)
        return json_codec.loads(response.content) if response.content else None

    # -- paths -----------------------------------------------------------------------------

    @staticmethod
    def _object_path(rt: ResourceType, name: str, namespace: str | None, subresource: str = "") -> str:
        if not name:
            raise ValueError(f"{rt.kind}: a name is required")
        if rt.namespaced and not namespace:
            raise ValueError(f"{rt.kind} {name!r} is namespaced: a namespace is required")
        return rt.object_path(name, namespace if rt.namespaced else None, subresource)

    # -- reads -----------------------------------------------------------------------------

    async def get(self, rt: ResourceType, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        return await self.request("GET", self._object_path(rt, name, namespace))

    async def list(
        self,
        rt: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        params = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit,
            "continue": continue_token,
            "resourceVersion": resource_version,
        }
        return await self.request("GET", rt.collection_path(namespace), params=params)

    async def list_all(
        self,
        rt: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = LIST_PAGE_SIZE,
    ) -> dict[str, Any]:
        """Every page of a list joined into one List; items get their `apiVersion`/`kind`.

        An expired continue token (410 between pages) restarts as one unpaged list,
        as client-go's pager does, so the result is still one consistent snapshot.
        """
        selectors = {
            "namespace": namespace,
            "label_selector": label_selector,
            "field_selector": field_selector,
        }
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            try:
                page = await self.list(rt, **selectors, limit=page_size, continue_token=token)
            except Gone:
                if token is None:
                    raise
                items, token, page_size = [], None, None
                continue
            items.extend(page.get("items") or [])
            token = _metadata(page).get("continue") or None
            if not token:
                break
        for item in items:
            item.setdefault("apiVersion", rt.api_version)
            item.setdefault("kind", rt.kind)
        return {
            "apiVersion": rt.api_version,
            "kind": rt.list_kind,
            "metadata": {"resourceVersion": str(_metadata(page).get("resourceVersion") or "")},
            "items": items,
        }

    async def watch(
        self,
        rt: ResourceType,
        *,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncIterator[WatchEvent]:
        """Stream `WatchEvent`s until the server ends the watch.

        Raises `Gone` when `resource_version` is compacted (410 answer or ERROR event)
        and `ConnectionFailed` if the stream breaks.
        """
        params = watch_params(
            resource_version=resource_version,
            label_selector=label_selector,
            field_selector=field_selector,
            timeout_seconds=timeout_seconds,
            allow_bookmarks=allow_bookmarks,
        )
        read_timeout = None if timeout_seconds is None else timeout_seconds + WATCH_READ_MARGIN_SECONDS
        request = self._http.build_request(
            "GET",
            rt.collection_path(namespace),
            params=params,
            timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS, read=read_timeout),
        )
        response = await send_with_retries(self._http, request, stream=True, max_retries=self.max_retries)
        async for event in iterate_events(response, server=self.server):
            yield event

    # -- writes ----------------------------------------------------------------------------

    async def create(self, rt: ResourceType, obj: dict[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        namespace = namespace or _metadata(obj).get("namespace") or ("default" if rt.namespaced else None)
        return await self.request("POST", rt.collection_path(namespace), body=obj)

    async def update(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """PUT the whole object; its `metadata.resourceVersion` makes it a compare-and-swap."""
        meta = _metadata(obj)
        return await self.request("PUT", self._object_path(rt, meta.get("name"), meta.get("namespace")), body=obj)

    async def update_status(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        meta = _metadata(obj)
        path = self._object_path(rt, meta.get("name"), meta.get("namespace"), "status")
        return await self.request("PUT", path, body=obj)

    async def patch(
        self,
        rt: ResourceType,
        name: str,
        body: Any,
        *,
        namespace: str | None = None,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        if patch_type not in PATCH_CONTENT_TYPES:
            raise ValueError(f"patch_type must be one of {sorted(PATCH_CONTENT_TYPES)}, not {patch_type!r}")
        path = self._object_path(rt, name, namespace, subresource or "")
        return await self.request("PATCH", path, body=body, content_type=PATCH_CONTENT_TYPES[patch_type])

    async def delete(
        self,
        rt: ResourceType,
        name: str,
        *,
        namespace: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        preconditions: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """DELETE with a `DeleteOptions` body; the answer is the object (finalizers pending) or a Status."""
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if propagation_policy is not None:
            options["propagationPolicy"] = propagation_policy
        if preconditions:
            options["preconditions"] = preconditions
        return await self.request("DELETE", self._object_path(rt, name, namespace), body=options)

    # -- subresources ----------------------------------------------------------------------

    async def get_scale(self, rt: ResourceType, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        return await self.request("GET", self._object_path(rt, name, namespace, "scale"))

    async def update_scale(
        self, rt: ResourceType, name: str, scale: dict[str, Any], *, namespace: str | None = None
    ) -> dict[str, Any]:
        return await self.request("PUT", self._object_path(rt, name, namespace, "scale"), body=scale)

    async def bind(self, namespace: str, pod_name: str, node_name: str) -> dict[str, Any] | None:
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod_name, "namespace": namespace},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
        }
        return await self.request(
            "POST", self._object_path(by_kind("Pod"), pod_name, namespace, "binding"), body=binding
        )

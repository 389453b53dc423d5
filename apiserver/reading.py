"""GET and LIST: label/field selectors, `limit`/`continue` paging, consistent reads from etcd.

A list with `resourceVersion=0` may be served from the watch cache (what
informers ask for on restart); every other list is a quorum read of etcd.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass

from apiserver.context import ServerContext
from apiserver.errors import ApiError, bad_request, from_storage, gone
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import Compacted, StorageError
from kubemini.api.selectors import (
    SelectorError,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)

PAGE_FETCH_MINIMUM = 100


@dataclass(frozen=True)
class ListQuery:
    label_selector: str | None = None
    field_selector: str | None = None
    limit: int = 0
    continue_token: str | None = None
    resource_version: str | None = None

    @classmethod
    def from_params(cls, params) -> ListQuery:
        limit = params.get("limit") or "0"
        if not limit.isdigit():
            raise bad_request(f"limit must be a non-negative integer, got {limit!r}")
        return cls(
            label_selector=params.get("labelSelector"),
            field_selector=params.get("fieldSelector"),
            limit=int(limit),
            continue_token=params.get("continue") or None,
            resource_version=params.get("resourceVersion") or None,
        )


def object_filter(namespace: str | None, query: ListQuery) -> Callable[[dict], bool]:
    """One predicate for lists and watches: namespace, labels, fields."""
    try:
        labels = parse_label_selector(query.label_selector)
        fields = parse_field_selector(query.field_selector)
    except SelectorError as exc:
        raise bad_request(str(exc)) from exc

    def matches(obj: dict) -> bool:
        metadata = obj.get("metadata", {})
        if namespace and metadata.get("namespace") != namespace:
            return False
        return labels_match(labels, metadata.get("labels")) and fields_match(fields, obj)

    return matches


def _encode_continue(revision: int, start_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": revision, "start": start_key}).encode()).decode()


def _decode_continue(token: str, prefix: str) -> tuple[int, str]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        revision, start = int(decoded["rv"]), str(decoded["start"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise bad_request("continue key is not valid") from exc
    if not start.startswith(prefix):
        raise bad_request("continue key is not valid for this request")
    return revision, start


async def get_object(ctx: ServerContext, info: RequestInfo) -> dict:
    try:
        return (await ctx.store.get(info.storage_key)).obj
    except StorageError as exc:
        raise from_storage(exc, info.resource, info.name or "") from exc


async def list_objects(ctx: ServerContext, info: RequestInfo, query: ListQuery) -> tuple[list[dict], dict]:
    """Returns (items, list metadata with resourceVersion and continue)."""
    matches = object_filter(info.namespace, query)
    cache = ctx.cache(info.resource)
    if query.resource_version == "0" and not query.continue_token and cache.ready.is_set():
        items, revision = cache.snapshot(matches)
        return items, {"resourceVersion": str(revision)}
    prefix = info.resource.storage_prefix(info.namespace)
    revision, start = 0, prefix
    if query.continue_token:
        revision, start = _decode_continue(query.continue_token, prefix)
    elif query.resource_version and query.resource_version != "0":
        if not query.resource_version.isdigit():
            raise bad_request(f"invalid resourceVersion {query.resource_version!r}")
    items: list[dict] = []
    fetch = max(query.limit, PAGE_FETCH_MINIMUM) if query.limit else 0
    try:
        while True:
            page, page_revision, more = await ctx.store.list(prefix, revision=revision, limit=fetch, start_key=start)
            revision = revision or page_revision
            for position, stored in enumerate(page):
                if matches(stored.obj):
                    items.append(stored.obj)
                if query.limit and len(items) == query.limit:
                    has_more = more or position < len(page) - 1
                    token = _encode_continue(revision, stored.key + "\x00") if has_more else ""
                    metadata = {"resourceVersion": str(revision)}
                    if token:
                        metadata["continue"] = token
                    return items, metadata
            if not more or not page:
                return items, {"resourceVersion": str(revision)}
            start = page[-1].key + "\x00"
    except Compacted as exc:
        if query.continue_token:
            raise gone("The provided continue parameter is too old to display a consistent list result.") from exc
        raise from_storage(exc, info.resource) from exc
    except StorageError as exc:
        raise from_storage(exc, info.resource) from exc


def list_body(info: RequestInfo, items: list[dict], metadata: dict) -> dict:
    return {
        "kind": info.resource.list_kind,
        "apiVersion": info.resource.api_version,
        "metadata": metadata,
        "items": items,
    }


def check_resource_version(value: str | None) -> int | None:
    if value in (None, "", "0"):
        return None
    if not value.isdigit():
        raise ApiError(400, f"invalid resourceVersion {value!r}", reason="BadRequest")
    return int(value)

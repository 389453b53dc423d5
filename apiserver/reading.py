"""GET and LIST: label/field selectors, `limit`/`continue` paging, consistent reads from etcd.

A list with `resourceVersion=0` may be served from the watch cache (what
informers ask for on restart); every other list is a quorum read of etcd.
Objects are read in their stored form and served in the request's version.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass

from apiserver.errors import ApiError, bad_request, from_storage, gone
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import Compacted, StorageError
from apiserver.writing import read_stored, served
from kubemini.api.registry import stored_version
from kubemini.api.selectors import (
    SelectorError,
    check_field_labels,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)

PAGE_FETCH_MINIMUM = 100
MAX_INT64 = 2**63 - 1
RESOURCE_VERSION_MATCHES = ("", "NotOlderThan", "Exact")


def parse_int64(value: str, what: str) -> int:
    if not value.isdigit() or int(value) > MAX_INT64:
        raise bad_request(f"{what} must be a non-negative 64-bit integer, got {value[:40]!r}")
    return int(value)


def check_resource_version(value: str | None) -> int | None:
    if value in (None, "", "0"):
        return None
    if not value.isdigit() or int(value) > MAX_INT64:
        raise ApiError(400, f"invalid resource version: {value[:40]}", reason="BadRequest")
    return int(value)


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
        if params.get("resourceVersionMatch", "") not in RESOURCE_VERSION_MATCHES:
            raise bad_request(f"resourceVersionMatch {params['resourceVersionMatch']!r} is not supported")
        query = cls(
            label_selector=params.get("labelSelector"),
            field_selector=params.get("fieldSelector"),
            limit=parse_int64(limit, "limit"),
            continue_token=params.get("continue") or None,
            resource_version=params.get("resourceVersion") or None,
        )
        check_resource_version(query.resource_version)
        return query


def object_filter(info: RequestInfo, query: ListQuery) -> Callable[[dict], bool]:
    """One predicate for lists and watches over stored objects: namespace, labels, fields."""
    strategy = info.resource.strategy
    try:
        labels = parse_label_selector(query.label_selector)
        fields = parse_field_selector(query.field_selector)
        check_field_labels(fields, strategy.selectable_fields(), has_own_labels=bool(strategy.field_labels))
    except SelectorError as exc:
        raise bad_request(str(exc)) from exc
    namespace = info.namespace
    values = strategy.field_values

    def matches(obj: dict) -> bool:
        metadata = obj.get("metadata") or {}
        if namespace and metadata.get("namespace") != namespace:
            return False
        return labels_match(labels, metadata.get("labels")) and fields_match(fields, obj, values)

    return matches


def _encode_continue(revision: int, start_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": revision, "start": start_key}).encode()).decode()


def _decode_continue(token: str, prefix: str) -> tuple[int, str]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        revision, start = int(decoded["rv"]), str(decoded["start"])
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad_request("continue key is not valid") from exc
    if not start.startswith(prefix) or not 0 < revision <= MAX_INT64:
        raise bad_request("continue key is not valid for this request")
    return revision, start


async def get_object(ctx, info: RequestInfo) -> dict:
    return served(info.resource, (await read_stored(ctx, info)).obj)


async def list_objects(ctx, info: RequestInfo, query: ListQuery) -> tuple[list[dict], dict]:
    """Returns (items served, list metadata with resourceVersion and continue)."""
    record = info.resource
    stored_record = stored_version(record)
    matches = object_filter(info, query)
    cache = ctx.cache(record)
    if query.resource_version == "0" and not query.continue_token and cache.ready.is_set():
        items, revision = cache.snapshot(matches)
        return [served(record, item) for item in items], {"resourceVersion": str(revision)}
    prefix = stored_record.storage_prefix(info.namespace)
    revision, start = 0, prefix
    if query.continue_token:
        revision, start = _decode_continue(query.continue_token, prefix)
    items: list[dict] = []
    fetch = max(query.limit, PAGE_FETCH_MINIMUM) if query.limit else 0
    try:
        while True:
            page = await ctx.store.list(prefix, revision=revision, limit=fetch, start_key=start)
            revision = revision or page.revision
            for position, stored in enumerate(page.items):
                if matches(stored.obj):
                    items.append(served(record, stored.obj))
                if query.limit and len(items) == query.limit:
                    has_more = page.more or position < len(page.items) - 1
                    token = _encode_continue(revision, stored.key + "\x00") if has_more else ""
                    metadata = {"resourceVersion": str(revision)}
                    if token:
                        metadata["continue"] = token
                    return items, metadata
            if not page.more or page.last_key is None:
                return items, {"resourceVersion": str(revision)}
            start = page.last_key + "\x00"
    except Compacted as exc:
        if query.continue_token:
            raise gone("The provided continue parameter is too old to display a consistent list result.") from exc
        raise from_storage(exc, stored_record) from exc
    except StorageError as exc:
        raise from_storage(exc, stored_record) from exc


def list_body(info: RequestInfo, items: list[dict], metadata: dict) -> dict:
    return {
        "kind": info.resource.list_kind,
        "apiVersion": info.resource.api_version,
        "metadata": metadata,
        "items": items,
    }

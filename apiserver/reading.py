"""GET and LIST: label/field selectors, `limit`/`continue` paging, consistent reads.

Where a list is served from (upstream's `ShouldDelegateList` with consistent reads from cache):
    continue=<token>                          etcd at the token's revision (410 once compacted)
    resourceVersion=N + limit, or match=Exact etcd at revision N, exactly
    resourceVersion=0                         the watch cache, whatever it holds (limit ignored)
    resourceVersion=N (not older than)        the watch cache when it holds N, else etcd
    no resourceVersion (consistent)           etcd's current revision R (a cheap quorum read of one
                                              key); the watch cache when it holds R, or when etcd
                                              shows nothing under the prefix changed after the
                                              cache's revision (`unchanged_since`); else etcd
The cache serves `limit` too: the continue token carries the cache's revision, so the next pages
come from etcd at that same revision. An etcd read reuses every object the cache holds at the
same mod_revision (no decoding again); a get is always an etcd read, as upstream's is, with the
same reuse. Objects are read in their stored form and served in the request's version; the
entries (apiserver/storage/encoded.py) carry the serializations every response shares.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass

from apiserver.errors import ApiError, bad_request, from_storage, gone
from apiserver.request_info import RequestInfo
from apiserver.storage.encoded import Encoded
from apiserver.storage.errors import Compacted, StorageError
from apiserver.storage.watch_cache import with_type_meta
from apiserver.writing import served
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
    resource_version_match: str = ""

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
            resource_version_match=params.get("resourceVersionMatch", ""),
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


async def get_entry(ctx, info: RequestInfo) -> Encoded:
    """The object from etcd; the cache's entry (and its serializations) when it holds that revision."""
    try:
        stored = await ctx.store.get(info.storage_key, known=ctx.cache(info.resource).known)
    except StorageError as exc:
        raise from_storage(exc, stored_version(info.resource), info.name or "") from exc
    return stored.entry or _entry(stored, stored_version(info.resource))


def _entry(stored, stored_record) -> Encoded:
    return stored.entry or Encoded(stored.key, with_type_meta(stored.obj, stored_record), stored.mod_revision)


async def get_object(ctx, info: RequestInfo) -> dict:
    return served(info.resource, (await get_entry(ctx, info)).obj)


async def _cache_revision(ctx, cache, prefix: str, query: ListQuery) -> int | None:
    """The revision the watch cache can answer this list at, or None when etcd must (module docstring)."""
    if query.continue_token or not cache.ready.is_set():
        return None
    requested = query.resource_version
    if requested == "0":
        return cache.revision
    if requested is not None:
        exact = query.resource_version_match == "Exact" or (query.limit and not query.resource_version_match)
        return cache.revision if not exact and cache.revision >= int(requested) else None
    current = await ctx.store.current_revision()
    if cache.revision >= current:
        return cache.revision
    # Behind etcd (writes elsewhere moved the revision on): still exact if nothing under the
    # prefix changed after the cache's revision, which etcd answers without sending a value.
    held, count = cache.revision, cache.count(prefix)
    proven = await ctx.store.unchanged_since(prefix, held, count)
    if cache.revision >= current:  # caught up meanwhile
        return cache.revision
    # Events the cache applied meanwhile lie outside the prefix (none inside changed up to `proven`).
    return proven if proven is not None and cache.ready.is_set() else None


async def list_entries(ctx, info: RequestInfo, query: ListQuery) -> tuple[list[Encoded], dict]:
    """The stored entries listed and the list metadata (resourceVersion, continue)."""
    stored_record = stored_version(info.resource)
    matches = object_filter(info, query)
    cache = ctx.cache(info.resource)
    prefix = stored_record.storage_prefix(info.namespace)
    try:
        revision = await _cache_revision(ctx, cache, prefix, query)
        if revision is not None:
            limit = 0 if query.resource_version == "0" else query.limit
            # The prefix holds only the request's namespace: without selectors every entry matches.
            selective = query.label_selector or query.field_selector
            entries, next_key = cache.page(prefix, matches if selective else None, limit=limit)
            metadata = {"resourceVersion": str(revision)}
            if next_key:
                metadata["continue"] = _encode_continue(revision, next_key)
            return entries, metadata
        return await _list_from_etcd(ctx, cache, prefix, matches, query, stored_record)
    except Compacted as exc:
        if query.continue_token:
            raise gone("The provided continue parameter is too old to display a consistent list result.") from exc
        raise from_storage(exc, stored_record) from exc
    except StorageError as exc:
        raise from_storage(exc, stored_record) from exc


async def _list_from_etcd(
    ctx, cache, prefix: str, matches, query: ListQuery, stored_record
) -> tuple[list[Encoded], dict]:
    revision, start = 0, prefix
    if query.continue_token:
        revision, start = _decode_continue(query.continue_token, prefix)
    elif query.resource_version not in (None, "0") and (query.limit or query.resource_version_match == "Exact"):
        revision = int(query.resource_version)
    entries: list[Encoded] = []
    fetch = max(query.limit, PAGE_FETCH_MINIMUM) if query.limit else 0
    while True:
        page = await ctx.store.list(prefix, revision=revision, limit=fetch, start_key=start, known=cache.known)
        revision = revision or page.revision
        for position, stored in enumerate(page.items):
            if matches(stored.obj):
                entries.append(_entry(stored, stored_record))
            if query.limit and len(entries) == query.limit:
                has_more = page.more or position < len(page.items) - 1
                metadata = {"resourceVersion": str(revision)}
                if has_more:
                    metadata["continue"] = _encode_continue(revision, stored.key + "\x00")
                return entries, metadata
        if not page.more or page.last_key is None:
            return entries, {"resourceVersion": str(revision)}
        start = page.last_key + "\x00"


async def list_objects(ctx, info: RequestInfo, query: ListQuery) -> tuple[list[dict], dict]:
    """Returns (items served, list metadata with resourceVersion and continue). The items may be
    the cache's own objects: read-only."""
    entries, metadata = await list_entries(ctx, info, query)
    record = info.resource
    return [served(record, entry.obj) for entry in entries], metadata


def list_body(info: RequestInfo, items: list[dict], metadata: dict) -> dict:
    return {
        "kind": info.resource.list_kind,
        "apiVersion": info.resource.api_version,
        "metadata": metadata,
        "items": items,
    }

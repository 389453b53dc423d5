"""An informer's local cache: objects keyed `namespace/name`, plus indexes.

The informer is the only writer (`put`, `remove`); controllers read with
`get`, `list`, `by_index`. Each index is a function object → index values;
the store keeps value → keys sets up to date on every write, so lookups such
as "pods on node n1" or "children of owner uid u" never scan the cache.

Objects handed out are the cached dicts themselves: read-only by contract,
copy before changing (`copy.deepcopy`). Everything runs on one event loop, so
no lock is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kubemini.client.log_once import UNINTERPRETABLE, LogOnce

INDEX_NAMESPACE = "namespace"
INDEX_LABEL = "label"
INDEX_NODE_NAME = "spec.nodeName"
INDEX_OWNER_UID = "owner"

Indexer = Callable[[Mapping[str, Any]], Iterable[str]]
log = logging.getLogger(__name__)
_failures = LogOnce(log)


def _index_values(indexer: Indexer, obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """An object an index cannot read (malformed in storage) is cached but left out of that index."""
    try:
        return tuple(str(value) for value in indexer(obj))
    except UNINTERPRETABLE:
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        _failures.failure("cannot index %s with %s; left out of that index", key, version, key, indexer.__name__)
        return ()


def object_key(obj: Mapping[str, Any]) -> str:
    """`namespace/name`, or just `name` for cluster-scoped objects (client-go's key format)."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    return f"{namespace}/{meta.get('name')}" if namespace else str(meta.get("name"))


def split_key(key: str) -> tuple[str | None, str]:
    namespace, _, name = key.rpartition("/")
    return (namespace or None), name


def resource_version(obj: Mapping[str, Any] | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")


def index_by_namespace(obj: Mapping[str, Any]) -> Iterable[str]:
    namespace = (obj.get("metadata") or {}).get("namespace")
    return [namespace] if namespace else []


def index_by_label(obj: Mapping[str, Any]) -> Iterable[str]:
    """One value per label, `key=value`: `by_index("label", "app=web")`."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return [f"{key}={value}" for key, value in labels.items()]


def index_by_node_name(obj: Mapping[str, Any]) -> Iterable[str]:
    node = (obj.get("spec") or {}).get("nodeName")
    return [node] if node else []


def index_by_owner_uid(obj: Mapping[str, Any]) -> Iterable[str]:
    owners = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [owner["uid"] for owner in owners if owner.get("uid")]


DEFAULT_INDEXERS: dict[str, Indexer] = {
    INDEX_NAMESPACE: index_by_namespace,
    INDEX_LABEL: index_by_label,
    INDEX_NODE_NAME: index_by_node_name,
    INDEX_OWNER_UID: index_by_owner_uid,
}


class Store:
    def __init__(self, indexers: Mapping[str, Indexer] | None = None):
        self._indexers = dict(DEFAULT_INDEXERS)
        self._indexers.update(indexers or {})
        self._objects: dict[str, dict[str, Any]] = {}
        self._indexes: dict[str, dict[str, set[str]]] = {name: {} for name in self._indexers}
        # key → index name → values, so replacing an object never re-runs indexers on the old one.
        self._values: dict[str, dict[str, tuple[str, ...]]] = {}

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, key: object) -> bool:
        return key in self._objects

    def get(self, key: str) -> dict[str, Any] | None:
        return self._objects.get(key)

    def list(self) -> list[dict[str, Any]]:
        return list(self._objects.values())

    def keys(self) -> list[str]:
        return list(self._objects)

    def by_index(self, index_name: str, value: str) -> list[dict[str, Any]]:
        if index_name not in self._indexes:
            raise KeyError(f"no index named {index_name!r}; have {sorted(self._indexes)}")
        return [self._objects[key] for key in sorted(self._indexes[index_name].get(value, ()))]

    def index_values(self, index_name: str) -> list[str]:
        return sorted(self._indexes[index_name])

    def put(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """Insert or replace; the previous object under that key, if any."""
        key = object_key(obj)
        old = self._objects.get(key)
        self._objects[key] = obj
        values = {name: _index_values(indexer, obj, key) for name, indexer in self._indexers.items()}
        previous = self._values.get(key)
        self._values[key] = values
        for name, new in values.items():
            old_values = previous[name] if previous else ()
            if new != old_values:  # most updates touch no indexed field: skip the buckets
                self._reindex(name, key, old_values, new)
        return old

    def remove(self, key: str) -> dict[str, Any] | None:
        old = self._objects.pop(key, None)
        previous = self._values.pop(key, None)
        for name, old_values in (previous or {}).items():
            self._reindex(name, key, old_values, ())
        return old

    def _reindex(self, name: str, key: str, old_values: tuple[str, ...], new_values: tuple[str, ...]) -> None:
        bucket = self._indexes[name]
        for value in old_values:
            keys = bucket.get(value)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del bucket[value]
        for value in new_values:
            bucket.setdefault(value, set()).add(key)

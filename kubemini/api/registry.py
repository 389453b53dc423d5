"""The kinds kubemini serves: the built-in records (builtin_resources.py) and those CRDs add.

    RESOURCES + register()/unregister() ──► _reindex ──► lookup / lookup_kind / by_kind,
        all_resources (discovery order), stored_resources, group_versions

Each `ResourceType` record drives the apiserver's routes, its etcd keys,
discovery, OpenAPI and the client's URLs; its `strategy` carries the kind's
rules (defaults, validation, update rules, field selectors, table columns).
A record + a strategy = a kind: CustomResourceDefinitions add both at run time
(`register` / `unregister`). Nothing else lists kinds.

A kind served in two versions (autoscaling/v1 and v2 HorizontalPodAutoscaler,
core and events.k8s.io Events) has one record per version sharing one
`storage` resource; the record with `stored=True` holds the shape written to
etcd and the other converts through its strategy.
"""

from __future__ import annotations

import re

from kubemini.api.builtin_resources import RESOURCES
from kubemini.api.resource_type import ALL_VERBS, READ_VERBS, ResourceType

__all__ = ["ALL_VERBS", "READ_VERBS", "RESOURCES", "ResourceType"]

_custom: list[ResourceType] = []  # registered at run time (CRDs), served or storage-only
_served: tuple[ResourceType, ...] = RESOURCES
_by_group_plural: dict[tuple[str, str, str], ResourceType] = {}
_by_kind: dict[tuple[str, str], ResourceType] = {}


def version_priority(version: str) -> tuple:
    """Kubernetes' version order: GA before beta before alpha, higher numbers first, others last by name."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0, version)
    major, level, minor = int(match[1]), match[2], int(match[3] or 0)
    return ({None: 0, "beta": 1, "alpha": 2}[level], -major, -minor, "")


def _reindex() -> None:
    global _served
    custom = sorted((r for r in _custom if r.served), key=lambda r: (r.group, version_priority(r.version)))
    _served = RESOURCES + tuple(custom)
    _by_group_plural.clear()
    _by_kind.clear()
    for record in _served:
        _by_group_plural.setdefault((record.group, record.version, record.plural), record)
        _by_kind.setdefault((record.api_version, record.kind), record)


def all_resources() -> tuple[ResourceType, ...]:
    """Built-in kinds, then the custom resources registered at run time (a group's preferred version first)."""
    return _served


def register(record: ResourceType) -> None:
    if record in _custom:
        return
    _custom.append(record)
    _reindex()


def unregister(record: ResourceType) -> None:
    if record in _custom:
        _custom.remove(record)
        _reindex()


def custom_resources() -> tuple[ResourceType, ...]:
    """Every record registered at run time, storage-only ones included."""
    return tuple(_custom)


def lookup(group: str, version: str, plural: str) -> ResourceType | None:
    return _by_group_plural.get((group, version, plural))


def lookup_kind(api_version: str, kind: str) -> ResourceType | None:
    return _by_kind.get((api_version, kind))


def by_kind(kind: str) -> ResourceType:
    """The record for a built-in kind name (core group first); for code that names kinds statically."""
    for record in RESOURCES:
        if record.kind == kind and record.stored:
            return record
    raise KeyError(kind)


def stored_resources() -> tuple[ResourceType, ...]:
    """One served record per stored resource (its stored version when served), for code that walks every
    kind of object: the garbage collector, the namespace controller. Answered-only resources are left out."""
    chosen: dict[str, ResourceType] = {}
    for record in all_resources():
        if record.virtual or "watch" not in record.verbs:
            continue
        if record.stored or record.storage_resource not in chosen:
            if record.stored or not any(r.stored and r.served for r in _same_storage(record)):
                chosen[record.storage_resource] = record
    return tuple(chosen.values())


def _same_storage(record: ResourceType) -> list[ResourceType]:
    return [r for r in RESOURCES + tuple(_custom) if r.storage_resource == record.storage_resource]


def stored_version(record: ResourceType) -> ResourceType:
    """The record whose shape is written to etcd for `record`'s storage resource."""
    for candidate in RESOURCES + tuple(_custom):
        if candidate.storage_resource == record.storage_resource and candidate.stored:
            return candidate
    return record


def group_versions() -> list[tuple[str, str]]:
    """(group, version) pairs in a stable order, core first; a group's preferred version first."""
    seen: list[tuple[str, str]] = []
    for record in all_resources():
        pair = (record.group, record.version)
        if pair not in seen:
            seen.append(pair)
    return seen


_reindex()

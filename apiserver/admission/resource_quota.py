"""ResourceQuota admission: a create (or a growing update) over a quota in its namespace is refused,
and an admitted one is charged to the quota's status.used in the same etcd transaction.

    write of X in namespace N ──► quotas of N (watch cache; from etcd after a lost race)
        for each quota whose status.hard names something X is charged for and whose scopes select X:
            pods lacking a tracked cpu / memory request or limit  ──► 403 failed quota: q: must specify ...
            status.used missing a tracked name                     ──► 403 status unknown for quota: q, ...
        delta = usage(X) (- usage(old X) on update, never below zero); zero ──► admitted
        used + delta over hard                                     ──► 403 exceeded quota: q, requested: ...
        else status.used += delta, written with X; the transaction requires the quota's revision unchanged
    quota moved meanwhile (SideKeyTaken) ──► the write runs again from etcd's quotas
Charges to one namespace's quotas are serialised in this server (a lock from the read to the end of
the transaction), so a burst of creates costs no retries; the compare alone keeps several servers right.

So two concurrent creates against `pods: 1` cannot both pass: the second one's transaction finds the
quota changed, re-reads it and is refused. Deletions charge nothing back here: the resourcequota
controller recomputes status.used from the live objects (as kube-apiserver's quota evaluator and
kube-controller-manager's resourcequota controller split the work).
"""

from __future__ import annotations

import asyncio
import weakref
from datetime import UTC, datetime

from apiserver.admission import CREATE, UPDATE, AdmissionPlugin, Attributes, forbidden
from apiserver.storage.etcd_store import encode
from kubemini import json_codec
from kubemini.api import registry
from kubemini.api.quota.resources import (
    add,
    exceeded,
    format_list,
    is_zero,
    mask,
    parse_list,
    pretty,
    subtract_non_negative,
)
from kubemini.api.quota.scopes import quota_selects
from kubemini.api.quota.usage import accounts_for, missing_requirements, usage_of

RESOURCE_QUOTAS = registry.by_kind("ResourceQuota")
_FRESH = "resource_quota_fresh"
_UPDATED_KINDS = ("pods", "services", "persistentvolumeclaims")


# One lock per namespace with quotas: this server's charges to them run one at a time (kube-apiserver's
# quota evaluator batches per namespace too), so a burst of creates does not spend its retries on
# each other. Correctness never rests on it: the revision compare does that, across servers too.
_namespace_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def namespace_lock(namespace: str) -> asyncio.Lock:
    lock = _namespace_locks.get(namespace)
    if lock is None:
        lock = _namespace_locks[namespace] = asyncio.Lock()
    return lock


async def namespace_quotas(ctx, namespace: str, *, fresh: bool) -> list[dict]:
    prefix = RESOURCE_QUOTAS.storage_prefix(namespace)
    cache = ctx.cache(RESOURCE_QUOTAS)
    if not fresh and cache.ready.is_set():
        return [obj for key, obj in cache.objects.items() if key.startswith(prefix)]
    return [stored.obj for stored in (await ctx.store.list(prefix)).items]


async def locked_quotas(ctx, attrs: Attributes) -> list[dict]:
    """The namespace's quotas as etcd has them now, read under the namespace's lock (held by the
    attempt until its transaction ends); none in the watch cache ──► no lock, no read."""
    if not await namespace_quotas(ctx, attrs.namespace, fresh=attrs.notes.get(_FRESH, False)):
        return []
    lock = namespace_lock(attrs.namespace)
    await lock.acquire()
    attrs.held.append(lock)
    return await namespace_quotas(ctx, attrs.namespace, fresh=True)


def _has_usage_stats(quota: dict, names: list[str]) -> bool:
    used = (quota.get("status") or {}).get("used") or {}
    return all(name in used for name in names)


class ResourceQuota(AdmissionPlugin):
    name = "ResourceQuota"

    def handles(self, attrs: Attributes) -> bool:
        if attrs.subresource is not None or not attrs.namespace or not attrs.record.namespaced:
            return False
        if attrs.operation == CREATE:
            return True
        return attrs.operation == UPDATE and not attrs.record.group and attrs.record.plural in _UPDATED_KINDS

    async def validate(self, ctx, attrs: Attributes) -> None:
        quotas = await locked_quotas(ctx, attrs)
        if not quotas:
            return
        plural, group = attrs.record.plural, attrs.record.group
        now = datetime.now(UTC)
        interesting = []
        for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
            hard = parse_list((quota.get("status") or {}).get("hard"))
            restricted = sorted(name for name in hard if accounts_for(plural, group, name))
            if not restricted or not quota_selects(quota, plural, group, attrs.obj):
                continue
            name = quota["metadata"]["name"]
            if plural == "pods" and not group:
                missing = missing_requirements(attrs.obj.get("spec") or {}, set(restricted))
                if missing:
                    raise forbidden(attrs, f"failed quota: {name}: {missing}")
            if not _has_usage_stats(quota, restricted):
                raise forbidden(attrs, f"status unknown for quota: {name}, resources: {','.join(restricted)}")
            interesting.append((quota, hard))
        if not interesting:
            return
        delta = usage_of(plural, group, attrs.obj, now=now)
        if attrs.operation == UPDATE and attrs.old is not None:
            delta = subtract_non_negative(delta, usage_of(plural, group, attrs.old, now=now))
        if is_zero(delta):
            return
        for quota, hard in interesting:
            requested = {k: v for k, v in mask(delta, hard).items() if v}
            if not requested:
                continue
            used = parse_list(quota["status"].get("used"))
            new_used = add(used, requested)
            over = exceeded(mask(new_used, requested), hard)
            if over:
                raise forbidden(
                    attrs,
                    f"exceeded quota: {quota['metadata']['name']}, requested: {pretty(mask(requested, over))}, "
                    f"used: {pretty(mask(used, over))}, limited: {pretty(mask(hard, over))}",
                )
            self._charge(attrs, quota, mask(new_used, hard))

    @staticmethod
    def _charge(attrs: Attributes, quota: dict, used: dict) -> None:
        charged = json_codec.clone(quota)
        charged["status"]["used"] = {**(quota["status"].get("used") or {}), **format_list(used)}
        key = RESOURCE_QUOTAS.storage_key(quota["metadata"]["name"], attrs.namespace)
        attrs.side.puts[key] = encode(charged)
        attrs.side.unchanged[key] = int(quota["metadata"]["resourceVersion"])

    async def explain_taken(self, ctx, attrs: Attributes):
        attrs.notes[_FRESH] = True  # a quota may have moved: decide again from etcd
        return None

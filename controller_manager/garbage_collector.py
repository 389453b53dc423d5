"""Garbage collector: the ownerReferences graph over every kind in the registry (Events aside).

    informers of all kinds ──► keys `Kind:namespace/name` of
        objects with owners (added, or their owners changed) · objects marked for deletion with a GC
        finalizer · dependents of a deleted object · owners of a deleted or re-parented dependent
    sync(key), from the stores (dependents through each store's owner-uid index):
        deleting + `foregroundDeletion` ──► have every dependent deleted; once no dependent with
                                             blockOwnerDeletion remains, drop the finalizer
        deleting + `orphan`             ──► strip this owner from every dependent, drop the finalizer
        owners all gone (Background)    ──► delete the object (as its own finalizers ask)
        some owners alive               ──► remove only the references to gone / foreground-deleting owners
        only foreground-deleting owners ──► delete it too, Foreground when it has dependents of its own;
                                             a dependent already deleting its own dependents means a
                                             cycle: first unblock our references (Kubernetes' rule)

Custom kinds are learnt at run time (custom_kinds.py): an Established CRD adds an informer of its
kind to the graph (and the objects already naming an owner of that kind are judged again), a
deleted one removes it. A custom kind is keyed `Kind.group` (built-in ones
`Kind`), since it may share its name with a built-in one.

An owner missing from the cache is confirmed with a live GET before anything is
deleted (a new owner may simply not be cached yet); a uid once confirmed gone is
remembered, since uids are never reused. The object itself is re-read live before
it is deleted, so a reference added meanwhile saves it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from controller_manager.custom_kinds import CRDS, CustomKinds
from controller_manager.ownership import meta, refers_to_kind, uid_of
from kubemini.api.kinds.apiextensions.custom_resource import CustomResourceStrategy
from kubemini.api.registry import ResourceType, custom_resources, lookup_kind, stored_resources
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.informer import Informer
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key, resource_version

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
# Events churn and are never owners nor owned in practice: not worth a watch.
IGNORED_KINDS = frozenset({"Event"})
ABSENT_UIDS_REMEMBERED = 10_000
SOLID, DANGLING, WAITING = "solid", "dangling", "waiting"

Obj = dict[str, Any]


def kind_key(rt: ResourceType) -> str:
    """`Pod`, `ReplicaSet` for built-in kinds; `CronTab.stable.example.com` for a custom one."""
    return f"{rt.kind}.{rt.group}" if isinstance(rt.strategy, CustomResourceStrategy) else rt.kind


def owner_refs(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(meta(obj).get("ownerReferences") or [])


def _deleting_dependents(obj: Mapping[str, Any]) -> bool:
    deleting, foreground, _ = _gc_state(obj)
    return deleting and foreground


def _gc_state(obj: Mapping[str, Any]) -> tuple[bool, bool, bool]:
    finalizers = meta(obj).get("finalizers") or []
    return bool(meta(obj).get("deletionTimestamp")), FOREGROUND in finalizers, ORPHAN in finalizers


class GarbageCollector(ClientController):
    name = "garbagecollector"
    default_workers = 10

    def setup(self, informers: SharedInformers) -> None:
        self.stores: dict[str, Informer] = {}
        self.kinds: dict[str, ResourceType] = {}
        for rt in stored_resources():
            if rt.kind in IGNORED_KINDS or rt in custom_resources():
                continue  # custom kinds (maybe left from an earlier term) come through custom_kinds
            self._add_store(rt, informers.informer(rt))
        self._absent: OrderedDict[str, None] = OrderedDict()
        self._custom_informers: dict[str, Informer] = {}
        self.custom_kinds = CustomKinds(on_added=self._learn_kind, on_removed=self._forget_kind)
        self.watch(informers.informer(CRDS), **self.custom_kinds.handlers())

    def _add_store(self, rt: ResourceType, informer: Informer) -> Informer:
        key = kind_key(rt)
        added, updated, deleted = self._handlers(key)
        self.kinds[key] = rt
        self.stores[key] = self.watch(informer, on_add=added, on_update=updated, on_delete=deleted)
        return informer

    async def _learn_kind(self, rt: ResourceType) -> None:
        """A custom kind served now: its objects join the graph (their informer is ours to stop)."""
        key = kind_key(rt)
        if key in self._custom_informers:
            await self._forget_kind(self.kinds[key])
        informer = self._add_store(rt, Informer(self.client, rt))
        self._custom_informers[key] = informer
        informer.start()
        # Objects that named an owner of this kind before it was known were judged to have a solid
        # owner (a kind we do not serve): judge them again, now that their owner can be looked up.
        for kind, store in list(self.stores.items()):
            for obj in store.list():
                if any(refers_to_kind(ref, rt) for ref in owner_refs(obj)):
                    self.enqueue(self.key(kind, obj))

    async def _forget_kind(self, rt: ResourceType) -> None:
        key = kind_key(rt)
        informer = self._custom_informers.pop(key, None)
        self.stores.pop(key, None)
        self.kinds.pop(key, None)
        if informer is not None:
            if informer in self.informers:
                self.informers.remove(informer)
            await informer.stop()

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            for informer in list(self._custom_informers.values()):
                await informer.stop()

    # -- graph lookups --------------------------------------------------------------------------

    @staticmethod
    def key(kind: str, obj: Mapping[str, Any]) -> str:
        return f"{kind}:{object_key(obj)}"

    def dependents(self, uid: str) -> list[tuple[str, Mapping[str, Any]]]:
        return [(kind, obj) for kind, store in self.stores.items() for obj in store.by_index("owner", uid)]

    def _owner_key(self, dependent: Mapping[str, Any], ref: Mapping[str, Any]) -> str | None:
        rt = lookup_kind(ref.get("apiVersion") or "", ref.get("kind") or "")
        if rt is None or kind_key(rt) not in self.stores:
            return None
        namespace = meta(dependent).get("namespace") if rt.namespaced else None
        key = kind_key(rt)
        return f"{key}:{namespace}/{ref.get('name')}" if namespace else f"{key}:{ref.get('name')}"

    # -- handlers -------------------------------------------------------------------------------

    def _handlers(self, kind: str):
        def added(obj: Obj) -> None:
            if owner_refs(obj) or any(_gc_state(obj)[1:]):
                self.enqueue(self.key(kind, obj))

        def updated(old: Obj, new: Obj) -> None:
            if resource_version(old) == resource_version(new):
                return
            if owner_refs(old) != owner_refs(new) or _gc_state(old) != _gc_state(new):
                self.enqueue(self.key(kind, new))
                # An owner waiting for its dependents may be waiting for exactly this change.
                for ref in owner_refs(old):
                    if (owner_key := self._owner_key(old, ref)) is not None:
                        self.enqueue(owner_key)

        def deleted(obj: Obj) -> None:
            for dependent_kind, dependent in self.dependents(uid_of(obj)):
                self.enqueue(self.key(dependent_kind, dependent))
            for ref in owner_refs(obj):
                if (owner_key := self._owner_key(obj, ref)) is not None:
                    self.enqueue(owner_key)

        return added, updated, deleted

    # -- reconcile ------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        kind, _, obj_key = key.partition(":")
        store = self.stores.get(kind)
        obj = store.get(obj_key) if store is not None else None
        rt = self.kinds.get(kind)
        if obj is None or rt is None:
            return None
        deleting, foreground, orphan = _gc_state(obj)
        try:
            if deleting:
                if foreground:
                    await self._delete_dependents_first(rt, obj)
                elif orphan:
                    await self._orphan_dependents(rt, obj)
                return None  # someone else is deleting it: not ours to judge its owners
            if owner_refs(obj):
                await self._check_owners(rt, obj)
        except Conflict:
            # Our resourceVersion precondition lost to a status write: look again with backoff;
            # the object's own update event is already queued.
            return Result(requeue=True)
        return None

    async def _delete_dependents_first(self, rt: ResourceType, owner: Mapping[str, Any]) -> None:
        uid = uid_of(owner)
        blocking = 0
        for kind, dependent in self.dependents(uid):
            refs = [ref for ref in owner_refs(dependent) if ref.get("uid") == uid]
            if any(ref.get("blockOwnerDeletion") for ref in refs):
                blocking += 1
            if not meta(dependent).get("deletionTimestamp"):
                self.enqueue(self.key(kind, dependent))  # its sync sees a waiting owner and deletes it
        if blocking == 0:
            await self._remove_finalizer(rt, owner, FOREGROUND)

    async def _orphan_dependents(self, rt: ResourceType, owner: Mapping[str, Any]) -> None:
        uid = uid_of(owner)
        for kind, dependent in self.dependents(uid):
            if kind in self.kinds:
                await self._drop_refs(self.kinds[kind], dependent, {uid})
        await self._remove_finalizer(rt, owner, ORPHAN)

    async def _check_owners(self, rt: ResourceType, obj: Mapping[str, Any]) -> None:
        states: dict[str, list[Mapping[str, Any]]] = {SOLID: [], DANGLING: [], WAITING: []}
        for ref in owner_refs(obj):
            states[await self._owner_state(obj, ref)].append(ref)
        if not states[DANGLING] and not states[WAITING]:
            return
        if states[SOLID]:
            gone = {ref.get("uid") for ref in states[DANGLING] + states[WAITING]}
            await self._drop_refs(rt, obj, gone)
            return
        live = await self._live(rt, meta(obj)["name"], meta(obj).get("namespace"))
        if live is None or uid_of(live) != uid_of(obj) or owner_refs(live) != owner_refs(obj):
            return  # changed since the cache saw it: the update event brings it back here
        dependents = self.dependents(uid_of(obj))
        if states[WAITING] and dependents:
            if any(_deleting_dependents(dependent) for _, dependent in dependents):
                # A dependent waits for its own dependents while an owner waits for us: a cycle of
                # foreground deletions. As Kubernetes does, stop blocking our owners, so the ring
                # unwinds instead of every member waiting for the next one forever.
                live = await self._unblock_owner_refs(rt, live)
                if live is None:
                    return
            policy = "Foreground"
        else:
            _, foreground, orphan = _gc_state(live)
            policy = "Orphan" if orphan else "Foreground" if foreground else "Background"
        try:
            await self.client.delete(
                rt,
                meta(obj)["name"],
                namespace=meta(obj).get("namespace"),
                propagation_policy=policy,
                preconditions={"uid": uid_of(obj), "resourceVersion": resource_version(live)},
            )
        except NotFound:
            pass

    async def _owner_state(self, dependent: Mapping[str, Any], ref: Mapping[str, Any]) -> str:
        uid = str(ref.get("uid") or "")
        if uid in self._absent:
            return DANGLING
        rt = lookup_kind(ref.get("apiVersion") or "", ref.get("kind") or "")
        namespace = meta(dependent).get("namespace")
        if rt is None or (rt.namespaced and not namespace):
            return SOLID  # a kind we do not serve, or an invalid reference: never a reason to delete
        namespace = namespace if rt.namespaced else None
        name = str(ref.get("name") or "")
        store = self.stores.get(kind_key(rt))
        owner = store.get(f"{namespace}/{name}" if namespace else name) if store is not None else None
        if owner is None or uid_of(owner) != uid:
            owner = await self._live(rt, name, namespace)
            if owner is None or uid_of(owner) != uid:
                self._remember_absent(uid)
                return DANGLING
        deleting, foreground, _ = _gc_state(owner)
        return WAITING if deleting and foreground else SOLID

    def _remember_absent(self, uid: str) -> None:
        self._absent[uid] = None
        while len(self._absent) > ABSENT_UIDS_REMEMBERED:
            self._absent.popitem(last=False)

    async def _live(self, rt: ResourceType, name: str, namespace: str | None) -> Obj | None:
        try:
            return await self.client.get(rt, name, namespace=namespace)
        except NotFound:
            return None

    async def _drop_refs(self, rt: ResourceType, obj: Mapping[str, Any], uids: set[Any]) -> None:
        kept = [dict(ref) for ref in owner_refs(obj) if ref.get("uid") not in uids]
        if len(kept) == len(owner_refs(obj)):
            return
        patch = {
            "metadata": {"ownerReferences": kept or None, "resourceVersion": resource_version(obj), "uid": uid_of(obj)}
        }
        try:
            await self.client.patch(rt, meta(obj)["name"], patch, namespace=meta(obj).get("namespace"))
        except NotFound:
            pass

    async def _unblock_owner_refs(self, rt: ResourceType, obj: Mapping[str, Any]) -> Obj | None:
        """Set blockOwnerDeletion false on every reference of `obj`; the object as written, None if gone."""
        refs = [
            {**ref, "blockOwnerDeletion": False} if ref.get("blockOwnerDeletion") else dict(ref)
            for ref in owner_refs(obj)
        ]
        if refs == owner_refs(obj):
            return dict(obj)
        patch = {"metadata": {"ownerReferences": refs, "resourceVersion": resource_version(obj), "uid": uid_of(obj)}}
        try:
            return await self.client.patch(rt, meta(obj)["name"], patch, namespace=meta(obj).get("namespace"))
        except NotFound:
            return None

    async def _remove_finalizer(self, rt: ResourceType, obj: Mapping[str, Any], finalizer: str) -> None:
        finalizers = [f for f in meta(obj).get("finalizers") or [] if f != finalizer]
        patch = {"metadata": {"finalizers": finalizers or None, "resourceVersion": resource_version(obj)}}
        try:
            await self.client.patch(rt, meta(obj)["name"], patch, namespace=meta(obj).get("namespace"))
        except NotFound:
            pass

"""ownerReferences: who controls an object, and claiming objects for an owner by label selector.

    candidates from a store ──► claim(owner, ...) ──► the objects the owner controls now
        controlled by the owner, selector matches       → keep
        controlled by the owner, selector stopped matching → release: PATCH our reference away
        no controller, selector matches, both alive     → adopt: PATCH a controller reference in
        controlled by another owner                     → not ours, leave it

As client-go's ControllerRefManager: before the first adoption the owner is read
fresh from the apiserver (a cached owner may already be deleted or replaced by a
namesake), and every PATCH carries the object's uid and resourceVersion, so an
object changed in between answers 409 and the next reconcile looks again.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from kubemini.api.registry import ResourceType
from kubemini.api.selectors import labels_match
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError, NotFound

Obj = dict[str, Any]


def meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def uid_of(obj: Mapping[str, Any]) -> str:
    return str(meta(obj).get("uid") or "")


def refers_to_kind(ref: Mapping[str, Any], rt: ResourceType) -> bool:
    """Whether an ownerReference names an object of `rt`'s kind, in any version of its group."""
    group = str(ref.get("apiVersion") or "").rpartition("/")[0]
    return ref.get("kind") == rt.kind and group == rt.group


def controller_ref(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == uid_of(owner)


def new_controller_ref(owner: Mapping[str, Any]) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta(owner)["name"],
        "uid": uid_of(owner),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _owner_refs_patch(obj: Mapping[str, Any], refs: list[Obj]) -> Obj:
    return {
        "metadata": {"uid": uid_of(obj), "resourceVersion": meta(obj).get("resourceVersion"), "ownerReferences": refs}
    }


async def adopt(client: ApiClient, rt: ResourceType, obj: Mapping[str, Any], owner: Mapping[str, Any]) -> Obj:
    refs = [copy.deepcopy(ref) for ref in meta(obj).get("ownerReferences") or [] if ref.get("uid") != uid_of(owner)]
    refs.append(new_controller_ref(owner))
    body = _owner_refs_patch(obj, refs)
    return await client.patch(rt, meta(obj)["name"], body, namespace=meta(obj).get("namespace"))


async def release(client: ApiClient, rt: ResourceType, obj: Mapping[str, Any], owner: Mapping[str, Any]) -> None:
    refs = [copy.deepcopy(ref) for ref in meta(obj).get("ownerReferences") or [] if ref.get("uid") != uid_of(owner)]
    body = _owner_refs_patch(obj, refs)
    try:
        await client.patch(rt, meta(obj)["name"], body, namespace=meta(obj).get("namespace"))
    except NotFound:
        pass  # gone already: nothing left to release


async def claim(
    client: ApiClient,
    rt: ResourceType,
    *,
    owner: Mapping[str, Any],
    candidates: Iterable[Mapping[str, Any]],
    matches: Callable[[Mapping[str, Any]], bool],
    fresh_owner: Callable[[], Awaitable[Mapping[str, Any] | None]],
) -> list[Mapping[str, Any]]:
    """The candidates `owner` controls after adopting and releasing; raises the first failed write."""
    owner_deleting = bool(meta(owner).get("deletionTimestamp"))
    claimed: list[Mapping[str, Any]] = []
    failure: ApiError | None = None
    can_adopt: bool | None = None
    for obj in candidates:
        ref = controller_ref(obj)
        if ref is not None:
            if ref.get("uid") != uid_of(owner):
                continue
            if matches(obj):
                claimed.append(obj)
            elif not owner_deleting:
                try:
                    await release(client, rt, obj, owner)
                except ApiError as error:
                    failure = failure or error
                    claimed.append(obj)  # still ours until the release lands
            continue
        if owner_deleting or meta(obj).get("deletionTimestamp") or not matches(obj):
            continue
        if can_adopt is None:
            fresh = await fresh_owner()
            can_adopt = bool(fresh) and uid_of(fresh) == uid_of(owner) and not meta(fresh).get("deletionTimestamp")
        if not can_adopt:
            continue
        try:
            claimed.append(await adopt(client, rt, obj, owner))
        except NotFound:
            continue
        except ApiError as error:
            failure = failure or error
    if failure is not None:
        raise failure
    return claimed


async def claim_matching(
    client: ApiClient,
    rt: ResourceType,
    *,
    owner: Mapping[str, Any],
    owner_rt: ResourceType,
    candidates: Iterable[Mapping[str, Any]],
    selector: tuple,
) -> list[Mapping[str, Any]]:
    """`claim` for owners that select by label: the owner is read fresh from the apiserver by name."""
    name, namespace = meta(owner)["name"], meta(owner).get("namespace")

    async def fresh() -> Obj | None:
        try:
            return await client.get(owner_rt, name, namespace=namespace)
        except NotFound:
            return None

    return await claim(
        client,
        rt,
        owner=owner,
        candidates=candidates,
        matches=lambda obj: labels_match(selector, meta(obj).get("labels") or {}),
        fresh_owner=fresh,
    )

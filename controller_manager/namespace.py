"""Namespace controller: empty a Terminating namespace, then let it go.

    Namespace events ──► its name
    sync(name):
        not being deleted, or the `kubernetes` finalizer already gone ──► nothing to do
        for every namespaced kind in the registry: DELETE the collection (Background), then list
            what is left (pods waiting for their kubelet, objects with finalizers)
        something left ──► status condition NamespaceContentRemaining, look again shortly
        empty ──► PUT /finalize without `kubernetes` ──► the apiserver removes the namespace
                  (still there with nothing holding it ──► DELETE it once more)

The apiserver refuses new objects in a Terminating namespace (403), so the content
can only shrink. Lists go to the apiserver, not to a cache: the verdict "empty"
must not come from an informer that is behind.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from controller_manager.ownership import meta
from kubemini.api import timestamps
from kubemini.api.registry import ResourceType, by_kind, stored_resources
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import MethodNotAllowed, NotFound
from kubemini.client.shared_informers import SharedInformers

NAMESPACE = by_kind("Namespace")
KUBERNETES_FINALIZER = "kubernetes"
CONTENT_RECHECK_SECONDS = 0.5

Obj = dict[str, Any]


class NamespaceController(ClientController):
    name = "namespace"
    default_workers = 5

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        recheck_seconds: float = CONTENT_RECHECK_SECONDS,
        **common: Any,
    ):
        self.recheck_seconds = recheck_seconds
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.namespaces = self.add_informer(informers.informer(NAMESPACE))

    async def reconcile(self, key: str) -> Result | None:
        namespace = self.namespaces.get(key)
        if namespace is None or not meta(namespace).get("deletionTimestamp"):
            return None
        if KUBERNETES_FINALIZER not in ((namespace.get("spec") or {}).get("finalizers") or []):
            return None
        remaining = await self._delete_content(key)
        if remaining:
            await self._report_remaining(namespace, remaining)
            return Result(requeue_after=self.recheck_seconds)
        await self._finalize(namespace)
        return None

    async def _delete_content(self, namespace: str) -> dict[str, int]:
        """Ask for every namespaced object to go; what is still there afterwards, by resource."""
        remaining: dict[str, int] = {}
        for rt in stored_resources():
            if not rt.namespaced:
                continue
            left = await self._delete_collection(rt, namespace)
            if left:
                remaining[rt.plural] = left
        return remaining

    async def _delete_collection(self, rt: ResourceType, namespace: str) -> int:
        listing = await self.client.list_all(rt, namespace=namespace)
        if not listing["items"]:
            return 0
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        try:
            await self.client.request("DELETE", rt.collection_path(namespace), body=options)
        except MethodNotAllowed:
            for item in listing["items"]:
                try:
                    await self.client.delete(
                        rt, meta(item)["name"], namespace=namespace, propagation_policy="Background"
                    )
                except NotFound:
                    pass
        return len((await self.client.list_all(rt, namespace=namespace))["items"])

    async def _report_remaining(self, namespace: Mapping[str, Any], remaining: dict[str, int]) -> None:
        message = "Some resources are remaining: " + ", ".join(
            f"{plural} has {count} resource instances" for plural, count in sorted(remaining.items())
        )
        status = copy.deepcopy(namespace.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "NamespaceContentRemaining"]
        previous = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "NamespaceContentRemaining"), None
        )
        if previous is not None and previous.get("message") == message:
            return
        conditions.append(
            {
                "type": "NamespaceContentRemaining",
                "status": "True",
                "reason": "SomeResourcesRemain",
                "message": message,
                "lastTransitionTime": timestamps.now(),
            }
        )
        status["conditions"] = conditions
        try:
            await self.client.patch(NAMESPACE, meta(namespace)["name"], {"status": status}, subresource="status")
        except NotFound:
            pass

    async def _finalize(self, namespace: Mapping[str, Any]) -> None:
        name = meta(namespace)["name"]
        body = copy.deepcopy(dict(namespace))
        body.setdefault("spec", {})["finalizers"] = [
            f for f in (body["spec"].get("finalizers") or []) if f != KUBERNETES_FINALIZER
        ]
        body["metadata"].pop("resourceVersion", None)  # finalize whatever the latest version is
        try:
            await self.client.request("PUT", NAMESPACE.object_path(name, subresource="finalize"), body=body)
            current = await self.client.get(NAMESPACE, name)
        except NotFound:
            return  # finalized and removed: done
        if not (current.get("spec") or {}).get("finalizers") and not meta(current).get("finalizers"):
            # Nothing holds it any more yet it is still there: deleting again removes it.
            try:
                await self.client.delete(NAMESPACE, name)
            except NotFound:
                pass

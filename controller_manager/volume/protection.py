"""Protection finalizers: a claim in use by a pod, and a bound volume, outlive their DELETE.

pvc-protection: Claim events ──► its key;  Pod events ──► the keys of the claims the pod names
    reconcile(ns/name): no finalizer and not deleting ──► add kubernetes.io/pvc-protection;
        deleting ──► a live list of the namespace's pods: none not-yet-finished names it
        ──► remove the finalizer (the apiserver then deletes the claim)
pv-protection: Volume events ──► its name
    reconcile(name): no finalizer and not deleting ──► add kubernetes.io/pv-protection;
        deleting and its phase is not Bound ──► remove the finalizer

The live list (not the cache) before letting a claim go: a pod created a moment ago must keep it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubemini.api.persistent_volumes import PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, pod_claim_names
from kubemini.api.pods import phase
from kubemini.api.registry import by_kind
from kubemini.api.resource_type import ResourceType
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers

PV, PVC, POD = by_kind("PersistentVolume"), by_kind("PersistentVolumeClaim"), by_kind("Pod")


def pod_uses_claim(pod: Mapping[str, Any], claim_name: str) -> bool:
    return phase(pod) not in ("Succeeded", "Failed") and claim_name in pod_claim_names(pod)


async def set_finalizer(client: ApiClient, rt: ResourceType, cached: Mapping[str, Any], finalizer: str, *, on: bool):
    obj = copy.deepcopy(dict(cached))
    finalizers = list(obj["metadata"].get("finalizers") or [])
    if (finalizer in finalizers) == on:
        return
    obj["metadata"]["finalizers"] = [*finalizers, finalizer] if on else [f for f in finalizers if f != finalizer]
    await client.update(rt, obj)  # resourceVersion: a compare-and-swap


class PVCProtectionController(ClientController):
    name = "pvc-protection"

    def setup(self, informers: SharedInformers) -> None:
        self.claims = self.add_informer(informers.informer(PVC))
        self.pods = self.add_informer(informers.informer(POD), key_for=self._claims_of)

    def _claims_of(self, pod: Mapping[str, Any]) -> list[str]:
        namespace = (pod.get("metadata") or {}).get("namespace")
        return [f"{namespace}/{name}" for name in pod_claim_names(pod)]

    async def reconcile(self, key: str) -> Result | None:
        claim = self.claims.get(key)
        if claim is None:
            return None
        meta = claim["metadata"]
        try:
            if not meta.get("deletionTimestamp"):
                await set_finalizer(self.client, PVC, claim, PVC_PROTECTION_FINALIZER, on=True)
                return None
            if PVC_PROTECTION_FINALIZER not in (meta.get("finalizers") or []):
                return None
            if any(pod_uses_claim(p, meta["name"]) for p in self.pods.by_index("namespace", meta["namespace"])):
                return None
            pods = (await self.client.list_all(POD, namespace=meta["namespace"]))["items"]
            if any(pod_uses_claim(p, meta["name"]) for p in pods):
                return None
            await set_finalizer(self.client, PVC, claim, PVC_PROTECTION_FINALIZER, on=False)
        except Conflict:
            return Result(requeue=True)
        except NotFound:
            pass
        return None


class PVProtectionController(ClientController):
    name = "pv-protection"

    def setup(self, informers: SharedInformers) -> None:
        self.volumes = self.add_informer(informers.informer(PV))

    async def reconcile(self, key: str) -> Result | None:
        volume = self.volumes.get(key)
        if volume is None:
            return None
        try:
            if not volume["metadata"].get("deletionTimestamp"):
                await set_finalizer(self.client, PV, volume, PV_PROTECTION_FINALIZER, on=True)
            elif (volume.get("status") or {}).get("phase") != "Bound":
                await set_finalizer(self.client, PV, volume, PV_PROTECTION_FINALIZER, on=False)
        except Conflict:
            return Result(requeue=True)
        except NotFound:
            pass
        return None

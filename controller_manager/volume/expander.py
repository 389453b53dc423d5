"""Volume expansion ("persistentvolume-expander"): a bound claim asking for more storage gets it.

Claim events ──► its key
reconcile(ns/name): bound, its request above status.capacity, its class allows expansion
    ──► PV spec.capacity.storage = the request (PUT) ──► claim status.capacity = the same (status)
    ──► Event VolumeResizeSuccessful
The admission plugin PersistentVolumeClaimResize already refused growth a class does not allow;
the class is checked again here for claims written before it changed. Local-path and hostPath
volumes are directories: the new size is recorded, never enforced (no filesystem to grow).
"""

from __future__ import annotations

import copy

from kubemini.api.persistent_volumes import capacity_bytes, claim_class, requested_bytes, storage_bytes
from kubemini.api.registry import by_kind
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers

PV, PVC, STORAGE_CLASS = by_kind("PersistentVolume"), by_kind("PersistentVolumeClaim"), by_kind("StorageClass")


class VolumeExpander(ClientController):
    name = "persistentvolume-expander"

    def setup(self, informers: SharedInformers) -> None:
        self.claims = self.add_informer(informers.informer(PVC))
        self.volumes = self.watch(informers.informer(PV))
        self.classes = self.watch(informers.informer(STORAGE_CLASS))

    async def reconcile(self, key: str) -> Result | None:
        cached = self.claims.get(key)
        if cached is None or (cached.get("status") or {}).get("phase") != "Bound":
            return None
        wanted = requested_bytes(cached)
        if wanted <= storage_bytes((cached.get("status") or {}).get("capacity")):
            return None
        storage_class = self.classes.get(claim_class(cached))
        volume_name = str((cached.get("spec") or {}).get("volumeName") or "")
        cached_volume = self.volumes.get(volume_name)
        if storage_class is None or not storage_class.get("allowVolumeExpansion") or cached_volume is None:
            return None
        request = cached["spec"]["resources"]["requests"]["storage"]
        try:
            if capacity_bytes(cached_volume) < wanted:
                volume = copy.deepcopy(cached_volume)
                volume["spec"].setdefault("capacity", {})["storage"] = request
                await self.client.update(PV, volume)
            claim = copy.deepcopy(cached)
            claim["status"]["capacity"] = {**(claim["status"].get("capacity") or {}), "storage": request}
            await self.client.update_status(PVC, claim)
        except Conflict:
            return Result(requeue=True)
        except NotFound:
            return None
        self.emit(cached, "Normal", "VolumeResizeSuccessful", f"ExpandVolume succeeded for volume {key}")
        return None

"""The node's half of the local-path provisioner: a deleted volume's directory removed, then its finalizer.

PersistentVolume events ──► its name
reconcile(name): being deleted, carries kubemini.io/local-path-cleanup, lives on this node
    (its hostname affinity) ──► remove its directory, only when it is a direct child of this
    node's local-path dir (<root>/local-path) ──► remove the finalizer (the apiserver deletes the PV)
A volume whose path is elsewhere loses the finalizer with its data left alone.

The directory is made by the first mount (hostPath DirectoryOrCreate, mounts.py); the kubelet is
the one component sure to share the node's filesystem, so it is the one that deletes it too.
Hollow nodes publish no local-path dir, so their volumes never carry the finalizer.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import shutil

from kubemini.api.local_path import CLEANUP_FINALIZER, cleanup_path, volume_node
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers

PV = by_kind("PersistentVolume")

log = logging.getLogger(__name__)


class LocalPathCleaner(ClientController):
    name = "local-path-cleanup"

    def __init__(self, client: ApiClient, *, node_name: str, base_dir: str):
        self.node_name = node_name
        self.base_dir = base_dir
        super().__init__(client, SharedInformers(client))

    def setup(self, informers: SharedInformers) -> None:
        self.volumes = self.add_informer(informers.informer(PV))

    async def reconcile(self, key: str) -> Result | None:
        volume = self.volumes.get(key)
        if volume is None or not volume["metadata"].get("deletionTimestamp"):
            return None
        if CLEANUP_FINALIZER not in (volume["metadata"].get("finalizers") or []):
            return None
        if volume_node(volume) != self.node_name:
            return None
        path = cleanup_path(volume, self.base_dir)
        if path is not None:
            await asyncio.to_thread(shutil.rmtree, path, True)
            log.info("node %s: removed the directory %s of volume %s", self.node_name, path, key)
        updated = copy.deepcopy(volume)
        updated["metadata"]["finalizers"] = [f for f in updated["metadata"]["finalizers"] if f != CLEANUP_FINALIZER]
        try:
            await self.client.update(PV, updated)
        except Conflict:
            return Result(requeue=True)
        except NotFound:
            pass
        return None

"""VolumeManager: a pod's volumes set up (and kept up to date), and removed with the pod.

    set_up(pod): for each spec.volumes[] (in a thread: file work never blocks the event loop)
        emptyDir ──► make_empty_dir            hostPath ──► check_host_path ──► its own path
        configMap/secret/downwardAPI/projected ──► volume_files ──► write_atomically (only on change)
        persistentVolumeClaim ──► claimed_path (readOnly: mounted read-only; fsGroup on owned volumes)
        ──► PodVolumes; the first failure ──► VolumeError naming the volume (FailedMount)
        every EVICTION_CHECK_SECONDS: emptyDir usage over sizeLimit ──► PodVolumes.eviction
    tear_down(uid): unmount tmpfs volumes ──► remove <root>/pods/<uid>

A hollow node (no root directory) sets up nothing: its containers never run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Callable, Mapping
from typing import Any

from kubelet.referenced_objects import ReferencedObjects
from kubelet.volumes import PodVolumes, VolumeError
from kubelet.volumes.atomic_writing import PayloadError, write_atomically
from kubelet.volumes.empty_dirs import make_empty_dir, over_limit, unmount_all
from kubelet.volumes.host_paths import apply_fs_group, check_host_path, claimed_path
from kubelet.volumes.layout import pod_dir, volume_dir
from kubelet.volumes.projections import volume_files
from kubelet.volumes.tokens import TokenManager
from kubemini.client.api_client import ApiClient

EVICTION_CHECK_SECONDS = 5.0
API_VOLUMES = ("configMap", "secret", "downwardAPI", "projected")


def fs_group(pod: Mapping[str, Any]) -> int | None:
    value = ((pod.get("spec") or {}).get("securityContext") or {}).get("fsGroup")
    return value if isinstance(value, int) else None


class VolumeManager:
    def __init__(
        self,
        client: ApiClient,
        *,
        root_dir: str | None,
        node_allocatable: Callable[[], Mapping[str, Any]] = dict,
    ):
        self.client = client
        self.root_dir = root_dir
        self.node_allocatable = node_allocatable
        self._checked: dict[str, float] = {}
        self.tokens = TokenManager(client)

    async def set_up(self, pod: Mapping[str, Any]) -> PodVolumes:
        volumes = PodVolumes()
        if self.root_dir is None:
            return volumes
        meta = pod.get("metadata") or {}
        uid, namespace = str(meta.get("uid", "")), str(meta.get("namespace") or "default")
        objects = ReferencedObjects(self.client, namespace, self.tokens)
        gid = fs_group(pod)
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            name = str(volume.get("name", ""))
            try:
                volumes.paths[name] = await self._set_up_one(pod, volume, uid=uid, objects=objects, gid=gid)
            except (VolumeError, PayloadError, OSError) as error:
                raise VolumeError(f'MountVolume.SetUp failed for volume "{name}" : {error}') from error
            if any(volume.get(plugin) is not None for plugin in API_VOLUMES):
                volumes.read_only.add(name)
            if (volume.get("persistentVolumeClaim") or {}).get("readOnly"):
                volumes.read_only_claims.add(name)
        volumes.eviction = await self._eviction(pod, uid=uid, paths=volumes.paths)
        return volumes

    async def _set_up_one(
        self,
        pod: Mapping[str, Any],
        volume: Mapping[str, Any],
        *,
        uid: str,
        objects: ReferencedObjects,
        gid: int | None,
    ) -> str:
        assert self.root_dir is not None
        name = str(volume.get("name", ""))
        if volume.get("hostPath") is not None:
            source = volume["hostPath"]
            path = str(source.get("path") or "")
            await asyncio.to_thread(check_host_path, path, str(source.get("type") or ""))
            return path
        if volume.get("persistentVolumeClaim") is not None:
            path, owned = await claimed_path(
                self.client, str(pod["metadata"].get("namespace")), volume["persistentVolumeClaim"]
            )
            if owned and gid is not None:
                await asyncio.to_thread(apply_fs_group, path, gid)
            return path
        if volume.get("emptyDir") is not None:
            path = volume_dir(self.root_dir, uid, plugin="emptyDir", name=name)
            await asyncio.to_thread(make_empty_dir, path, volume["emptyDir"], gid=gid)
            return path
        files = await volume_files(pod, volume, objects=objects, node_allocatable=self.node_allocatable())
        if files is None:
            kind = next((key for key in volume if key != "name"), "?")
            raise VolumeError(f"volume type {kind} is not supported by kubemini")
        plugin = next(p for p in API_VOLUMES if volume.get(p) is not None)
        path = volume_dir(self.root_dir, uid, plugin=plugin, name=name)
        await asyncio.to_thread(write_atomically, path, files, gid=gid)
        return path

    async def _eviction(self, pod: Mapping[str, Any], *, uid: str, paths: Mapping[str, str]) -> str | None:
        limited = [
            (v["name"], paths[v["name"]], v["emptyDir"])
            for v in (pod.get("spec") or {}).get("volumes") or []
            if v.get("emptyDir") is not None and v["emptyDir"].get("sizeLimit") and v.get("name") in paths
        ]
        now = time.monotonic()
        if not limited or now - self._checked.get(uid, 0.0) < EVICTION_CHECK_SECONDS:
            return None
        self._checked[uid] = now
        for name, path, source in limited:
            message = await asyncio.to_thread(over_limit, name, path, source)
            if message:
                return message
        return None

    async def tear_down(self, uid: str) -> None:
        self._checked.pop(uid, None)
        self.tokens.forget(uid)
        if self.root_dir is None or not uid:
            return
        directory = pod_dir(self.root_dir, uid)
        if os.path.isdir(directory):
            await asyncio.to_thread(unmount_all, directory)
            await asyncio.to_thread(shutil.rmtree, directory, True)

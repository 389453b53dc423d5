"""Volumes backed by a path of the node: hostPath (with its `type` check) and persistentVolumeClaim.

    hostPath {path, type} ──► check_host_path: "" none · DirectoryOrCreate/FileOrCreate create it
                              · Directory/File/Socket/CharDevice/BlockDevice must be that
    persistentVolumeClaim {claimName} ──► PVC (Bound) ──► its PV ──► spec.hostPath or spec.local path
        (+ whether the pod's fsGroup owns it: `local` and local-path-provisioned volumes, not a
        hand-made hostPath, which may be any directory of the node)
    apply_fs_group(path, gid) ──► group gid, g+rw and setgid through the tree, skipped when the root
        already has both (Kubernetes' fsGroupChangePolicy OnRootMismatch)

Messages read like Kubernetes': `hostPath type check failed: /x is not a directory`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Any

from kubelet.volumes import VolumeError
from kubemini.api.local_path import provisioned_here
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import NotFound

PVC = by_kind("PersistentVolumeClaim")
PV = by_kind("PersistentVolume")
CHECKS = {
    "Directory": (stat.S_ISDIR, "a directory"),
    "File": (stat.S_ISREG, "a file"),
    "Socket": (stat.S_ISSOCK, "a socket file"),
    "CharDevice": (stat.S_ISCHR, "a character device"),
    "BlockDevice": (stat.S_ISBLK, "a block device"),
}


def check_host_path(path: str, kind: str) -> None:
    """Apply a hostPath `type`; create what the *OrCreate types ask for."""
    if not path.startswith("/"):
        raise VolumeError(f"hostPath {path!r} is not an absolute path")
    if kind == "DirectoryOrCreate":
        if not os.path.exists(path):
            os.makedirs(path, mode=0o755, exist_ok=True)
        kind = "Directory"
    elif kind == "FileOrCreate":
        if not os.path.exists(path):
            if not os.path.isdir(os.path.dirname(path)):
                raise VolumeError(f"hostPath type check failed: {os.path.dirname(path)} is not a directory")
            with open(path, "a"):
                os.chmod(path, 0o644)
        kind = "File"
    if not kind:
        return
    if kind not in CHECKS:
        raise VolumeError(f"hostPath type {kind!r} is not supported")
    test, what = CHECKS[kind]
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise VolumeError(f"hostPath type check failed: {path} is not {what}") from None
    if not test(mode):
        raise VolumeError(f"hostPath type check failed: {path} is not {what}")


def apply_fs_group(path: str, gid: int) -> None:
    root = os.stat(path)
    if root.st_gid == gid and root.st_mode & stat.S_ISGID:
        return
    for directory, _dirs, files in os.walk(path):
        for entry in [directory, *(os.path.join(directory, f) for f in files)]:
            info = os.lstat(entry)
            if stat.S_ISLNK(info.st_mode):
                continue
            os.chown(entry, -1, gid)
            extra = stat.S_IRGRP | stat.S_IWGRP | (stat.S_IXGRP | stat.S_ISGID if entry == directory else 0)
            os.chmod(entry, stat.S_IMODE(info.st_mode) | extra)


async def claimed_path(client: ApiClient, namespace: str, source: Mapping[str, Any]) -> tuple[str, bool]:
    """The node path of the PV bound to a claim, and whether the pod's fsGroup applies to it."""
    claim_name = str(source.get("claimName") or "")
    try:
        claim = await client.get(PVC, claim_name, namespace=namespace)
    except NotFound:
        raise VolumeError(f'persistentvolumeclaim "{claim_name}" not found') from None
    volume_name = (claim.get("spec") or {}).get("volumeName")
    if not volume_name or (claim.get("status") or {}).get("phase") not in (None, "Bound"):
        raise VolumeError(f'persistentvolumeclaim "{claim_name}" is not bound')
    try:
        volume = await client.get(PV, volume_name)
    except NotFound:
        raise VolumeError(f'persistentvolume "{volume_name}" not found') from None
    spec = volume.get("spec") or {}
    if spec.get("hostPath"):
        path = str(spec["hostPath"].get("path") or "")
        created = not os.path.exists(path)
        check_host_path(path, str(spec["hostPath"].get("type") or "DirectoryOrCreate"))
        if created and provisioned_here(volume):
            os.chmod(path, 0o777)  # as k3s' local-path: any user of any pod may write its volume
        return path, provisioned_here(volume)
    if spec.get("local"):
        path = str(spec["local"].get("path") or "")
        check_host_path(path, "Directory")
        return path, True
    raise VolumeError(f'persistentvolume "{volume_name}" has no hostPath or local path this node can mount')

"""A container's mounts: its volumeMounts turned into host paths, and its termination-message file.

volumeMount {name, mountPath, readOnly, subPath | subPathExpr} + PodVolumes + the container's env
    ──► Mount(source, target, read_only)
        subPathExpr: `$(VAR)` expanded from the env first
        subPath of an API volume: the file it resolves to now (so later updates do not reach it)
        subPath of any other volume: created as a directory when missing
terminationMessagePath ──► <pod dir>/containers/<name>/<restart> (the kubelet reads it after the exit)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from kubelet.runtime import Mount
from kubelet.volumes import PodVolumes, VolumeError
from kubelet.volumes.atomic_writing import PayloadError, check_path
from kubelet.volumes.layout import termination_log
from kubemini.api.env_expansion import expand

TERMINATION_LOG_MODE = 0o666


def _sub_path(volume_path: str, sub_path: str, *, api_volume: bool) -> str:
    try:
        check_path(sub_path) if api_volume else _check_relative(sub_path)
    except PayloadError as error:
        raise VolumeError(f"subPath {error}") from error
    source = os.path.join(volume_path, sub_path)
    if api_volume:
        return os.path.realpath(source)
    if not os.path.exists(source):
        os.makedirs(source, mode=0o777, exist_ok=True)
    return source


def _check_relative(path: str) -> None:
    if os.path.isabs(path) or ".." in path.split("/"):
        raise PayloadError(f"{path!r} must be a relative path without '..'")


def prepare_container_mounts(
    container: Mapping[str, Any], volumes: PodVolumes, *, env: Mapping[str, str]
) -> list[Mount]:
    mounts = []
    for mount in container.get("volumeMounts") or []:
        name = mount.get("name", "")
        if name not in volumes.paths:
            raise VolumeError(f'unable to find volume "{name}" for container {container.get("name")}')
        path = volumes.paths[name]
        sub_path = mount.get("subPath") or ""
        if mount.get("subPathExpr"):
            sub_path = expand(str(mount["subPathExpr"]), env)
        if sub_path:
            path = _sub_path(path, sub_path, api_volume=name in volumes.read_only)
        read_only = bool(mount.get("readOnly")) or name in volumes.read_only or name in volumes.read_only_claims
        mounts.append(Mount(path, str(mount.get("mountPath", "")), read_only))
    return mounts


def termination_log_mount(
    root_dir: str | None, pod: Mapping[str, Any], container: Mapping[str, Any], *, restart_count: int
) -> Mount | None:
    target = container.get("terminationMessagePath")
    if root_dir is None or not target:
        return None
    source = termination_log(
        root_dir,
        str((pod.get("metadata") or {}).get("uid", "")),
        container=container["name"],
        restart_count=restart_count,
    )
    os.makedirs(os.path.dirname(source), exist_ok=True)
    with open(source, "wb"):
        pass
    os.chmod(source, TERMINATION_LOG_MODE)
    return Mount(source, str(target), False)

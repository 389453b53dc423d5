"""emptyDir volumes: a fresh directory per pod, on disk or in memory, and their size limits.

    emptyDir {} ──► <pod dir>/volumes/kubernetes.io~empty-dir/<name>, mode 0777 (setgid + fsGroup group)
    medium: Memory ──► a tmpfs mounted there (size = sizeLimit, or half the memory as Linux does);
                       where the kubelet may not mount (no CAP_SYS_ADMIN), a plain directory, logged
    sizeLimit on disk ──► usage (bytes of its files) over the limit ──► the pod is evicted

Unmounting is part of the pod's clean-up (`unmount_all`), before its directory goes.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Mapping
from typing import Any

from kubemini.api.quantity import QuantityError, to_bytes

EMPTY_DIR_MODE = 0o777
MOUNT_TIMEOUT_SECONDS = 10

log = logging.getLogger(__name__)


def size_limit_bytes(source: Mapping[str, Any]) -> int | None:
    limit = source.get("sizeLimit")
    if limit is None:
        return None
    try:
        return to_bytes(limit)
    except QuantityError:
        return None


def _mounted(path: str) -> bool:
    return os.path.ismount(path)


def make_empty_dir(path: str, source: Mapping[str, Any], *, gid: int | None) -> None:
    if not os.path.isdir(path):
        os.makedirs(path, exist_ok=True)
        os.chmod(path, EMPTY_DIR_MODE | (0o2000 if gid is not None else 0))
        if gid is not None:
            os.chown(path, -1, gid)
    if source.get("medium") == "Memory" and not _mounted(path):
        options = ["mode=1777" if gid is None else "mode=2777"]
        limit = size_limit_bytes(source)
        if limit:
            options.append(f"size={limit}")
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", path],
            capture_output=True,
            text=True,
            timeout=MOUNT_TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            log.warning("emptyDir %s: cannot mount tmpfs (%s); using the disk", path, result.stderr.strip())
        elif gid is not None:
            os.chown(path, -1, gid)


def usage_bytes(path: str) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue  # removed while we counted
    return total


def over_limit(name: str, path: str, source: Mapping[str, Any]) -> str | None:
    """The eviction message when an on-disk emptyDir holds more than its sizeLimit."""
    limit = size_limit_bytes(source)
    if limit is None or source.get("medium") == "Memory":
        return None  # a tmpfs enforces its own size
    if usage_bytes(path) > limit:
        return f'Usage of EmptyDir volume "{name}" exceeds the limit "{source.get("sizeLimit")}".'
    return None


def unmount_all(directory: str) -> None:
    """Unmount every mount below `directory` (deepest first)."""
    try:
        with open("/proc/self/mounts") as mounts:
            points = [line.split()[1] for line in mounts]
    except OSError:
        return
    prefix = directory.rstrip("/") + "/"
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", point], capture_output=True, timeout=MOUNT_TIMEOUT_SECONDS, check=False)

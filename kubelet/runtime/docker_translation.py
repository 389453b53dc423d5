"""Translating between Docker's vocabulary and the runtime's: inspect answers, image references.

docker inspect JSON ──► ContainerRecord (state, exit code, OOM, times, sandbox IP)
image reference ──► the registry it names (None: Docker Hub) ──► is it on loopback?
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from kubelet.runtime import CREATED, EXITED, RUNNING, ContainerRecord

STATES = {"running": RUNNING, "paused": RUNNING, "restarting": RUNNING, "created": CREATED}


def registry_host(image: str) -> str | None:
    """The registry an image reference names, or None for Docker Hub (`busybox`, `library/x`)."""
    first, slash, _rest = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first.rsplit(":", 1)[0].strip("[]")
    return None


def is_loopback_registry(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def record_from_inspect(attrs: dict[str, Any]) -> ContainerRecord:
    state = attrs.get("State") or {}
    config = attrs.get("Config") or {}
    ip = None
    for network in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).values():
        if network.get("IPAddress"):
            ip = network["IPAddress"]
            break
    status = STATES.get(state.get("Status", ""), EXITED)
    return ContainerRecord(
        id=attrs["Id"],
        name=str(attrs.get("Name", "")).lstrip("/"),
        labels=dict(config.get("Labels") or {}),
        state=status,
        image=config.get("Image", ""),
        image_id=attrs.get("Image", ""),
        exit_code=state.get("ExitCode") if status != RUNNING else None,
        oom_killed=bool(state.get("OOMKilled")),
        created_at=attrs.get("Created"),
        started_at=state.get("StartedAt"),
        finished_at=state.get("FinishedAt") if status == EXITED else None,
        error=state.get("Error") or "",
        ip=ip,
        pid=int(state.get("Pid") or 0) or None if status == RUNNING else None,
    )


def explain(error: Exception) -> str:
    return str(getattr(error, "explanation", None) or error)


def filesystem_bytes(path: str) -> int:
    """Size of the filesystem holding `path` (Docker's root); the nearest existing parent when this
    process cannot see it (a kubelet in a container sees the host's engine, not its disk)."""
    while path and not os.path.exists(path):
        path = os.path.dirname(path.rstrip("/")) or "/"
    stats = os.statvfs(path or "/")
    return stats.f_blocks * stats.f_frsize

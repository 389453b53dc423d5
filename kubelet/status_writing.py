"""Writing a pod's status to the apiserver, only when it changed.

    computed status ──► equal to what we last wrote (or what the API object shows)? ──► skip
                    └─► PATCH pods/<name>/status (merge patch, metadata.uid pinned)

Pinning `metadata.uid` in the patch makes the apiserver refuse (409) a write
meant for an earlier pod of the same name; that, and a pod already gone (404),
are the normal end of a pod's life, not errors. Keys we stop reporting are
sent as null so the merge patch removes them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import Conflict, NotFound

POD = by_kind("Pod")

log = logging.getLogger(__name__)


async def write_pod_status(
    client: ApiClient,
    pod: Mapping[str, Any],
    *,
    status: dict[str, Any],
    last_written: Mapping[str, Any] | None,
) -> bool:
    """True when a write was made (or was not needed); False when the pod is gone or replaced."""
    current = last_written if last_written is not None else (pod.get("status") or {})
    if status == current:
        return True
    meta = pod.get("metadata") or {}
    body: dict[str, Any] = dict(status)
    for key in current:
        body.setdefault(key, None)
    try:
        await client.patch(
            POD,
            meta["name"],
            {"metadata": {"uid": meta.get("uid")}, "status": body},
            namespace=meta.get("namespace"),
            subresource="status",
        )
    except (NotFound, Conflict) as error:
        log.debug("status of %s/%s not written: %s", meta.get("namespace"), meta.get("name"), error)
        return False
    return True

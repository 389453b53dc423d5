"""Making a container's image available, by its `imagePullPolicy`, without ever crashing the kubelet.

    Never        present → use it        absent → ErrImageNeverPull
    IfNotPresent present → use it        absent → pull
    Always       pull; a failed pull of an image present on the node still uses that copy
                 (a Warning event says so: manifests with `:latest` keep working offline)
    pull fails ──► ErrImagePull, back-off starts (10 s doubling) ──► ImagePullBackOff until it ends

The back-off key is pod uid + image, as in Kubernetes, so one pod's failing
image does not delay another pod's.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from kubelet.container_status import Waiting
from kubelet.node_context import NodeContext
from kubelet.runtime import ContainerRuntimeError
from kubemini.api.defaults import default_pull_policy
from kubemini.client.events import NORMAL, WARNING


def _key(pod: Mapping[str, Any], image: str) -> str:
    return f"{(pod.get('metadata') or {}).get('uid')}/{image}"


async def ensure_image(ctx: NodeContext, pod: Mapping[str, Any], *, container: Mapping[str, Any]) -> Waiting | None:
    """None when the image is ready to use; else the waiting reason to report."""
    image = container["image"]
    policy = container.get("imagePullPolicy") or default_pull_policy(image)
    present = await ctx.runtime.image_present(image)
    if policy == "Never" or (policy == "IfNotPresent" and present):
        if present:
            ctx.emit(pod, NORMAL, "Pulled", f'Container image "{image}" already present on machine')
            return None
        message = f'Container image "{image}" is not present with pull policy of Never'
        ctx.emit(pod, WARNING, "ErrImageNeverPull", message)
        return Waiting("ErrImageNeverPull", message)
    key = _key(pod, image)
    if ctx.pull_backoff.remaining(key) > 0:
        message = f'Back-off pulling image "{image}"'
        ctx.emit(pod, NORMAL, "BackOff", message)
        return Waiting("ImagePullBackOff", message)
    ctx.emit(pod, NORMAL, "Pulling", f'Pulling image "{image}"')
    started = time.monotonic()
    try:
        await ctx.runtime.pull_image(image)
    except ContainerRuntimeError as error:
        if present:
            ctx.emit(
                pod, WARNING, "Failed", f'Failed to pull image "{image}": {error}; using the image present on the node'
            )
            return None
        ctx.pull_backoff.next(key)
        message = f'Failed to pull image "{image}": {error}'
        ctx.emit(pod, WARNING, "Failed", message)
        ctx.emit(pod, WARNING, "Failed", "Error: ErrImagePull")
        return Waiting("ErrImagePull", message)
    ctx.pull_backoff.forget(key)
    ctx.emit(pod, NORMAL, "Pulled", f'Successfully pulled image "{image}" in {time.monotonic() - started:.3f}s')
    return None

"""Objects every cluster starts with: the default namespaces."""

from __future__ import annotations

import asyncio
import logging

from apiserver.context import ServerContext
from apiserver.errors import ApiError
from apiserver.writing import create_object
from kubemini.api import registry

log = logging.getLogger("apiserver.bootstrap")
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
RETRY_SECONDS = 1.0


async def ensure_default_namespaces(ctx: ServerContext) -> None:
    namespaces = registry.by_kind("Namespace")
    for name in DEFAULT_NAMESPACES:
        while True:
            try:
                await create_object(ctx, namespaces, {"metadata": {"name": name}}, namespace=None)
                break
            except ApiError as exc:
                if exc.code == 409:
                    break
                # etcd not reachable yet: keep trying, the server must come up with its namespaces
                log.warning("creating namespace %s failed (%s); retrying", name, exc)
                await asyncio.sleep(RETRY_SECONDS)

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


async def _ensure(ctx: ServerContext, kind: str, obj: dict, *, namespace: str | None) -> None:
    """Create `obj` unless it exists; retry while etcd is not reachable yet."""
    while True:
        try:
            await create_object(ctx, registry.by_kind(kind), obj, namespace=namespace)
            return
        except ApiError as exc:
            if exc.code == 409:
                return
            log.warning("creating %s %s failed (%s); retrying", kind, obj["metadata"]["name"], exc)
            await asyncio.sleep(RETRY_SECONDS)


async def ensure_default_namespaces(ctx: ServerContext) -> None:
    for name in DEFAULT_NAMESPACES:
        await _ensure(ctx, "Namespace", {"metadata": {"name": name}}, namespace=None)


async def ensure_kubernetes_service(ctx: ServerContext, advertise_address: str) -> None:
    """The `kubernetes` Service on the range's first IP, with Endpoints at the apiserver's address."""
    host, _, port = advertise_address.rpartition(":")
    service = {
        "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {
            "clusterIP": ctx.service_network.first_address,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": int(port)}],
        },
    }
    endpoints = {
        "metadata": {"name": "kubernetes", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": host}], "ports": [{"name": "https", "port": int(port), "protocol": "TCP"}]}],
    }
    await _ensure(ctx, "Service", service, namespace="default")
    await _ensure(ctx, "Endpoints", endpoints, namespace="default")

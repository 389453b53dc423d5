"""Registering this node and keeping it alive: the Node object and its Lease.

    register: POST Node (status included) ──► 409 AlreadyExists ──► PATCH labels + status
    every NODE_STATUS_PERIOD_SECONDS: runtime reachable? resources ──► PATCH nodes/<n>/status
        404 (someone deleted the Node) ──► register again
    every LEASE_RENEW_PERIOD_SECONDS: PATCH kube-node-lease/<n> spec.renewTime (404 ──► create it)

The runtime being down makes the node NotReady (it keeps heartbeating: the
kubelet is alive, its runtime is not); the apiserver being down only delays
the next beat. Neither loop ever exits on an error.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from kubelet.node_context import NodeContext
from kubelet.node_status import node_annotations, node_labels, node_object, node_status
from kubelet.runtime import NodeResources
from kubemini.api import timestamps
from kubemini.api.registry import by_kind
from kubemini.client.errors import AlreadyExists, ApiError, NotFound

NODE = by_kind("Node")
LEASE = by_kind("Lease")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
LEASE_RENEW_PERIOD_SECONDS = 10.0
NODE_STATUS_PERIOD_SECONDS = 10.0
RETRY_SECONDS = 1.0
JITTER_FRACTION = 0.1  # spreads the beats of many hollow nodes started together

log = logging.getLogger(__name__)


class NodeHeartbeat:
    def __init__(
        self,
        ctx: NodeContext,
        *,
        status_period_seconds: float = NODE_STATUS_PERIOD_SECONDS,
        lease_period_seconds: float = LEASE_RENEW_PERIOD_SECONDS,
    ):
        self.ctx = ctx
        self.status_period_seconds = status_period_seconds
        self.lease_period_seconds = lease_period_seconds
        self.node_uid: str | None = None
        self.ready = False
        self._resources: NodeResources | None = None
        self._conditions: list[dict[str, Any]] | None = None
        self.registered = asyncio.Event()

    @property
    def name(self) -> str:
        return self.ctx.node_name

    async def _status(self) -> dict[str, Any]:
        message = ""
        try:
            self._resources = await self.ctx.runtime.node_resources()
            self.ready = True
        except Exception as error:  # noqa: BLE001 - any runtime failure means NotReady, never a crash
            self.ready = False
            message = f"container runtime is down: {error}"
        if self.ready and self.ctx.network_waiting:
            self.ready, message = False, self.ctx.network_waiting
        resources = self._resources or NodeResources(0, 0, "unknown")
        status = node_status(
            self.name,
            resources=resources,
            settings=self.ctx.settings,
            ready=self.ready,
            not_ready_message=message,
            previous_conditions=self._conditions,
        )
        self._conditions = status["conditions"]
        self.ctx.allocatable = dict(status["allocatable"])
        return status

    async def register(self) -> None:
        """Create the Node, or adopt an existing one (keeping its spec: taints, podCIDR)."""
        status = await self._status()
        try:
            created = await self.ctx.client.create(
                NODE, node_object(self.name, settings=self.ctx.settings, status=status)
            )
            log.info("registered node %s", self.name)
        except AlreadyExists:
            await self.ctx.client.patch(
                NODE,
                self.name,
                {
                    "metadata": {
                        "labels": node_labels(self.name, self.ctx.settings),
                        "annotations": node_annotations(self.ctx.settings),
                    }
                },
            )
            created = await self.ctx.client.patch(NODE, self.name, {"status": status}, subresource="status")
        self.node_uid = (created.get("metadata") or {}).get("uid")
        self.registered.set()

    async def post_status(self) -> None:
        status = await self._status()
        try:
            await self.ctx.client.patch(NODE, self.name, {"status": status}, subresource="status")
        except NotFound:
            log.warning("node %s was deleted; registering it again", self.name)
            await self.register()

    async def renew_lease(self) -> None:
        spec = {
            "holderIdentity": self.name,
            "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": timestamps.now_micro(),
        }
        try:
            await self.ctx.client.patch(LEASE, self.name, {"spec": spec}, namespace=LEASE_NAMESPACE)
            return
        except NotFound:
            pass
        meta: dict[str, Any] = {"name": self.name, "namespace": LEASE_NAMESPACE}
        if self.node_uid:
            # Owned by the Node, so deleting the Node lets the garbage collector remove its Lease.
            meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": self.name, "uid": self.node_uid}]
        lease = {"apiVersion": LEASE.api_version, "kind": "Lease", "metadata": meta, "spec": spec}
        try:
            await self.ctx.client.create(LEASE, lease, namespace=LEASE_NAMESPACE)
        except AlreadyExists:
            pass  # raced with ourselves after a restart: the next renewal patches it

    async def run(self) -> None:
        while not self.registered.is_set():
            try:
                await self.register()
            except (ApiError, OSError) as error:
                log.warning("registering node %s failed: %s; retrying", self.name, error)
                await asyncio.sleep(RETRY_SECONDS)
        await asyncio.gather(
            self._every(self.lease_period_seconds, action=self.renew_lease, what="lease"),
            self._every(self.status_period_seconds, action=self.post_status, what="status"),
        )

    async def _every(self, period_seconds: float, *, action: Callable[[], Awaitable[None]], what: str) -> None:
        while True:
            try:
                await action()
            except (ApiError, OSError) as error:
                log.warning("node %s: %s update failed: %s", self.name, what, error)
            await asyncio.sleep(period_seconds * random.uniform(1 - JITTER_FRACTION, 1 + JITTER_FRACTION))

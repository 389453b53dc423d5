"""Where a kubelet process learns about its pods: one informer, dispatched to node agents.

    one node:    list+watch pods ?fieldSelector=spec.nodeName=<node>
    hollow mode: list+watch pods ?fieldSelector=spec.nodeName!=   (every bound pod, one stream)
        ──► spec.nodeName names one of our agents? ──► agent.pod_changed / pod_deleted

One stream for N hollow nodes keeps a 100-node process to one watch
connection instead of a hundred. Once the first list is in, every agent is
told (`pods_listed`), which is what allows orphan cleanup to start safely.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from kubelet.node_agent import NodeAgent
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.informer import Informer

POD = by_kind("Pod")


def _node(pod: Mapping[str, Any]) -> str:
    return (pod.get("spec") or {}).get("nodeName") or ""


def _actionable(pod: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the kubelet acts on: the spec and the deletion marks (not status, not labels)."""
    meta = pod.get("metadata") or {}
    return (pod.get("spec"), meta.get("uid"), meta.get("deletionTimestamp"), meta.get("deletionGracePeriodSeconds"))


class PodSource:
    def __init__(self, client: ApiClient, agents: Mapping[str, NodeAgent]):
        self.agents = dict(agents)
        if len(self.agents) == 1:
            selector = f"spec.nodeName={next(iter(self.agents))}"
        else:
            selector = "spec.nodeName!="
        self.informer = Informer(client, POD, field_selector=selector)
        self.informer.add_event_handler(on_add=self._changed, on_update=self._updated, on_delete=self._deleted)
        self._task: asyncio.Task[None] | None = None

    def _changed(self, pod: dict[str, Any], *, wake: bool = True) -> None:
        agent = self.agents.get(_node(pod))
        if agent is not None:
            agent.pod_changed(pod, wake=wake)

    def _updated(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        # Most updates are our own status writes coming back: nothing to act on, so no sync.
        self._changed(new, wake=_actionable(old) != _actionable(new))

    def _deleted(self, pod: dict[str, Any]) -> None:
        agent = self.agents.get(_node(pod))
        if agent is not None:
            agent.pod_deleted(pod)

    async def start(self) -> None:
        self.informer.start()
        await self.informer.wait_for_sync()
        for agent in self.agents.values():
            agent.pods_listed.set()

    async def stop(self) -> None:
        await self.informer.stop()

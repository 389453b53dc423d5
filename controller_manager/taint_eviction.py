"""Taint-based eviction: pods leave a node with NoExecute taints once their tolerations run out.

    Node events (its NoExecute taints changed) ──► keys of every pod bound to that node
    Pod events (bound, not terminating) ──► the pod's key
    sync(pod):
        a NoExecute taint the pod does not tolerate ──► delete it now
        all tolerated ──► wait the smallest tolerationSeconds among the tolerations used (none given =
            stay forever), counted from the newest taint's timeAdded; delete then, look again until then
        --pod-eviction-timeout, when set, caps that wait for every pod

Admission gives every pod `not-ready` and `unreachable` tolerations of 300 s, so a
lost node's pods are deleted five minutes after the node lifecycle controller
taints it; their owners then create replacements on the nodes that are left.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.ownership import meta, uid_of
from kubemini.api import timestamps
from kubemini.api.pods import is_terminating, phase
from kubemini.api.registry import by_kind
from kubemini.api.tolerations import tolerates
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import NotFound
from kubemini.client.events import NORMAL
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import INDEX_NODE_NAME, object_key

NODE = by_kind("Node")
POD = by_kind("Pod")

Obj = dict[str, Any]


def no_execute_taints(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [t for t in (node.get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]


def toleration_seconds(pod: Mapping[str, Any], taints: list[Mapping[str, Any]]) -> float | None:
    """Seconds the pod may stay: 0 when a taint is not tolerated, None when it may stay forever."""
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    used: list[Mapping[str, Any]] = []
    for taint in taints:
        matching = [t for t in tolerations if tolerates(t, taint)]
        if not matching:
            return 0.0
        used.extend(matching)
    limits = [float(t["tolerationSeconds"]) for t in used if t.get("tolerationSeconds") is not None]
    if not limits:
        return None
    return max(min(limits), 0.0)


class TaintEvictionController(ClientController):
    name = "tainteviction"
    default_workers = 5

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        max_eviction_seconds: float | None = None,
        **common: Any,
    ):
        self.max_eviction_seconds = max_eviction_seconds
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.nodes = self.watch(informers.informer(NODE), on_add=self._node_changed, on_update=self._node_updated)
        self.pods = self.add_informer(informers.informer(POD), key_for=self._pod_key)
        # Taints written without timeAdded count from when we first saw them.
        self._first_seen: dict[tuple[str, str, str], float] = {}

    def _pod_key(self, pod: Mapping[str, Any]) -> str | None:
        if not (pod.get("spec") or {}).get("nodeName") or is_terminating(pod):
            return None
        return object_key(pod)

    def _node_changed(self, node: Obj) -> None:
        if no_execute_taints(node):
            for pod in self.pods.by_index(INDEX_NODE_NAME, meta(node)["name"]):
                self.enqueue(object_key(pod))

    def _node_updated(self, old: Obj, new: Obj) -> None:
        if no_execute_taints(old) != no_execute_taints(new):
            self._node_changed(new)

    def _tainted_at(self, node_name: str, taints: list[Mapping[str, Any]]) -> float:
        """Wall-clock seconds of the newest taint (the eviction clock restarts when taints change)."""
        newest = 0.0
        for taint in taints:
            if taint.get("timeAdded"):
                added = timestamps.parse(taint["timeAdded"]).timestamp()
            else:
                key = (node_name, str(taint.get("key")), str(taint.get("effect")))
                added = self._first_seen.setdefault(key, time.time())
            newest = max(newest, added)
        return newest

    async def reconcile(self, key: str) -> Result | None:
        pod = self.pods.get(key)
        if pod is None or is_terminating(pod) or phase(pod) in ("Succeeded", "Failed"):
            return None
        node_name = (pod.get("spec") or {}).get("nodeName")
        node = self.nodes.get(node_name) if node_name else None
        if node is None:
            return None
        taints = no_execute_taints(node)
        if not taints:
            return None
        allowed = toleration_seconds(pod, taints)
        if allowed is None and self.max_eviction_seconds is None:
            return None
        if self.max_eviction_seconds is not None:
            allowed = min(allowed if allowed is not None else float("inf"), self.max_eviction_seconds)
        due = self._tainted_at(node_name, taints) + (allowed or 0.0)
        wait = due - datetime.now(UTC).timestamp()
        if wait > 0:
            return Result(requeue_after=wait)
        self.emit(pod, NORMAL, "TaintManagerEviction", f"Marking for deletion Pod {key}")
        try:
            await self.client.delete(
                POD, meta(pod)["name"], namespace=meta(pod).get("namespace"), preconditions={"uid": uid_of(pod)}
            )
        except NotFound:
            pass
        return None

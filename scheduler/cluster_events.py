"""Informer events → the cache and the queue. Handlers only record and enqueue.

Pod added / changed:
    bound ──► cache.add_bound_pod (confirms an assumption); leaves the queue;
              turning terminal frees resources ──► queue.move_all_to_active
    pending and ours ──► queue.add, or queue.update when its spec / labels changed
    anything else (being deleted, another scheduler's) ──► leaves the queue
Pod deleted ──► leaves the queue; if it held resources ──► queue.move_all_to_active
Node added ──► cache.set_node ──► queue.move_all_to_active
Node changed ──► cache.set_node; only if labels, taints, readiness, cordon or
                 allocatable changed (not a heartbeat) ──► queue.move_all_to_active
Node deleted ──► cache.remove_node
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemini.client.informer import Informer
from kubemini.client.store import object_key
from scheduler.cache import SchedulerCache
from scheduler.node_info import scheduling_signature
from scheduler.pod_info import DEFAULT_SCHEDULER_NAME, is_responsible_for, pod_priority
from scheduler.resources import is_terminal
from scheduler.scheduling_queue import SchedulingQueue

Obj = dict[str, Any]


def is_bound(pod: Mapping[str, Any]) -> bool:
    return bool((pod.get("spec") or {}).get("nodeName"))


def scheduling_inputs_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """A change that could alter the decision; status writes (our own included) are not one."""
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    return (
        old.get("spec") != new.get("spec")
        or old_meta.get("labels") != new_meta.get("labels")
        or old_meta.get("annotations") != new_meta.get("annotations")
    )


class ClusterEvents:
    def __init__(self, *, cache: SchedulerCache, queue: SchedulingQueue, scheduler_name: str = DEFAULT_SCHEDULER_NAME):
        self.cache = cache
        self.queue = queue
        self.scheduler_name = scheduler_name
        self.moves = 0

    def register(self, *, pods: Informer, nodes: Informer) -> None:
        pods.add_event_handler(on_add=self.on_pod_add, on_update=self.on_pod_update, on_delete=self.on_pod_delete)
        nodes.add_event_handler(on_add=self.on_node_add, on_update=self.on_node_update, on_delete=self.on_node_delete)

    def _move_all(self) -> None:
        self.moves += 1
        self.queue.move_all_to_active()

    def _enqueue(self, pod: Obj, *, changed: bool) -> None:
        key = object_key(pod)
        priority = pod_priority(pod)
        created = str((pod.get("metadata") or {}).get("creationTimestamp") or "")
        if changed:
            self.queue.update(key, priority=priority, created=created)
        else:
            self.queue.add(key, priority=priority, created=created)

    # -- pods ------------------------------------------------------------------------------------

    def on_pod_add(self, pod: Obj) -> None:
        if is_bound(pod):
            self.cache.add_bound_pod(pod)
        elif is_responsible_for(pod, scheduler_name=self.scheduler_name):
            self._enqueue(pod, changed=False)

    def on_pod_update(self, old: Obj, new: Obj) -> None:
        key = object_key(new)
        if is_bound(new):
            self.queue.delete(key)
            self.cache.add_bound_pod(new)
            if is_terminal(new) and not is_terminal(old):
                self._move_all()
        elif is_responsible_for(new, scheduler_name=self.scheduler_name):
            self._enqueue(new, changed=scheduling_inputs_changed(old, new))
        else:
            self.queue.delete(key)

    def on_pod_delete(self, pod: Obj) -> None:
        key = object_key(pod)
        self.queue.delete(key)
        if self.cache.remove_pod(key):
            self._move_all()

    # -- nodes -----------------------------------------------------------------------------------

    def on_node_add(self, node: Obj) -> None:
        self.cache.set_node(node)
        self._move_all()

    def on_node_update(self, old: Obj, new: Obj) -> None:
        self.cache.set_node(new)
        if scheduling_signature(old) != scheduling_signature(new):
            self._move_all()

    def on_node_delete(self, node: Obj) -> None:
        self.cache.remove_node(str((node.get("metadata") or {}).get("name")))

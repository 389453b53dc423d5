"""The watch cache's watchers, indexed by the one field value each watch requires.

    register(watch with fieldSelector=spec.nodeName=n1)  ──► index["spec.nodeName"]["n1"]
    register(watch of /namespaces/ns/...)                 ──► index["metadata.namespace"]["ns"]
    register(watch of everything)                         ──► plain
    event (obj, prev) ──► candidates: plain + the watchers indexed under obj's or prev's value
                          of each indexed field ──► each candidate's own filter decides

A kubelet watches the pods of its node, a client one object by name: without the index, one
event would run the filter of every such watch (a thousand kubelets, a thousand filters per pod
change), as the kube-apiserver's watch cache avoids with its indexed triggers. The index only
narrows the candidates; the full filter still decides, so it never changes what a watch sees.
Watches with equal filters (the same `filter_key`: a crowd of informers asking the same question)
share one verdict per event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field

WATCHER_QUEUE_EVENTS = 2048
NAMESPACE_FIELD = "metadata.namespace"

Filter = Callable[[dict], bool]
# (field path, value): every object a watch can see has this value there, e.g. ("spec.nodeName", "n1").
IndexKey = tuple[str, str]


@dataclass(eq=False)
class Watcher:
    """One HTTP watch: a filter, a bounded queue, and a flag for being cut off."""

    matches: Filter
    bookmarks: bool
    queue_events: int = WATCHER_QUEUE_EVENTS
    index: IndexKey | None = None
    # Watchers with the same filter_key have equal filters: one event's verdict is shared by them.
    filter_key: Hashable | None = None
    queue: asyncio.Queue = field(init=False)
    closed: bool = False
    # The revision of the last event or bookmark offered; None until the first.
    last_revision: int | None = None
    # Set by the HTTP layer: writes an event straight to the connection and returns True, or
    # returns False and the event is queued (only called while the queue is empty).
    deliver: Callable[[str, object], bool] | None = None

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_events)

    def offer(self, item: tuple[str, object]) -> bool:
        try:
            self.queue.put_nowait(item)
            return True
        except asyncio.QueueFull:
            return False

    def close(self) -> None:
        self.closed = True
        # Wake the reader; if the queue is full the reader sees `closed` after draining.
        try:
            self.queue.put_nowait(("CLOSE", None))
        except asyncio.QueueFull:
            pass


class WatcherSet:
    """Every registered watcher, and which ones an event can concern."""

    def __init__(self) -> None:
        self._all: set[Watcher] = set()
        self._plain: set[Watcher] = set()
        self._index: dict[str, dict[str, set[Watcher]]] = {}

    def add(self, watcher: Watcher) -> None:
        self._all.add(watcher)
        if watcher.index is None:
            self._plain.add(watcher)
            return
        path, value = watcher.index
        self._index.setdefault(path, {}).setdefault(value, set()).add(watcher)

    def update(self, watchers) -> None:
        for watcher in watchers:
            self.add(watcher)

    def discard(self, watcher: Watcher) -> None:
        if watcher not in self._all:
            return
        self._all.discard(watcher)
        if watcher.index is None:
            self._plain.discard(watcher)
            return
        path, value = watcher.index
        by_value = self._index[path]
        by_value[value].discard(watcher)
        if not by_value[value]:
            del by_value[value]
            if not by_value:
                del self._index[path]

    def clear(self) -> None:
        self._all.clear()
        self._plain.clear()
        self._index.clear()

    def __iter__(self) -> Iterator[Watcher]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, watcher: object) -> bool:
        return watcher in self._all

    def candidates(self, obj: dict, prev: dict | None, field_values: Callable[[dict], dict]) -> list[Watcher]:
        """The watchers whose filters may pass `obj` or `prev` (the object before this change)."""
        found = list(self._plain)
        if not self._index:
            return found
        new_values = field_values(obj)
        old_values = field_values(prev) if prev is not None else None
        for path, by_value in self._index.items():
            new = new_values.get(path, "")
            if group := by_value.get(new):
                found.extend(group)
            if old_values is not None and (old := old_values.get(path, "")) != new and (group := by_value.get(old)):
                found.extend(group)
        return found


def index_key(namespace: str, required_fields: list[IndexKey]) -> IndexKey | None:
    """The index entry of a watch: the first field value its selector requires, else its namespace."""
    if required_fields:
        return required_fields[0]
    return (NAMESPACE_FIELD, namespace) if namespace else None

"""Delivering informer changes to registered handlers.

The informer calls `added` / `updated` / `deleted` once per change it applies
to its store; each handler's callable runs in registration order, awaited if
it is a coroutine function. A handler that raises is logged and skipped: one
broken consumer must never stop the informer or starve the other handlers.
A handler registered late starts "not ready" and only receives events after
the informer has replayed the store to it as adds.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubemini.client.log_once import LogOnce

log = logging.getLogger(__name__)

Obj = dict[str, Any]


@dataclass(eq=False)
class EventHandler:
    on_add: Callable[[Obj], Any] | None = None
    on_update: Callable[[Obj, Obj], Any] | None = None
    on_delete: Callable[[Obj], Any] | None = None
    ready: bool = True


_failures = LogOnce(log)


async def call_handler(function: Callable[..., Any], *args: Obj, kind: str) -> None:
    try:
        result = function(*args)
        if result is not None and inspect.isawaitable(result):
            await result
    except Exception:
        # Usually an object the handler cannot interpret: said once per version, then only at debug.
        metadata = args[-1].get("metadata")
        meta = metadata if isinstance(metadata, dict) else {}
        name = f"{kind} {meta.get('namespace') or ''}/{meta.get('name')}"
        handler = getattr(function, "__qualname__", function)
        key = f"{handler}:{name}"
        _failures.failure("event handler %s failed", key, str(meta.get("resourceVersion")), handler, object=name)


class HandlerSet:
    def __init__(self, kind: str):
        self.kind = kind
        self.handlers: list[EventHandler] = []

    def add(self, handler: EventHandler) -> EventHandler:
        self.handlers.append(handler)
        return handler

    def remove(self, handler: EventHandler) -> None:
        self.handlers.remove(handler)

    async def added(self, obj: Obj) -> None:
        for handler in list(self.handlers):
            if handler.ready and handler.on_add is not None:
                await call_handler(handler.on_add, obj, kind=self.kind)

    async def updated(self, old: Obj, new: Obj) -> None:
        for handler in list(self.handlers):
            if handler.ready and handler.on_update is not None:
                await call_handler(handler.on_update, old, new, kind=self.kind)

    async def deleted(self, obj: Obj) -> None:
        for handler in list(self.handlers):
            if handler.ready and handler.on_delete is not None:
                await call_handler(handler.on_delete, obj, kind=self.kind)

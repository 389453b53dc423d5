"""What every controller of this process adds to the shared `Controller` loop.

    informer events ──► handlers (enqueue keys; expectations bookkeeping at most)
    WorkQueue ──► Controller.process ──► reconcile(key) = metrics around sync(key) ──► outcome

Subclasses implement `sync(key)`: read from the stores, act, return `Result | None`.
The outcome → queue logic stays in `kubemini.client.controller` (the one place).
`emit` records Events in the background: an Event write must never slow a reconcile.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from controller_manager.metrics import ControllerMetrics
from kubemini.client.controller import Controller, Result, TerminalError
from kubemini.client.events import EventRecorder
from kubemini.client.informer import Informer

Obj = dict[str, Any]


class ManagedController(Controller):
    def __init__(
        self,
        *,
        recorder: EventRecorder | None = None,
        metrics: ControllerMetrics | None = None,
        workers: int = 1,
        name: str | None = None,
    ):
        super().__init__(workers=workers, name=name)
        self.recorder = recorder
        self.metrics = metrics or ControllerMetrics()
        self.metrics.track(self)
        self._event_tasks: set[asyncio.Task[None]] = set()

    # -- wiring ---------------------------------------------------------------------------------

    def watch(
        self,
        informer: Informer,
        *,
        on_add: Callable[[Obj], Any] | None = None,
        on_update: Callable[[Obj, Obj], Any] | None = None,
        on_delete: Callable[[Obj], Any] | None = None,
    ) -> Informer:
        """Register handlers of our own (for expectations or fan-out) and wait for the informer's sync."""
        informer.add_event_handler(on_add=on_add, on_update=on_update, on_delete=on_delete)
        if informer not in self.informers:
            self.informers.append(informer)
        return informer

    # -- the loop -------------------------------------------------------------------------------

    async def sync(self, key: str) -> Result | None:
        raise NotImplementedError

    async def reconcile(self, key: str) -> Result | None:
        started = time.monotonic()
        outcome = "error"
        try:
            result = await self.sync(key)
            outcome = "success"
            if result is not None and result.requeue:
                outcome = "requeue"
            elif result is not None and result.requeue_after is not None:
                outcome = "requeue_after"
            return result
        except TerminalError:
            outcome = "terminal"
            self.metrics.errors.labels(self.name).inc()
            raise
        except Exception:
            self.metrics.errors.labels(self.name).inc()
            raise
        finally:
            self.metrics.reconciles.labels(self.name, outcome).inc()
            self.metrics.duration.labels(self.name).observe(time.monotonic() - started)

    # -- events ---------------------------------------------------------------------------------

    def emit(self, obj: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        if self.recorder is None:
            return
        task = asyncio.create_task(self.recorder.record(obj, type_, reason, message))
        self._event_tasks.add(task)
        task.add_done_callback(self._event_tasks.discard)

    async def flush_events(self) -> None:
        if self._event_tasks:
            await asyncio.gather(*list(self._event_tasks), return_exceptions=True)

"""A controller running in this test process (its own thread and event loop) against the real apiserver.

    InProcessController(url, build, namespace=ns).start() ──► build(client, informers of ns only)
        ──► controller.run() until stop()
    MovableClock ──► the controller's `now`; tests `advance()` it and `enqueue()` the key to look again

For controllers whose decisions follow the wall clock (CronJob): minutes pass in microseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from kubemini.client.api_client import ApiClient
from kubemini.client.controller import Controller
from kubemini.client.events import EventRecorder
from kubemini.client.shared_informers import SharedInformers
from tests.integration.controller_manager.background import BackgroundLoop


class MovableClock:
    def __init__(self, start: datetime):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment


Build = Callable[[ApiClient, SharedInformers, EventRecorder, "CountingMetrics"], Controller]


class CountingMetrics:
    """How many reconciles ran: a test waits for one more after moving the clock."""

    def __init__(self) -> None:
        self.reconciles = 0

    def track(self, controller: Controller) -> None:
        return None

    def observe(self, controller: str, outcome: str, seconds: float) -> None:
        self.reconciles += 1


class NamespacedInformers(SharedInformers):
    """Informers of one namespace only: a controller of one test never sees another test's objects."""

    def __init__(self, client: ApiClient, namespace: str):
        super().__init__(client)
        self.namespace = namespace

    def informer(self, rt, *, namespace=None, label_selector=None, field_selector=None):  # type: ignore[override]
        return super().informer(
            rt, namespace=self.namespace, label_selector=label_selector, field_selector=field_selector
        )


class InProcessController(BackgroundLoop):
    thread_name = "in-process-controller"

    def __init__(self, server: str, build: Build, *, namespace: str):
        super().__init__()
        self.server = server
        self.build = build
        self.namespace = namespace
        self.controller: Controller | None = None
        self.metrics = CountingMetrics()

    def enqueue(self, key: str) -> None:
        assert self.controller is not None
        self.call(self.controller.enqueue, key)

    async def main(self) -> None:
        assert self.stopping is not None
        async with ApiClient(self.server) as client:
            informers = NamespacedInformers(client, self.namespace)
            recorder = EventRecorder(client, component="cronjob-controller")
            self.controller = self.build(client, informers, recorder, self.metrics)
            informers.start()
            task = asyncio.create_task(self.controller.run())
            while not self.controller.has_synced():
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
            self.ready()
            await self.stopping.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await informers.stop()

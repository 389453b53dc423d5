"""The shared shape of every control loop: the one place a reconcile's outcome becomes queue calls and metrics.

    informers ──handlers──► keys (`namespace/name`, a child mapped to its owner)
                                 │
                                 ▼
                             WorkQueue ──► N workers ──► reconcile(key) ──► outcome ──► queue calls
                                 ▲                                             │      └► metrics.observe
                                 └──────────── requeue / backoff / forget ◄────┘

Subclasses register informers with `add_informer` (handlers only enqueue
keys) or `watch` (their own handlers, e.g. expectations bookkeeping) and
implement `reconcile(key)`, which reads current state from the stores and is
idempotent. How each outcome becomes queue calls lives here only:
- returns None or `Result()`           → SUCCESS: forget (reset backoff)
- returns `Result(requeue_after=s)`    → REQUEUE_AFTER: forget, look again in s seconds
- returns `Result(requeue=True)`       → REQUEUE: retry with per-key backoff
- raises `TerminalError`               → TERMINAL: log, forget, no retry
- raises anything else                 → ERROR: log, retry with per-key backoff
The same outcome, with the reconcile's duration, goes to `metrics.observe`
(the controller-manager's Prometheus counters), so no controller derives it twice.
No reconcile runs before every informer has synced. `emit` records Events in
the background: an Event write must never slow a reconcile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError
from kubemini.client.events import EventRecorder
from kubemini.client.informer import Informer
from kubemini.client.log_once import UNINTERPRETABLE, LogOnce
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key
from kubemini.client.workqueue import WorkQueue

log = logging.getLogger(__name__)

KeyMapper = Callable[[Mapping[str, Any]], Iterable[str] | str | None]
Obj = dict[str, Any]

SUCCESS, REQUEUE, REQUEUE_AFTER, ERROR, TERMINAL = "success", "requeue", "requeue_after", "error", "terminal"
OUTCOMES = (SUCCESS, REQUEUE, REQUEUE_AFTER, ERROR, TERMINAL)


@dataclass(frozen=True)
class Result:
    requeue_after: float | None = None
    requeue: bool = False


class TerminalError(Exception):
    """Reconcile cannot succeed by retrying (invalid spec); log it and wait for a change."""


class ReconcileMetrics(Protocol):
    """What the base reports to: `track` once per controller, `observe` once per reconcile."""

    def track(self, controller: Controller) -> None: ...

    def observe(self, controller: str, outcome: str, seconds: float) -> None: ...


def outcome_of(result: Result | None, error: BaseException | None) -> str:
    if isinstance(error, TerminalError):
        return TERMINAL
    if error is not None:
        return ERROR
    if result is not None and result.requeue:
        return REQUEUE
    if result is not None and result.requeue_after is not None:
        return REQUEUE_AFTER
    return SUCCESS


def controller_owner_key(obj: Mapping[str, Any], *, owner_kind: str | None = None) -> str | None:
    """Key of the object's controlling owner (`controller: true`), optionally of one kind."""
    meta = obj.get("metadata") or {}
    for owner in meta.get("ownerReferences") or []:
        if owner.get("controller") and (owner_kind is None or owner.get("kind") == owner_kind):
            namespace = meta.get("namespace")
            return f"{namespace}/{owner['name']}" if namespace else owner["name"]
    return None


def _as_keys(mapped: Iterable[str] | str | None) -> list[str]:
    if mapped is None:
        return []
    if isinstance(mapped, str):
        return [mapped]
    return [key for key in mapped if key]


class Controller:
    name = "controller"

    def __init__(
        self,
        *,
        workers: int = 1,
        queue: WorkQueue | None = None,
        name: str | None = None,
        metrics: ReconcileMetrics | None = None,
        recorder: EventRecorder | None = None,
    ):
        self.name = name or self.name
        self.workers = workers
        self.queue = queue or WorkQueue(name=self.name)
        self.metrics = metrics
        self.recorder = recorder
        self.informers: list[Informer] = []
        self._started_informers: list[Informer] = []
        self._synced = asyncio.Event()
        self._event_tasks: set[asyncio.Task[None]] = set()
        self._failures = LogOnce(log)
        if metrics is not None:
            metrics.track(self)

    # -- wiring ---------------------------------------------------------------------------------

    def add_informer(self, informer: Informer, *, key_for: KeyMapper | None = None) -> Informer:
        """Watch `informer`; every change enqueues the keys `key_for(obj)` names (default: the
        object's own key). On update both old and new are mapped, so a changed owner reference
        wakes the old owner as well as the new one."""
        mapper = key_for or object_key

        def enqueue_mapped(obj: Mapping[str, Any]) -> None:
            for key in _as_keys(mapper(obj)):
                self.queue.add(key)

        def enqueue_both(old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
            keys = set(_as_keys(mapper(old))) | set(_as_keys(mapper(new)))
            for key in sorted(keys):
                self.queue.add(key)

        informer.add_event_handler(on_add=enqueue_mapped, on_update=enqueue_both, on_delete=enqueue_mapped)
        return self._use(informer)

    def watch(
        self,
        informer: Informer,
        *,
        on_add: Callable[[Obj], Any] | None = None,
        on_update: Callable[[Obj, Obj], Any] | None = None,
        on_delete: Callable[[Obj], Any] | None = None,
    ) -> Informer:
        """Register handlers of our own (expectations, fan-out) and wait for the informer's sync.
        Handlers still only enqueue keys: the reconcile reads the stores."""
        informer.add_event_handler(on_add=on_add, on_update=on_update, on_delete=on_delete)
        return self._use(informer)

    def _use(self, informer: Informer) -> Informer:
        if informer not in self.informers:
            self.informers.append(informer)
        return informer

    def enqueue(self, key: str) -> None:
        self.queue.add(key)

    def enqueue_object(self, obj: Mapping[str, Any]) -> None:
        self.queue.add(object_key(obj))

    def enqueue_owner(self, obj: Mapping[str, Any], *, owner_kind: str | None = None) -> None:
        key = controller_owner_key(obj, owner_kind=owner_kind)
        if key is not None:
            self.queue.add(key)

    def enqueue_after(self, key: str, seconds: float) -> None:
        self.queue.add_after(key, seconds)

    # -- the loop -------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        raise NotImplementedError

    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def run(self) -> None:
        """Start informers not yet running, wait for all to sync, then run the workers until
        `stop()` (graceful: workers finish their key) or cancellation (immediate)."""
        for informer in self.informers:
            if not informer.running:
                informer.start()
                self._started_informers.append(informer)
        try:
            await asyncio.gather(*(informer.wait_for_sync() for informer in self.informers))
            self._synced.set()
            log.info("%s: caches synced, starting %d workers", self.name, self.workers)
            await asyncio.gather(*(self._work() for _ in range(self.workers)))
        finally:
            self.queue.shutdown()
            for informer in self._started_informers:
                await informer.stop()
            self._started_informers.clear()

    def stop(self) -> None:
        self.queue.shutdown()

    async def _work(self) -> None:
        while (key := await self.queue.get()) is not None:
            try:
                await self.process(key)
            finally:
                self.queue.done(key)

    async def process(self, key: str) -> str:
        """Reconcile one key; its outcome becomes queue calls and metrics (the only place that does)."""
        started = time.monotonic()
        result: Result | None = None
        error: BaseException | None = None
        try:
            result = await self.reconcile(key)
        except asyncio.CancelledError:
            raise
        except Exception as raised:  # noqa: BLE001 - every failure is an outcome, handled below
            error = raised
            self._log_failure(key, raised)  # here, while its traceback is at hand
        outcome = outcome_of(result, error)
        if outcome in (ERROR, REQUEUE):
            self.queue.add_rate_limited(key)
        elif outcome == REQUEUE_AFTER:
            assert result is not None and result.requeue_after is not None
            self.queue.forget(key)
            self.queue.add_after(key, result.requeue_after)
        else:  # SUCCESS, TERMINAL
            self.queue.forget(key)
        if self.metrics is not None:
            self.metrics.observe(self.name, outcome, time.monotonic() - started)
        return outcome

    def _log_failure(self, key: str, error: Exception) -> None:
        if isinstance(error, TerminalError):
            log.error("%s: %s failed permanently: %s", self.name, key, error, extra=self._extra(key))
        elif isinstance(error, UNINTERPRETABLE):
            # Most likely an object this controller cannot read (malformed in storage): said once,
            # then retried quietly with the growing backoff, so it never floods the log or the queue.
            self._failures.failure(
                "%s: cannot reconcile %s: %s", key, repr(error), self.name, key, error, **self._extra(key)
            )
        else:
            log.warning(
                "%s: %s failed (%d earlier failures), retrying with backoff: %s",
                self.name,
                key,
                self.queue.num_requeues(key),
                error,
                # An ApiError (lost race, apiserver restarting) explains itself; others need the trace.
                exc_info=not isinstance(error, ApiError),
                extra=self._extra(key),
            )

    def _extra(self, key: str) -> dict[str, str]:
        return {"component": self.name, "object": key}

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


class ClientController(Controller):
    """A controller of one apiserver: `client` for writes, `informers` (shared) for reads.

    Subclasses register their informers in `setup(informers)`; one taking settings of its own
    assigns them before calling `super().__init__(client, informers, **common)`.
    """

    default_workers = 1

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        recorder: EventRecorder | None = None,
        metrics: ReconcileMetrics | None = None,
        workers: int | None = None,
    ):
        super().__init__(workers=workers or self.default_workers, recorder=recorder, metrics=metrics)
        self.client = client
        self.setup(informers)

    def setup(self, informers: SharedInformers) -> None:
        raise NotImplementedError

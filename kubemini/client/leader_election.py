"""Active/standby leadership through a coordination.k8s.io/v1 Lease.

    standby: every retry period GET the Lease ──► free, released or expired? ──► PUT (CAS on
             resourceVersion) ourselves as holder ──► leader; a 409 means another candidate won
    leader:  start on_started_leading() as a task; every retry period PUT renewTime on the Lease it
             last wrote (client-go's optimistic renewal; on any failure GET + PUT, as a standby does)
             ──► no successful renew for renew_deadline ──► cancel the work, on_stopped_leading()
    shutdown (run() cancelled or the work returned) ──► cancel the work, release the Lease
             (holderIdentity "", leaseDurationSeconds 1) so a standby takes over at once

Expiry is judged as client-go does, on the *local* monotonic clock: a lease is expired
when its record has not changed for leaseDurationSeconds since we first saw it, so clock
skew between machines does not matter. Safety comes from renew_deadline < lease_duration:
a leader that cannot renew stops its work before any standby may consider the lease expired.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from kubemini.api.registry import by_kind
from kubemini.api.timestamps import now_micro
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import AlreadyExists, ApiError, Conflict, NotFound

LEASE = by_kind("Lease")
LEASE_DURATION_SECONDS = 15.0
RENEW_DEADLINE_SECONDS = 10.0
RETRY_PERIOD_SECONDS = 2.0
RELEASED_LEASE_DURATION_SECONDS = 1
ACQUIRE_JITTER = 0.2

log = logging.getLogger(__name__)


class Attempt(enum.Enum):
    HOLDING = "holding"  # acquired or renewed
    HELD_BY_OTHER = "held_by_other"  # another holder's lease is still valid
    FAILED = "failed"  # lost a write race or the apiserver did not answer: try again


class LeaderElector:
    def __init__(
        self,
        client: ApiClient,
        *,
        namespace: str,
        name: str,
        identity: str,
        lease_duration_seconds: float = LEASE_DURATION_SECONDS,
        renew_deadline_seconds: float = RENEW_DEADLINE_SECONDS,
        retry_period_seconds: float = RETRY_PERIOD_SECONDS,
    ):
        if not lease_duration_seconds > renew_deadline_seconds > retry_period_seconds > 0:
            raise ValueError("need lease_duration_seconds > renew_deadline_seconds > retry_period_seconds > 0")
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration_seconds = lease_duration_seconds
        self.renew_deadline_seconds = renew_deadline_seconds
        self.retry_period_seconds = retry_period_seconds
        self.observed_holder = ""
        self._lease: dict[str, Any] | None = None
        self._observed_spec: dict[str, Any] | None = None
        self._observed_at = 0.0
        self._leading = False
        self._renewed_at = 0.0

    @property
    def is_leader(self) -> bool:
        """True only while leading *and* the last renew is within the renew deadline, so work
        that checks it before acting stops even before the renew loop notices a failure."""
        fresh = time.monotonic() - self._renewed_at < self.renew_deadline_seconds
        return self._leading and fresh

    # -- the loop -----------------------------------------------------------------------------

    async def run(
        self,
        on_started_leading: Callable[[], Awaitable[Any]],
        on_stopped_leading: Callable[[], Any] | None = None,
    ) -> None:
        """Wait to become leader, run `on_started_leading()` while leading; return when
        leadership is lost or the work ends. Cancel `run()` to shut down cleanly."""
        await self._acquire()
        self._leading = True
        log.info("%s: became leader of lease %s/%s", self.identity, self.namespace, self.name)
        work = asyncio.create_task(on_started_leading(), name=f"leading-{self.name}")
        release = True
        try:
            release = await self._renew_while(work)
        finally:
            self._leading = False
            await self._cancel(work)
            if release:
                await self._release()
            if on_stopped_leading is not None:
                result = on_stopped_leading()
                if inspect.isawaitable(result):
                    await result
        if work.done() and not work.cancelled() and work.exception() is not None:
            raise work.exception()

    async def _acquire(self) -> None:
        while True:
            started = time.monotonic()
            if await self._attempt() is Attempt.HOLDING:
                self._renewed_at = started
                return
            jitter = 1.0 + ACQUIRE_JITTER * random.random()
            await asyncio.sleep(self.retry_period_seconds * jitter)

    async def _renew_while(self, work: asyncio.Task[Any]) -> bool:
        """Renew until the work ends (True: release the lease) or leadership is lost (False)."""
        while True:
            # Never sleep past the renew deadline: the loss must be noticed on time.
            left = self.renew_deadline_seconds - (time.monotonic() - self._renewed_at)
            await asyncio.wait({work}, timeout=max(0.0, min(self.retry_period_seconds, left)))
            if work.done():
                return True
            started = time.monotonic()
            remaining = self.renew_deadline_seconds - (started - self._renewed_at)
            outcome = Attempt.FAILED
            if remaining > 0:
                try:
                    async with asyncio.timeout(remaining):
                        outcome = await self._attempt()
                except TimeoutError:
                    outcome = Attempt.FAILED
            if outcome is Attempt.HOLDING:
                # Counted from when the request started: the lease was valid at least from then.
                self._renewed_at = started
            elif outcome is Attempt.HELD_BY_OTHER or time.monotonic() - self._renewed_at >= (
                self.renew_deadline_seconds
            ):
                log.warning(
                    "%s: lost lease %s/%s (holder now %r)",
                    self.identity,
                    self.namespace,
                    self.name,
                    self.observed_holder,
                )
                return False

    async def _cancel(self, work: asyncio.Task[Any]) -> None:
        if work.done():
            return
        work.cancel()
        grace = self.lease_duration_seconds - self.renew_deadline_seconds
        done, _ = await asyncio.wait({work}, timeout=grace)
        if not done:
            log.error("%s: leader work ignored cancellation for %.1fs", self.identity, grace)

    # -- one attempt --------------------------------------------------------------------------

    async def _attempt(self) -> Attempt:
        try:
            return await self._try_acquire_or_renew()
        except (Conflict, AlreadyExists):
            return Attempt.FAILED
        except ApiError as error:
            log.warning("%s: lease %s/%s: %s", self.identity, self.namespace, self.name, error)
            return Attempt.FAILED

    async def _try_acquire_or_renew(self) -> Attempt:
        now = now_micro()
        if self._leading and await self._renew_optimistically(now):
            return Attempt.HOLDING
        try:
            lease = await self.client.get(LEASE, self.name, namespace=self.namespace)
        except NotFound:
            spec = {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": int(self.lease_duration_seconds),
                "acquireTime": now,
                "renewTime": now,
                "leaseTransitions": 0,
            }
            body = {
                "apiVersion": LEASE.api_version,
                "kind": LEASE.kind,
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": spec,
            }
            self._remember(await self.client.create(LEASE, body, namespace=self.namespace))
            return Attempt.HOLDING

        spec = dict(lease.get("spec") or {})
        self._observe(spec)
        holder = spec.get("holderIdentity") or ""
        duration = spec.get("leaseDurationSeconds") or self.lease_duration_seconds
        if holder and holder != self.identity and time.monotonic() < self._observed_at + duration:
            return Attempt.HELD_BY_OTHER
        if holder != self.identity:
            spec["acquireTime"] = now
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        spec.update(
            holderIdentity=self.identity,
            leaseDurationSeconds=int(self.lease_duration_seconds),
            renewTime=now,
        )
        # The GET's resourceVersion rides along: a concurrent writer makes this a 409.
        self._remember(await self.client.update(LEASE, {**lease, "spec": spec}))
        return Attempt.HOLDING

    async def _renew_optimistically(self, now: str) -> bool:
        """client-go's fast path: a leader renews with the lease it last wrote, one request instead of a GET
        and a PUT; any failure (409 when someone else wrote it) falls back to the GET path."""
        lease = self._lease
        if lease is None or (lease.get("spec") or {}).get("holderIdentity") != self.identity:
            return False
        spec = {**lease["spec"], "leaseDurationSeconds": int(self.lease_duration_seconds), "renewTime": now}
        try:
            self._remember(await self.client.update(LEASE, {**lease, "spec": spec}))
        except ApiError as error:
            log.debug(
                "%s: optimistic renewal of %s/%s failed (%s); reading the lease",
                self.identity,
                self.namespace,
                self.name,
                error,
            )
            return False
        return True

    def _observe(self, spec: dict[str, Any]) -> None:
        if spec != self._observed_spec:
            self._observed_spec = spec
            self._observed_at = time.monotonic()
            self.observed_holder = spec.get("holderIdentity") or ""

    def _remember(self, lease: dict[str, Any]) -> None:
        self._lease = lease
        self._observe(dict(lease.get("spec") or {}))

    async def _release(self) -> None:
        lease = self._lease
        if lease is None or (lease.get("spec") or {}).get("holderIdentity") != self.identity:
            return
        spec = dict(lease["spec"])
        now = now_micro()
        spec.update(
            holderIdentity="",
            leaseDurationSeconds=RELEASED_LEASE_DURATION_SECONDS,
            acquireTime=now,
            renewTime=now,
        )
        try:
            async with asyncio.timeout(self.renew_deadline_seconds):
                self._remember(await self.client.update(LEASE, {**lease, "spec": spec}))
            log.info("%s: released lease %s/%s", self.identity, self.namespace, self.name)
        except (ApiError, TimeoutError) as error:
            # Not fatal: the lease simply expires after its duration instead.
            log.warning("%s: could not release lease %s/%s: %s", self.identity, self.namespace, self.name, error)

"""Choosing a backend for each new connection of one service port.

    update(endpoints, affinity) ◄── every proxy sync (ready endpoints only, sorted)
    next_endpoint(client_ip, exclude) ──► sticky endpoint if ClientIP affinity holds one
                                          that is still listed and not excluded,
                                          else the next one round-robin (skipping excluded)
    reset_affinity(client_ip) ◄── the chosen endpoint refused: forget the stickiness

Pure and synchronous (the clock is injected), so selection is tested without sockets.
An endpoint dropped by `update` is simply never chosen again; connections already open
to it are not this module's business (they drain in the proxier).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

DEFAULT_AFFINITY_SECONDS = 10800.0
# Expired affinity entries are swept when the table grows past this many clients.
AFFINITY_SWEEP_SIZE = 4096


@dataclass(frozen=True, order=True)
class Endpoint:
    ip: str
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass
class _Sticky:
    endpoint: Endpoint
    last_used: float


class RoundRobin:
    def __init__(
        self,
        endpoints: Sequence[Endpoint] = (),
        *,
        affinity_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.endpoints: tuple[Endpoint, ...] = ()
        self.affinity_seconds: float | None = None
        self.clock = clock
        self._next = 0
        self._sticky: dict[str, _Sticky] = {}
        self.update(endpoints, affinity_seconds=affinity_seconds)

    def update(self, endpoints: Sequence[Endpoint], *, affinity_seconds: float | None) -> bool:
        """Replace the endpoint list (and affinity setting); True when anything changed."""
        fresh = tuple(endpoints)
        changed = fresh != self.endpoints or affinity_seconds != self.affinity_seconds
        if affinity_seconds != self.affinity_seconds:
            self._sticky.clear()
        if fresh != self.endpoints:
            listed = set(fresh)
            self._sticky = {ip: s for ip, s in self._sticky.items() if s.endpoint in listed}
            self._next = 0
        self.endpoints = fresh
        self.affinity_seconds = affinity_seconds
        return changed

    def next_endpoint(self, client_ip: str, *, exclude: Collection[Endpoint] = ()) -> Endpoint | None:
        """The endpoint for a new connection from `client_ip`; None when none is left to try."""
        now = self.clock()
        if self.affinity_seconds is not None:
            sticky = self._sticky.get(client_ip)
            if (
                sticky is not None
                and now - sticky.last_used <= self.affinity_seconds
                and sticky.endpoint in self.endpoints
                and sticky.endpoint not in exclude
            ):
                sticky.last_used = now
                return sticky.endpoint
        chosen = self._round_robin(exclude)
        if chosen is not None and self.affinity_seconds is not None:
            self._sticky[client_ip] = _Sticky(chosen, now)
            if len(self._sticky) > AFFINITY_SWEEP_SIZE:
                self._sweep(now)
        return chosen

    def reset_affinity(self, client_ip: str) -> None:
        self._sticky.pop(client_ip, None)

    def _round_robin(self, exclude: Collection[Endpoint]) -> Endpoint | None:
        count = len(self.endpoints)
        for offset in range(count):
            candidate = self.endpoints[(self._next + offset) % count]
            if candidate not in exclude:
                self._next = (self._next + offset + 1) % count
                return candidate
        return None

    def _sweep(self, now: float) -> None:
        limit = self.affinity_seconds or 0.0
        self._sticky = {ip: s for ip, s in self._sticky.items() if now - s.last_used <= limit}

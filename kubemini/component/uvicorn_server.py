"""A uvicorn server that wakes once a second when idle instead of ten times.

uvicorn's `Server.main_loop` sleeps 0.1 s between ticks; a tick refreshes the `Date` header (once a
second) and checks `should_exit`. Ten wake-ups a second per server is most of an idle component's
CPU. Here the loop waits up to TICK_SECONDS for an exit request instead, so the header is refreshed
as often as before and a stop (`should_exit = True`, from a signal handler or from code) is still
seen at once:

    should_exit = True ──► _exit_requested.set() ──► main_loop wakes ──► on_tick returns True ──► shutdown
"""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn

TICK_SECONDS = 1.0
# uvicorn's on_tick refreshes the Date header when counter % 10 == 0: one of its 0.1 s ticks in ten.
_TICKS_PER_SECOND = 10
_COUNTER_MODULUS = 864000


class QuietServer(uvicorn.Server):
    @property
    def should_exit(self) -> bool:
        return self._should_exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._should_exit = value
        if value:
            self._exit_event().set()

    def _exit_event(self) -> asyncio.Event:
        event = self.__dict__.get("_exit_requested")
        if event is None:
            event = self.__dict__["_exit_requested"] = asyncio.Event()
        return event

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + _TICKS_PER_SECOND) % _COUNTER_MODULUS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_event().wait(), TICK_SECONDS)
            should_exit = await self.on_tick(counter)

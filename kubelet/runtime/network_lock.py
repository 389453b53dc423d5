"""Sandbox network leaves one at a time on the machine; joins in parallel, never beside a leave.

    DockerRuntime: start of a pause container (join)  ──► shared   ─┐
                   stop / remove of one (leave)       ──► exclusive ─┴─► asyncio NetworkLock (this process)
        ──► flock(NETWORK_LOCK_PATH, LOCK_SH / LOCK_EX) (other kubelet processes) ──► the Docker call
        (a stop also waits for Docker's exit handling to finish)

Docker 20.10's libnetwork can deadlock the whole daemon when many containers
leave one user-defined network at the same moment: endpoint deletes block
sending to its service-record watch loop while that loop waits for a network
lock they hold. A parallel `docker rm -f` of twenty running sandboxes did
exactly that here; after it every inspect and `docker info` hung until the
daemon was restarted. So leaves stay serial, and exclusive of joins. Joins run
in parallel: 24 parallel `docker run --network <bridge>` of the pause image,
three rounds, each next to a serial `docker rm -f` of the previous 24 and a
second parallel batch of 24, left the daemon answering (`docker info`) every
time on Docker 20.10.24. App containers share their sandbox's network
namespace (`network_mode=container:`) and never touch the network: no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import AsyncIterator
from typing import Any

NETWORK_LOCK_PATH = "/tmp/kubemini-docker-network.lock"


def holding_file_lock(path: str, function: Any, *args: Any, shared: bool = False, **kwargs: Any) -> Any:
    """Call `function` holding a flock on `path` (blocking: run it in a worker thread)."""
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            return function(*args, **kwargs)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class NetworkLock:
    """Readers (joins) together, one writer (a leave) alone; a waiting writer stops new readers."""

    def __init__(self) -> None:
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            async with self._changed:
                self._readers -= 1
                self._changed.notify_all()

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with self._changed:
            self._writers_waiting += 1
            try:
                await self._changed.wait_for(lambda: not self._writing and not self._readers)
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            async with self._changed:
                self._writing = False
                self._changed.notify_all()

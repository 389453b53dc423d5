"""Running a component: signals, leader election around the work, clean shutdown.

SIGTERM/SIGINT cancel the main task; a leader releases its Lease on the way
out so a standby takes over at once. A shutdown still running SLOW_SHUTDOWN_SECONDS
after the signal dumps every thread's stack and every asyncio task's to stderr (the component's log), so
whatever holds it up is named before a supervisor's SIGKILL ends it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from kubemini.client.api_client import ApiClient
from kubemini.client.leader_election import LeaderElector

log = logging.getLogger(__name__)
LEASE_NAMESPACE = "kube-system"
SLOW_SHUTDOWN_SECONDS = 5.0


def dump_tasks() -> None:
    """Where every asyncio task of a slow shutdown waits (thread stacks do not show coroutines)."""
    for pending in asyncio.all_tasks():
        print(f"--- task {pending.get_name()}: {pending.get_coro()!r}", file=sys.stderr)
        pending.print_stack(file=sys.stderr)


def run_until_signalled(main: Callable[[], Awaitable[None]]) -> None:
    """Run `main()` in a new event loop until it ends or SIGTERM/SIGINT arrives."""

    async def runner() -> None:
        task = asyncio.create_task(main())
        loop = asyncio.get_running_loop()

        def shut_down() -> None:
            faulthandler.dump_traceback_later(SLOW_SHUTDOWN_SECONDS, exit=False)
            loop.call_later(SLOW_SHUTDOWN_SECONDS, dump_tasks)
            task.cancel()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, shut_down)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            faulthandler.cancel_dump_traceback_later()

    asyncio.run(runner())


async def run_leading(
    client: ApiClient, args: argparse.Namespace, *, lease_name: str, work: Callable[[], Awaitable[None]]
) -> None:
    """Run `work()` only while holding the Lease; after losing it, stand by and try again."""
    if not getattr(args, "leader_elect", False):
        await work()
        return
    elector = LeaderElector(
        client,
        namespace=LEASE_NAMESPACE,
        name=lease_name,
        identity=args.identity,
        lease_duration_seconds=args.lease_duration_seconds,
        renew_deadline_seconds=args.renew_deadline_seconds,
        retry_period_seconds=args.retry_period_seconds,
    )
    while True:
        try:
            await elector.run(work)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the work failed: log it and compete for the lease again
            log.exception("%s: work failed while leading", lease_name)
        log.warning("%s: not leading any more; standing by", lease_name)
        await asyncio.sleep(args.retry_period_seconds)

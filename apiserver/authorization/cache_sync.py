"""Authorizers read watch caches; right after a start those may not have listed yet.

    wait_synced(caches) ──► each cache's `ready` event, for at most SYNC_WAIT_SECONDS
                            (then the caller goes on with what there is: an answer, not a hang)
An authorizer calls it until it has once returned True, so a synced server never waits again.
"""

from __future__ import annotations

import asyncio
import contextlib

SYNC_WAIT_SECONDS = 10.0


async def wait_synced(caches, *, timeout: float = SYNC_WAIT_SECONDS) -> bool:
    events = [cache.ready for cache in caches if getattr(cache, "ready", None) is not None]
    pending = [event.wait() for event in events if not event.is_set()]
    if pending:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*pending), timeout)
    return all(event.is_set() for event in events)

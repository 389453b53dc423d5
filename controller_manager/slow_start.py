"""Slow start: run N similar API calls in doubling batches (1, 2, 4, ...), stopping at the first failing batch.

A quota or admission rejection then costs one request, not hundreds, and a
healthy burst still finishes in log2(N) rounds (client-go's slowStartBatch).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

INITIAL_BATCH_SIZE = 1


async def run_in_batches(
    count: int, action: Callable[[], Awaitable[object]], *, initial_batch_size: int = INITIAL_BATCH_SIZE
) -> tuple[int, BaseException | None]:
    """(successful calls, first error or None). Calls after a failing batch are never made."""
    done = 0
    remaining = count
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        results = await asyncio.gather(*(action() for _ in range(batch)), return_exceptions=True)
        errors = [result for result in results if isinstance(result, BaseException)]
        done += batch - len(errors)
        if errors:
            cancelled = next((e for e in errors if isinstance(e, asyncio.CancelledError)), None)
            if cancelled is not None:
                raise cancelled
            return done, errors[0]
        remaining -= batch
        batch = min(remaining, 2 * batch)
    return done, None

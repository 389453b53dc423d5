"""Sending one HTTP request with bounded retries.

    send ──► transport failure before the request left (connect refused, pool timeout)
         │      → jittered exponential backoff, resend (any verb)
         ├─► transport failure after it left (reset, read timeout)
         │      → resend only a GET; a write may have been applied, so raise
         ├─► 429 (any verb) / 503 (GET) → wait Retry-After (capped), resend
         └─► anything else → `check_response()` (typed `ApiError`) or the response
After `max_retries` resends the failure is raised: `ConnectionFailed` for the
transport, the typed error for a status. An apiserver restart is therefore
invisible to callers unless it outlasts the retries.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from kubemini.client.backoff import Backoff
from kubemini.client.errors import check_response, connection_failed

MAX_RETRIES = 5
RETRY_INITIAL_SECONDS = 0.1
RETRY_MAX_SECONDS = 2.0
RETRY_AFTER_MAX_SECONDS = 10.0

# Failures where the request never reached the server: safe to resend for any verb.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

log = logging.getLogger(__name__)


def retry_after_seconds(response: httpx.Response, method: str) -> float | None:
    """Seconds to wait before resending a rejected request, or None if it must not be resent."""
    if response.status_code == 429 or (response.status_code == 503 and method == "GET"):
        try:
            seconds = float(response.headers.get("Retry-After", "1"))
        except ValueError:
            seconds = 1.0
        return min(max(seconds, 0.0), RETRY_AFTER_MAX_SECONDS)
    return None


async def send_with_retries(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    stream: bool = False,
    max_retries: int = MAX_RETRIES,
) -> httpx.Response:
    """A successful response (still open if `stream`), or the raised failure."""
    backoff: Backoff | None = None  # made on the first failure: its Random() reads os.urandom
    server = str(http.base_url)
    attempt = 0
    while True:
        try:
            response = await http.send(request, stream=stream)
        except _NOT_SENT as error:
            failure: BaseException = error
        except httpx.TransportError as error:
            if request.method != "GET":
                raise connection_failed(server, error) from error
            failure = error
        else:
            if response.is_success:
                return response
            await response.aread()
            await response.aclose()
            delay = retry_after_seconds(response, request.method)
            if delay is None or attempt >= max_retries:
                check_response(response)
            attempt += 1
            await asyncio.sleep(delay)
            continue
        if attempt >= max_retries:
            raise connection_failed(server, failure) from failure
        attempt += 1
        backoff = backoff or Backoff(RETRY_INITIAL_SECONDS, RETRY_MAX_SECONDS)
        delay = backoff.next_delay()
        log.debug("retrying %s %s in %.2fs: %r", request.method, request.url.path, delay, failure)
        await asyncio.sleep(delay)

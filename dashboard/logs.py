"""A live log tail: pods/log?follow=true&timestamps=true with the user's token ──► one SSE event per line.

    first open: tailLines=TAIL_LINES        the stream ends (container exited, restarted) ──► open again
    reopen / browser reconnect: sinceSeconds covering the last line's time, and lines at or before
    that time dropped, so a crash-looping container's tail shows each run once, in order
The event id is the last line's timestamp: EventSource sends it back on reconnect.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from kubemini.api.registry import by_kind

TAIL_LINES = 200
REOPEN_DELAYS_SECONDS = (0.5, 1.0, 2.0, 3.0)
MAX_LINE_CHARS = 4096
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$")
POD = by_kind("Pod")


@dataclass(frozen=True, order=True)
class LogTime:
    """A log timestamp to the nanosecond (Docker's RFC3339Nano drops trailing zeros, so text won't sort)."""

    seconds: int
    nanos: int

    @property
    def epoch(self) -> float:
        return self.seconds + self.nanos / 1e9


def parse_log_time(text: str) -> LogTime | None:
    match = _TIMESTAMP.match(text)
    if not match:
        return None
    whole = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return LogTime(int(whole.timestamp()), int((match.group(2) or "0").ljust(9, "0")))


def split_line(line: str) -> tuple[LogTime | None, str, str]:
    """`<timestamp> <text>` ──► (time, timestamp text, text); a line without one keeps its text."""
    stamp, _, text = line.partition(" ")
    moment = parse_log_time(stamp)
    if moment is None:
        return None, "", line[:MAX_LINE_CHARS]
    return moment, stamp, text[:MAX_LINE_CHARS]


def since_seconds(last: LogTime, *, now: float) -> int:
    """A sinceSeconds that surely reaches back to `last` (the dropped duplicates cost little)."""
    return max(1, math.ceil(now - last.epoch) + 1)


def log_params(last: LogTime | None, *, container: str | None, now: float) -> dict[str, str]:
    params = {"follow": "true", "timestamps": "true"}
    if container:
        params["container"] = container
    if last is None:
        params["tailLines"] = str(TAIL_LINES)
    else:
        params["sinceSeconds"] = str(since_seconds(last, now=now))
    return params


@dataclass(frozen=True)
class LogMessage:
    type: str  # line | notice | denied | gone
    text: str
    stamp: str = ""


async def follow_log(
    http: httpx.AsyncClient,
    namespace: str,
    pod: str,
    *,
    container: str | None,
    since: LogTime | None,
    clock: Callable[[], float],
) -> AsyncIterator[LogMessage]:
    last, reopened = since, 0
    path = POD.object_path(pod, namespace, "log")
    while True:
        params = log_params(last, container=container, now=clock())
        async with http.stream("GET", path, params=params, timeout=httpx.Timeout(30.0, read=None)) as response:
            if response.status_code in (401, 403):
                yield LogMessage("denied", await _message(response))
                return
            if response.status_code == 404:
                yield LogMessage("gone", await _message(response))
                return
            if response.status_code != 200:
                yield LogMessage("notice", await _message(response))
            else:
                async for line in response.aiter_lines():
                    moment, stamp, text = split_line(line)
                    if moment is not None and last is not None and moment <= last:
                        continue
                    last = moment or last
                    reopened = 0
                    yield LogMessage("line", text, stamp)
        await asyncio.sleep(REOPEN_DELAYS_SECONDS[min(reopened, len(REOPEN_DELAYS_SECONDS) - 1)])
        reopened += 1


async def _message(response: httpx.Response) -> str:
    body = await response.aread()
    try:
        return str(json.loads(body).get("message") or body.decode(errors="replace"))
    except (ValueError, AttributeError):
        return body.decode(errors="replace")[:500]

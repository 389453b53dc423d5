"""Durations as Kubernetes' flags take them: Go's `time.ParseDuration` text, or plain seconds.

"8760h" ──► 31536000.0     "1h30m" ──► 5400.0     "1.5s" ──► 1.5     "600" ──► 600.0
"""

from __future__ import annotations

import math
import re

SECONDS_PER_UNIT = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration_seconds(text: str) -> float:
    """Seconds in `text`: a Go duration (`8760h0m0s`, `-1.5h`) or a bare number of seconds.

    Raises ValueError with Go's wording for anything else."""
    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise ValueError(f'time: invalid duration "{text}"')
        return seconds
    sign, body = (-1.0, value[1:]) if value.startswith("-") else (1.0, value.removeprefix("+"))
    if body == "0":
        return 0.0
    position, total = 0, 0.0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * SECONDS_PER_UNIT[match.group(2)]
        position = match.end()
    if not body:
        raise ValueError(f'time: invalid duration "{text}"')
    return sign * total

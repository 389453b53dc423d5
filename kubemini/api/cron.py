"""CronJob schedules: the one place their syntax and timing rules live (validation and the controller).

Kubernetes parses schedules with robfig/cron's standard parser: five fields,
names for months and weekdays, `?`, and the descriptors `@yearly`, `@annually`,
`@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. The fields and
descriptors are parsed by `croniter`; what Kubernetes refuses on top (a `TZ=`
prefix instead of `spec.timeZone`, six-field seconds syntax) is refused here.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta

from croniter import croniter

DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DESCRIPTOR_EXPRESSIONS = {"@midnight": "0 0 * * *"}
_EVERY = re.compile(r"^@every\s+((?:\d+(?:\.\d+)?(?:h|m|s|ms))+)$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}


def _every_seconds(schedule: str) -> float | None:
    """`@every 1h30m` → 5400 (robfig's constant-delay schedule, rounded to whole seconds, at least 1)."""
    match = _EVERY.match(schedule.strip())
    if not match:
        return None
    total = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(match[1]))
    return max(1, int(total))


def _expression(schedule: str) -> str:
    text = schedule.strip()
    return _DESCRIPTOR_EXPRESSIONS.get(text, text)


def schedule_problem(schedule: str) -> str | None:
    """Why `schedule` is not a valid CronJob schedule (Kubernetes' wording where it has one)."""
    text = schedule.strip()
    if "TZ=" in text:
        return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
    if text.startswith("@every"):
        return None if _every_seconds(text) is not None else f"failed to parse duration {text}"
    if text.startswith("@"):
        return None if text in DESCRIPTORS else f"unrecognized descriptor: {text}"
    if len(text.split()) != 5:
        return f"expected exactly 5 fields, found {len(text.split())}: {text}"
    if not croniter.is_valid(text):
        return f"failed to parse the schedule: {text}"
    return None


def time_zone_problem(name: str) -> str | None:
    if name.strip() != name or name in ("", "Local"):
        return "unknown time zone " + name
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name}"
    return None


def next_run(schedule: str, after: datetime, *, time_zone: str | None = None) -> datetime:
    """The first scheduled time strictly after `after` (an aware datetime), in `time_zone` (UTC default)."""
    every = _every_seconds(schedule)
    if every is not None:
        return after.replace(microsecond=0) + timedelta(seconds=every)
    zone = zoneinfo.ZoneInfo(time_zone) if time_zone else zoneinfo.ZoneInfo("UTC")
    start = after.astimezone(zone)
    return croniter(_expression(schedule), start).get_next(datetime)


def previous_run(schedule: str, before: datetime, *, time_zone: str | None = None) -> datetime:
    """The last scheduled time at or before `before`."""
    zone = zoneinfo.ZoneInfo(time_zone) if time_zone else zoneinfo.ZoneInfo("UTC")
    start = before.astimezone(zone)
    if croniter.match(_expression(schedule), start.replace(second=0, microsecond=0)) and start.second == 0:
        return start
    return croniter(_expression(schedule), start).get_prev(datetime)
